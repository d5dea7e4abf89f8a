#!/usr/bin/env python3
"""A fake OpenAI-compatible provider. Usage: fake_provider.py PORT [--scenarios]

By default (benchmarks) it answers every POST .../chat/completions at once with a fixed streamed
reply (and GET .../models), so a benchmark of /api/chat measures Parley's own overhead.

With --scenarios (the browser tests) the reply depends on the last user message:
  contains "slow story"  a long reply, one word every 0.25 s (time to press Stop)
  contains "markup"      a reply holding <script>, <img onerror> and a javascript: link
  contains "fail once"   HTTP 500 the first time that exact message is seen, a reply after
  contains "[gate G N]"  "one two … ten." word by word, holding after the first N words until
                         POST /gates/G (a test orders a reload or a drop mid-reply this way)
  contains "count me"    "Answer number K." where K counts the requests with that same message
                         (a regenerated reply differs from the first)
  anything else          a short Markdown reply (list, code block) in parts 0.2 s apart
In either mode, "[stream N S]" in the body asks for N pieces, S seconds apart (scripts/bench).
"""
import asyncio
import json
import re
import sys

MODEL = "fake"
CHUNKS = ["Hello", "!", " How", " can", " I", " help", "?"]


def chunk(delta: dict, finish=None) -> dict:
    return {"model": MODEL, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def sse_events(pieces: list[str]) -> list[bytes]:
    events = [chunk({"content": piece}) for piece in pieces]
    events.append(chunk({}, "stop"))
    events.append({"model": MODEL, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": len(pieces)}})
    return [f"data: {json.dumps(e)}\n\n".encode() for e in events] + [b"data: [DONE]\n\n"]


BENCH_SSE = b"".join(sse_events(CHUNKS))
MODELS = json.dumps({"object": "list", "data": [{"id": MODEL}]}).encode()

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
failed_once: set[str] = set()
GATED_REPLY = ["one", " two", " three", " four", " five", " six", " seven", " eight", " nine", " ten."]
GATE = re.compile(r"\[gate ([\w-]+) (\d+)\]")
gates: dict[str, asyncio.Event] = {}
counted: dict[str, int] = {}


def gate(name: str) -> asyncio.Event:
    return gates.setdefault(name, asyncio.Event())
# "[stream N S]" in a benchmark's message: N pieces, S seconds apart (many long streams at once).
PACED = re.compile(rb"\[stream (\d+) ([\d.]+)\]")


def response_head(status: str, content_type: str, length: int | None = None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{framing}\r\n\r\n".encode()


def last_user_message(body: bytes) -> str:
    try:
        messages = json.loads(body)["messages"]
        return next(m["content"] for m in reversed(messages) if m["role"] == "user")
    except (ValueError, KeyError, StopIteration, TypeError):
        return ""


async def scenario(writer: asyncio.StreamWriter, body: bytes) -> None:
    text = last_user_message(body)
    if "fail once" in text and text not in failed_once:
        failed_once.add(text)
        error = json.dumps({"error": {"code": 500, "message": "the fake model failed on purpose", "type": "server_error"}}).encode()
        writer.write(response_head("500 Internal Server Error", "application/json", len(error)) + error)
        return
    if held := GATE.search(text):
        await paced(writer, GATED_REPLY, 0.05, hold=(int(held[2]), gate(held[1])))
        return
    if "count me" in text:
        counted[text] = counted.get(text, 0) + 1
        await paced(writer, ["Answer ", "number ", f"{counted[text]}."], 0.05)
        return
    pieces, delay = (SLOW_REPLY, 0.25) if "slow story" in text else (MARKUP_REPLY, 0.05) if "markup" in text else (MARKDOWN_REPLY, 0.2)
    await paced(writer, pieces, delay)


async def paced(writer: asyncio.StreamWriter, pieces: list[str], delay: float, hold=None) -> None:
    """A streamed reply, one piece every `delay` seconds; `hold` = (n, event): wait for the event
    after the first n pieces."""
    writer.write(response_head("200 OK", "text/event-stream"))
    await writer.drain()
    for index, event in enumerate(sse_events(pieces)):
        if hold and index == hold[0]:
            await hold[1].wait()
        writer.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        await writer.drain()
        await asyncio.sleep(delay)
    writer.write(b"0\r\n\r\n")


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, scenarios: bool) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            path = lines[0].split(" ")[1]
            if path.startswith("/gates/"):
                gate(path.removeprefix("/gates/")).set()
                writer.write(response_head("200 OK", "application/json", 2) + b"{}")
            elif path.endswith("/models"):
                writer.write(response_head("200 OK", "application/json", len(MODELS)) + MODELS)
            elif paced_request := PACED.search(body):
                await paced(writer, ["tok "] * int(paced_request[1]), float(paced_request[2]))
            elif scenarios:
                await scenario(writer, body)
            else:
                writer.write(response_head("200 OK", "text/event-stream", len(BENCH_SSE)) + BENCH_SSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # the client left (Parley cancels the upstream request when its own client stops)
    finally:
        writer.close()


async def main(port: int, scenarios: bool) -> None:
    server = await asyncio.start_server(lambda r, w: handle(r, w, scenarios), "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), "--scenarios" in sys.argv[2:]))
