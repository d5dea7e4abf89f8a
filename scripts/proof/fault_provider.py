#!/usr/bin/env python3
"""An OpenAI-compatible fake model provider that injects faults, for the load + fault proof.

    fault_provider.py PORT [--chunk-delay SECONDS]

POST .../chat/completions answers a short reply (streamed as SSE `data:` lines then `data: [DONE]`
when the request says "stream": true, one JSON object otherwise), echoing the `turn=ID` token of
the last user message so the client can tell replies apart. A `fault=KIND` token in that message
makes the FIRST call for that turn fail (a retry of the turn then succeeds, as after a transient
fault):
  500        HTTP 500 with an OpenAI error body             (Parley: 502)
  busy       HTTP 503 Retry-After: 0                        (Parley retries it itself: 200)
  garbage    HTTP 200 whose stream is not JSON              (502)
  hang       reads the request, never answers               (504 after LLM_TIMEOUT_SECONDS)
  hang_mid   two deltas, then silence                       (504 / `error` event)
  drop       two deltas, then the connection is cut         (502 / `error` event)
  drop_early the connection is cut before any answer        (502)
Two more markers shape a good reply (streamed requests only):
  pace=N/S   N pieces, S seconds apart, each distinct and carrying multi-byte and JSON-escaped
             characters (paced_text(turn, N) is the whole reply), so a cut or a resume lands
             mid-reply and a piece lost, doubled or reordered shows in the text
  silent=S   S seconds of silence before the first piece
Refused connections come from POST /control/refuse?seconds=S: the listening socket is closed for
S seconds (every response says `Connection: close`, so Parley must connect anew each time).
GET /control/stats: requests and faults injected, as JSON. GET /control/turns: per turn token, the
calls made for it, how many were answered to their end (written whole: Parley has the reply), and when (time.time()) Parley hung up
on one mid-stream (a Stop, a shutdown); with ?turn=T that turn only. GET .../models lists one model.
Listens on 127.0.0.1 only.
"""
import asyncio
import json
import re
import sys
import time
from collections import Counter

WORDS = ["Sure", ",", " here", " is", " a", " reply", " for", " you", "."]
FAULTS = {"500", "busy", "garbage", "hang", "hang_mid", "drop", "drop_early"}
MARKER = re.compile(r"\b(fault|turn|pace|silent)=([A-Za-z0-9_.:/-]+)")
# Varied on purpose: two bytes, three, four (outside the BMP), a quote, a backslash, a newline.
FLAVOURS = ["", "é", "日本", "🙂", '"q"', "\\", "\n", "ß·", "\t"]


def paced_pieces(turn: str, count: int) -> list[str]:
    """The pieces of a paced reply: distinct, so a lost or doubled piece cannot hide."""
    return [f"{turn}#{i:03d}{FLAVOURS[i % len(FLAVOURS)]} " for i in range(count)]


def paced_text(turn: str, count: int) -> str:
    return "".join(paced_pieces(turn, count))


