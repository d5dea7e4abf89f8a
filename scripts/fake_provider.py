#!/usr/bin/env python3
"""The fake OpenAI-compatible provider of every script outside the Swift tests (loopback only).

    fake_provider.py PORT                                 benchmarks (scripts/bench)
    fake_provider.py PORT --scenarios                     the browser tests, the OpenAI client test
    fake_provider.py PORT --faults [--chunk-delay S]      the proof scripts (scripts/proof)

Benchmarks: every POST .../chat/completions gets the same short streamed reply at once
("Hello! How can I help?"), so a benchmark of /api/chat measures Parley's own overhead.

Scenarios: two models, "fake" and "fake-large" (a reply names the one asked for); the reply
depends on the last user message:
  contains "slow story"  a long reply, one word every 0.25 s (time to press Stop)
  contains "markup"      a reply holding <script>, <img onerror> and a javascript: link
  contains "fail once"   HTTP 500 the first time that exact message is seen, a reply after
  contains "[gate G N]"  "one two … ten." word by word, holding after the first N words until
                         POST /gates/G (a test orders a reload or a drop mid-reply this way)
  contains "count me"    "Answer number K." where K counts the requests with that same message
                         (a regenerated reply differs from the first)
  anything else          a short Markdown reply (list, code block) in parts 0.2 s apart

Faults: a short reply (streamed when the request says "stream": true, one JSON object otherwise)
echoing the `turn=ID` token of the last user message, so a client can tell replies apart. A
`fault=KIND` token makes the FIRST call for that turn fail (a retry then succeeds, as after a
transient fault):
  500        HTTP 500 with an OpenAI error body             (Parley: 502)
  busy       HTTP 503 Retry-After: 0                        (Parley retries it itself: 200)
  garbage    HTTP 200 whose stream is not JSON              (502)
  hang       reads the request, never answers               (504 after LLM_TIMEOUT_SECONDS)
  hang_mid   two deltas, then silence                       (504 / `error` event)
  drop       two deltas, then the connection is cut         (502 / `error` event)
  drop_early the connection is cut before any answer        (502)
Two more tokens shape a good streamed reply:
  pace=N/S   N pieces, S seconds apart, each distinct and carrying multi-byte and JSON-escaped
             characters (paced_text(turn, N) is the whole reply), so a cut or a resume lands
             mid-reply and a piece lost, doubled or reordered shows in the text
  silent=S   S seconds of silence before the first piece
Every response says `Connection: close`, so Parley connects anew each time, and
POST /control/refuse?seconds=S closes the listening socket for S seconds (connections refused).
GET /control/stats: requests and faults injected. GET /control/turns: per turn token, the calls
made for it, how many were answered to their end, and when (time.time()) Parley hung up on one
mid-stream (a Stop, a shutdown); with ?turn=T that turn only.

In every mode, "[stream N S]" in a request asks for N pieces, S seconds apart (many long streams
at once, scripts/bench), and GET .../models lists the models.
"""
import asyncio
import json
import re
import sys
import time
from collections import Counter

# --- replies -------------------------------------------------------------------------------------

BENCH_PIECES = ["Hello", "!", " How", " can", " I", " help", "?"]
MARKDOWN_REPLY = [
    "Here is ", "a **short** answer", " in parts.\n\n", "- first point\n", "- second point\n\n",
    "```python\n", "print('hi')\n", "```\n", "Done.",
]
SLOW_REPLY = [f"word{i} " for i in range(1, 121)]
MARKUP_REPLY = [
    "Markup stays text: <script>alert('script ran')</script> ",
    "and <img src=x onerror=alert('image ran')> ",
    "and [a trap](javascript:alert('link ran')) ",
    "and [a real link](https://example.com/page).",
]
GATED_REPLY = ["one", " two", " three", " four", " five", " six", " seven", " eight", " nine", " ten."]
FAULT_WORDS = ["Sure", ",", " here", " is", " a", " reply", " for", " you", "."]
# Varied on purpose: two bytes, three, four (outside the BMP), a quote, a backslash, a newline.
FLAVOURS = ["", "é", "日本", "🙂", '"q"', "\\", "\n", "ß·", "\t"]

GATE = re.compile(r"\[gate ([\w-]+) (\d+)\]")
PACED = re.compile(rb"\[stream (\d+) ([\d.]+)\]")
MARKER = re.compile(r"\b(fault|turn|pace|silent)=([A-Za-z0-9_.:/-]+)")
FAULTS = {"500", "busy", "garbage", "hang", "hang_mid", "drop", "drop_early"}


def paced_pieces(turn: str, count: int) -> list[str]:
    """The pieces of a paced reply: distinct, so a lost or doubled piece cannot hide."""
    return [f"{turn}#{i:03d}{FLAVOURS[i % len(FLAVOURS)]} " for i in range(count)]


def paced_text(turn: str, count: int) -> str:
    return "".join(paced_pieces(turn, count))


