#!/usr/bin/env python3
"""A proxy that breaks one promise of the API on purpose, to show that a proof check catches it.

    sabotage_proxy.py PORT TARGET_URL MODE

Listens on 127.0.0.1:PORT and forwards each request (one per connection) to TARGET_URL, a Parley,
except for what MODE breaks:
  replay-from-start   resumes lose their Last-Event-ID / ?after= (the reply is sent from the start
                      again: text and events twice)                       -> resume.py
  drop-delta          the first delta of every resume is dropped (text lost) -> resume.py
  refuse-chat         every POST /api/chat answers 503                      -> load.py (too few acknowledged)
  total-count         X-Total-Count says one more than the list holds       -> load.py (read-back)
  conflict-on-retry   a POST /api/chat whose Idempotency-Key was seen before answers 409
                                                                            -> cut_before_token.py, load.py
  strip-key-on-retry  a POST /api/chat whose Idempotency-Key was seen before goes on without it
                      (the turn is stored and generated twice)              -> cut_before_token.py
  unauthorized        every 7th request other than /health answers 401      -> db_outage.py
  hang-chat           every 25th POST /api/chat is never answered (40 s, then closed) -> load.py (hangs)
  swallow-stop        POST /api/chat/{id}/stop answers 200 `stopped` without reaching Parley
                                                                            -> reply_faults.py stop
  none                forwards everything unchanged (a control run: the check must pass)
Used by scripts/proof/self-test; loopback only.
"""
import asyncio
import json
import re
import sys
from urllib.parse import urlsplit

MODES = {"replay-from-start", "drop-delta", "refuse-chat", "total-count", "conflict-on-retry", "strip-key-on-retry",
         "unauthorized", "swallow-stop", "hang-chat", "none"}


class Sabotage:
    def __init__(self, target: str, mode: str):
        parts = urlsplit(target)
        assert parts.hostname.startswith("127."), "loopback only"
        self.host, self.port, self.mode = parts.hostname, parts.port, mode
        self.keys_seen = set()
        self.count = 0
        self.broken = 0

    async def handle(self, reader, writer):
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target, version = head[0].split(" ")
            headers = [tuple(p.strip() for p in line.split(":", 1)) for line in head[1:] if ":" in line]
            length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
            body = await reader.readexactly(length) if length else b""
            self.count += 1
            if self.mode == "hang-chat" and method == "POST" and target.split("?")[0] == "/api/chat":
                self.chats = getattr(self, "chats", 0) + 1
                if self.chats % 25 == 0:
                    self.broken += 1
                    await asyncio.sleep(40)
                    return
            answer = self.short_circuit(method, target, headers)
            if answer is not None:
                self.broken += 1
                status, payload = answer
                data = json.dumps(payload).encode()
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                             f"Connection: close\r\n\r\n".encode() + data)
                await writer.drain()
                return
            target, headers = self.rewrite(method, target, headers)
            await self.forward(method, target, headers, body, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.transport.abort()

    def short_circuit(self, method, target, headers):
        key = next((v for k, v in headers if k.lower() == "idempotency-key"), None)
        path = target.split("?")[0]
        if self.mode == "refuse-chat" and method == "POST" and path == "/api/chat":
            return 503, {"detail": "sabotage: refused"}
        if self.mode == "conflict-on-retry" and method == "POST" and path == "/api/chat" and key:
            if key in self.keys_seen:
                return 409, {"detail": "sabotage: this request is still being answered"}
            self.keys_seen.add(key)
        if self.mode == "unauthorized" and path != "/health" and self.count % 7 == 0:
            return 401, {"detail": "Could not validate credentials"}
        if self.mode == "swallow-stop" and method == "POST" and re.fullmatch(r"/api/chat/[^/]+/stop", path):
            return 200, {"id": path.split("/")[3], "role": "assistant", "status": "stopped", "content": ""}
        return None

    def rewrite(self, method, target, headers):
        path = target.split("?")[0]
        if self.mode == "replay-from-start" and path.endswith("/stream"):
            self.broken += 1
            return path, [(k, v) for k, v in headers if k.lower() != "last-event-id"]
        if self.mode == "strip-key-on-retry" and method == "POST" and path == "/api/chat":
            key = next((v for k, v in headers if k.lower() == "idempotency-key"), None)
            if key in self.keys_seen:
                self.broken += 1
                return target, [(k, v) for k, v in headers if k.lower() != "idempotency-key"]
            if key:
                self.keys_seen.add(key)
        return target, headers

    async def forward(self, method, target, headers, body, writer):
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        try:
            lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers if k.lower() != "connection"]
            up_writer.write(("\r\n".join(lines + ["Connection: close"]) + "\r\n\r\n").encode() + body)
            await up_writer.drain()
            head = (await up_reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            response_headers = [tuple(p.strip() for p in line.split(":", 1)) for line in head[1:] if ":" in line]
            chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in response_headers)
            sse = any(k.lower() == "content-type" and v.startswith("text/event-stream") for k, v in response_headers)
            out = [head[0]]
            for k, v in response_headers:
                if k.lower() in ("transfer-encoding", "connection") or (chunked and k.lower() == "content-length"):
                    continue
                if self.mode == "total-count" and k.lower() == "x-total-count":
                    self.broken += 1
                    v = str(int(v) + 1)
                out.append(f"{k}: {v}")
            writer.write(("\r\n".join(out + ["Connection: close"]) + "\r\n\r\n").encode())  # the body ends at close
            drop = self.mode == "drop-delta" and sse and target.split("?")[0].endswith("/stream")
            pending = b""
            async for piece in body_of(up_reader, chunked):
                if not drop:
                    writer.write(pending + piece)
                    pending = b""
                else:
                    pending += piece
                    while b"\n\n" in pending:
                        block, pending = pending.split(b"\n\n", 1)
                        if drop and b'"delta"' in block:
                            drop = False  # this one only
                            self.broken += 1
                            continue
                        writer.write(block + b"\n\n")
                await writer.drain()
            writer.write(pending)
            await writer.drain()
        finally:
            up_writer.transport.abort()


async def body_of(reader, chunked):
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                return
            yield await reader.readexactly(size)
            await reader.readexactly(2)
    while piece := await reader.read(65536):
        yield piece


async def main():
    port, target, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if mode not in MODES:
        raise SystemExit(f"unknown mode {mode}; one of {sorted(MODES)}")
    sabotage = Sabotage(target, mode)
    server = await asyncio.start_server(sabotage.handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