class Provider:
    def __init__(self, port: int, chunk_delay: float):
        self.port = port
        self.chunk_delay = chunk_delay
        self.server: asyncio.AbstractServer | None = None
        self.faulted: set[tuple[str, str]] = set()
        self.stats = Counter()
        self.turns: dict[str, dict] = {}  # turn token -> {"calls", "finished", "hung_up_at": [...]}

    async def listen(self) -> None:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port, backlog=2048, reuse_address=True)

    async def refuse(self, seconds: float) -> None:
        """Closes the listening socket for a while: connecting meanwhile is refused."""
        self.stats["refuse_windows"] += 1
        self.server.close()
        await asyncio.sleep(seconds)
        await self.listen()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target = lines[0].split(" ")[:2]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            await self.route(method, target, body, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def route(self, method: str, target: str, body: bytes, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> None:
        path, _, query = target.partition("?")
        if path == "/control/stats":
            return await send(writer, 200, json.dumps({"requests": self.stats["requests"], "faults": {
                k[6:]: v for k, v in self.stats.items() if k.startswith("fault:")},
                "refuse_windows": self.stats["refuse_windows"]}).encode())
        if path == "/control/turns":
            wanted = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("turn")
            turns = {wanted: self.turns.get(wanted, {"calls": 0, "finished": 0, "hung_up_at": []})} if wanted else self.turns
            return await send(writer, 200, json.dumps(turns).encode())
        if path == "/control/refuse":
            seconds = float(dict(p.split("=") for p in query.split("&") if "=" in p).get("seconds", "3"))
            await send(writer, 200, b'{"refusing": true}')
            asyncio.get_running_loop().create_task(self.refuse(seconds))
            return
        if method == "GET" and path.endswith("/models"):
            return await send(writer, 200, json.dumps({"object": "list", "data": [{"id": "fault-model"}]}).encode())
        if method == "POST" and path.endswith("/chat/completions"):
            self.stats["requests"] += 1
            return await self.complete(json.loads(body), reader, writer)
        await send(writer, 404, b'{"error": {"message": "no such route"}}')

    async def complete(self, request: dict, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        last = next((m.get("content", "") for m in reversed(request.get("messages", [])) if m.get("role") == "user"), "")
        marks = dict(MARKER.findall(last if isinstance(last, str) else ""))
        turn, fault = marks.get("turn", "?"), marks.get("fault")
        record = self.turns.setdefault(turn, {"calls": 0, "finished": 0, "hung_up_at": []})
        record["calls"] += 1
        if fault in FAULTS and (turn, fault) not in self.faulted:
            self.faulted.add((turn, fault))
            self.stats["fault:" + fault] += 1
            return await self.inject(fault, request, writer)
        if request.get("stream") and ("pace" in marks or "silent" in marks):
            return await self.paced(marks, record, reader, writer)
        pieces = [f"[{turn}] "] + WORDS
        if not request.get("stream"):
            await asyncio.sleep(self.chunk_delay * len(pieces))
            await send(writer, 200, json.dumps(completion("".join(pieces))).encode())
            record["finished"] += 1
            return
        await start_stream(writer)
        for piece in pieces:
            await event(writer, delta(piece))
            await asyncio.sleep(self.chunk_delay)
        await event(writer, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 10, "completion_tokens": len(pieces)}})
        writer.write(b"data: [DONE]\n\n")
        await writer.drain()
        record["finished"] += 1

    async def paced(self, marks: dict, record: dict, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A good streamed reply at the pace asked for; notes when Parley hangs up before its end."""
        count, _, delay = marks.get("pace", "9/0").partition("/")
        pieces = paced_pieces(marks.get("turn", "?"), int(count))
        hung_up = asyncio.get_running_loop().create_task(reader.read(1))  # b"" (or an error) when Parley leaves
        try:
            await start_stream(writer)
            if await gone(hung_up, float(marks.get("silent", 0))):
                return record["hung_up_at"].append(time.time())
            for piece in pieces:
                await event(writer, delta(piece))
                if await gone(hung_up, float(delay or 0)):
                    return record["hung_up_at"].append(time.time())
            await event(writer, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 10, "completion_tokens": len(pieces)}})
            writer.write(b"data: [DONE]\n\n")
            await writer.drain()
            record["finished"] += 1
        except ConnectionError:
            record["hung_up_at"].append(time.time())
        finally:
            hung_up.cancel()

    async def inject(self, fault: str, request: dict, writer: asyncio.StreamWriter) -> None:
        if fault == "500":
            return await send(writer, 500, b'{"error": {"message": "injected failure", "type": "server_error"}}')
        if fault == "busy":
            return await send(writer, 503, b'{"error": {"message": "overloaded"}}', {"Retry-After": "0"})
        if fault == "drop_early":
            return writer.transport.abort()
        if fault == "hang":
            await asyncio.sleep(120)
            return
        if fault == "garbage":
            await start_stream(writer)
            writer.write(b"data: {this is not json\n\n\x00\xff garbage")
            return await writer.drain()
        # hang_mid and drop: a reply that starts, then stalls or breaks.
        await start_stream(writer)
        for piece in WORDS[:2]:
            await event(writer, delta(piece))
            await asyncio.sleep(self.chunk_delay)
        if fault == "hang_mid":
            await asyncio.sleep(120)
        writer.transport.abort()


async def gone(hung_up: asyncio.Task, seconds: float) -> bool:
    """Waits `seconds`; true as soon as the other side has closed the connection."""
    await asyncio.wait([hung_up], timeout=seconds)
    return hung_up.done()


def delta(text: str) -> dict:
    return {"model": "fault-model", "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


def completion(text: str) -> dict:
    return {"model": "fault-model", "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                                  "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": len(WORDS) + 1}}


async def send(writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict | None = None) -> None:
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                 f"Connection: close\r\n{extra}\r\n".encode() + body)
    await writer.drain()


async def start_stream(writer: asyncio.StreamWriter) -> None:
    # No length: the stream ends when the connection closes (HTTP/1.1 with Connection: close).
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
    await writer.drain()


async def event(writer: asyncio.StreamWriter, payload: dict) -> None:
    writer.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
    await writer.drain()


async def main() -> None:
    port = int(sys.argv[1])
    chunk_delay = float(sys.argv[sys.argv.index("--chunk-delay") + 1]) if "--chunk-delay" in sys.argv else 0.02
    provider = Provider(port, chunk_delay)
    await provider.listen()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