# --- HTTP ----------------------------------------------------------------------------------------

async def read_request(reader: asyncio.StreamReader) -> tuple[str, str, str, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target = lines[0].split(" ")[:2]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    path, _, query = target.partition("?")
    return method, path, query, body


def parameters(query: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in query.split("&") if "=" in part)


class Stream:
    """One streamed response: SSE `data:` events in HTTP chunks, ended by `data: [DONE]`."""

    def __init__(self, writer: asyncio.StreamWriter, model: str):
        self.writer, self.model = writer, model

    async def start(self, close: bool) -> None:
        connection = "Connection: close\r\n" if close else ""
        self.writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                          f"Transfer-Encoding: chunked\r\n{connection}\r\n".encode())
        await self.writer.drain()

    async def raw(self, data: bytes) -> None:
        self.writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await self.writer.drain()

    async def event(self, payload: dict) -> None:
        await self.raw(b"data: " + json.dumps(payload).encode() + b"\n\n")

    async def delta(self, text: str) -> None:
        await self.event({"model": self.model, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})

    async def finish(self, usage: dict) -> None:
        await self.event({"model": self.model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        await self.event({"model": self.model, "choices": [], "usage": usage})
        await self.raw(b"data: [DONE]\n\n")
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()


def bench_reply(model: str) -> bytes:
    """The benchmarks' reply, whole: a response written in one piece costs the provider least."""
    events = [{"model": model, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in BENCH_PIECES]
    events.append({"model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    events.append({"model": model, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": len(BENCH_PIECES)}})
    body = b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"
    return f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def last_user_message(request: dict) -> str:
    content = next((m.get("content") for m in reversed(request.get("messages") or []) if m.get("role") == "user"), "")
    return content if isinstance(content, str) else ""


# --- the provider --------------------------------------------------------------------------------

class Provider:
    def __init__(self, port: int, mode: str, chunk_delay: float):
        self.port, self.mode, self.chunk_delay = port, mode, chunk_delay
        self.model = "fault-model" if mode == "faults" else "fake"
        self.models = [self.model, "fake-large"] if mode == "scenarios" else [self.model]
        self.closing = mode == "faults"  # one request per connection (see /control/refuse)
        self.bench_reply = bench_reply(self.model)
        self.server: asyncio.AbstractServer | None = None
        self.gates: dict[str, asyncio.Event] = {}
        self.failed_once: set[str] = set()
        self.counted: Counter = Counter()
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

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await self.route(*await read_request(reader), reader, writer)
                await writer.drain()
                if self.closing:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass  # the client left (Parley cancels the upstream request when its own client stops)
        finally:
            writer.close()

    async def send(self, writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict | None = None) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if self.closing:
            extra += "Connection: close\r\n"
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                     f"{extra}\r\n".encode() + body)
        await writer.drain()

    async def route(self, method: str, path: str, query: str, body: bytes,
                    reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if path == "/control/stats":
            faults = {k.removeprefix("fault:"): v for k, v in self.stats.items() if k.startswith("fault:")}
            return await self.send(writer, 200, json.dumps({"requests": self.stats["requests"], "faults": faults,
                                                             "refuse_windows": self.stats["refuse_windows"]}).encode())
        if path == "/control/turns":
            wanted = parameters(query).get("turn")
            turns = {wanted: self.turns.get(wanted, {"calls": 0, "finished": 0, "hung_up_at": []})} if wanted else self.turns
            return await self.send(writer, 200, json.dumps(turns).encode())
        if path == "/control/refuse":
            await self.send(writer, 200, b'{"refusing": true}')
            asyncio.get_running_loop().create_task(self.refuse(float(parameters(query).get("seconds", "3"))))
            return
        if path.startswith("/gates/"):
            self.gate(path.removeprefix("/gates/")).set()
            return await self.send(writer, 200, b"{}")
        if method == "GET" and path.endswith("/models"):
            return await self.send(writer, 200, json.dumps({"object": "list", "data": [{"id": m} for m in self.models]}).encode())
        if not (method == "POST" and path.endswith("/chat/completions")):
            return await self.send(writer, 404, b'{"error": {"message": "no such route"}}')
        self.stats["requests"] += 1
        if paced := PACED.search(body):
            return await self.paced(writer, ["tok "] * int(paced[1]), float(paced[2]))
        if self.mode == "bench":
            writer.write(self.bench_reply)
            return
        request = json.loads(body)
        if self.mode == "scenarios":
            model = request.get("model") if request.get("model") in self.models else self.model
            return await self.scenario(writer, last_user_message(request), model)
        await self.fault_mode(request, reader, writer)

    async def paced(self, writer: asyncio.StreamWriter, pieces: list[str], delay: float, hold=None, model=None) -> None:
        """A streamed reply, one piece every `delay` seconds; `hold` = (n, event): wait for the
        event after the first n pieces."""
        stream = Stream(writer, model or self.model)
        await stream.start(self.closing)
        for index, piece in enumerate(pieces):
            if hold and index == hold[0]:
                await hold[1].wait()
            await stream.delta(piece)
            await asyncio.sleep(delay)
        await stream.finish({"prompt_tokens": 12, "completion_tokens": len(pieces)})

    async def scenario(self, writer: asyncio.StreamWriter, text: str, model: str) -> None:
        if "fail once" in text and text not in self.failed_once:
            self.failed_once.add(text)
            return await self.send(writer, 500, json.dumps({"error": {
                "code": 500, "message": "the fake model failed on purpose", "type": "server_error"}}).encode())
        if held := GATE.search(text):
            return await self.paced(writer, GATED_REPLY, 0.05, hold=(int(held[2]), self.gate(held[1])), model=model)
        if "count me" in text:
            self.counted[text] += 1
            return await self.paced(writer, ["Answer ", "number ", f"{self.counted[text]}."], 0.05, model=model)
        if "slow story" in text:
            return await self.paced(writer, SLOW_REPLY, 0.25, model=model)
        await self.paced(writer, *((MARKUP_REPLY, 0.05) if "markup" in text else (MARKDOWN_REPLY, 0.2)), model=model)

    async def fault_mode(self, request: dict, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        marks = dict(MARKER.findall(last_user_message(request)))
        turn, fault = marks.get("turn", "?"), marks.get("fault")
        record = self.turns.setdefault(turn, {"calls": 0, "finished": 0, "hung_up_at": []})
        record["calls"] += 1
        if fault in FAULTS and (turn, fault) not in self.faulted:
            self.faulted.add((turn, fault))
            self.stats["fault:" + fault] += 1
            return await self.inject(fault, writer)
        if request.get("stream") and ("pace" in marks or "silent" in marks):
            return await self.watched(marks, record, reader, writer)
        pieces = [f"[{turn}] "] + FAULT_WORDS
        usage = {"prompt_tokens": 10, "completion_tokens": len(pieces)}
        if not request.get("stream"):
            await asyncio.sleep(self.chunk_delay * len(pieces))
            await self.send(writer, 200, json.dumps({"model": self.model, "usage": usage, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "".join(pieces)}, "finish_reason": "stop"}]}).encode())
        else:
            await self.paced(writer, pieces, self.chunk_delay)
        record["finished"] += 1

    async def watched(self, marks: dict, record: dict, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A good streamed reply at the pace asked for; notes when Parley hangs up before its end."""
        count, _, delay = marks.get("pace", "9/0").partition("/")
        pieces = paced_pieces(marks.get("turn", "?"), int(count))
        hung_up = asyncio.get_running_loop().create_task(reader.read(1))  # b"" (or an error) when Parley leaves
        stream = Stream(writer, self.model)
        try:
            await stream.start(close=True)
            if await gone(hung_up, float(marks.get("silent", 0))):
                return record["hung_up_at"].append(time.time())
            for piece in pieces:
                await stream.delta(piece)
                if await gone(hung_up, float(delay or 0)):
                    return record["hung_up_at"].append(time.time())
            await stream.finish({"prompt_tokens": 10, "completion_tokens": len(pieces)})
            record["finished"] += 1
        except ConnectionError:
            record["hung_up_at"].append(time.time())
        finally:
            hung_up.cancel()

    async def inject(self, fault: str, writer: asyncio.StreamWriter) -> None:
        if fault == "500":
            return await self.send(writer, 500, b'{"error": {"message": "injected failure", "type": "server_error"}}')
        if fault == "busy":
            return await self.send(writer, 503, b'{"error": {"message": "overloaded"}}', {"Retry-After": "0"})
        if fault == "drop_early":
            return writer.transport.abort()
        if fault == "hang":
            return await asyncio.sleep(120)
        stream = Stream(writer, self.model)
        await stream.start(close=True)
        if fault == "garbage":
            return await stream.raw(b"data: {this is not json\n\n\x00\xff garbage")
        # hang_mid and drop: a reply that starts, then stalls or breaks.
        for piece in FAULT_WORDS[:2]:
            await stream.delta(piece)
            await asyncio.sleep(self.chunk_delay)
        if fault == "hang_mid":
            await asyncio.sleep(120)
        writer.transport.abort()


async def gone(hung_up: asyncio.Task, seconds: float) -> bool:
    """Waits `seconds`; true as soon as the other side has closed the connection."""
    await asyncio.wait([hung_up], timeout=seconds)
    return hung_up.done()


async def main(arguments: list[str]) -> None:
    mode = "scenarios" if "--scenarios" in arguments else "faults" if "--faults" in arguments else "bench"
    chunk_delay = float(arguments[arguments.index("--chunk-delay") + 1]) if "--chunk-delay" in arguments else 0.02
    provider = Provider(int(arguments[0]), mode, chunk_delay)
    await provider.listen()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
