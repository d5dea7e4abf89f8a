#!/usr/bin/env python3
"""A zero-delay OpenAI-compatible provider for benchmarks: answers every POST .../chat/completions
at once with a fixed streamed reply (and GET .../models), so a benchmark of /api/chat measures
Parley's own overhead. Usage: fake_provider.py PORT"""
import asyncio
import json
import sys

CHUNKS = ["Hello", "!", " How", " can", " I", " help", "?"]
events = [{"model": "fake", "choices": [{"index": 0, "delta": {"content": c}, "finish_reason": None}]} for c in CHUNKS]
events.append({"model": "fake", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
events.append({"model": "fake", "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": len(CHUNKS)}})
SSE = ("".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n").encode()
MODELS = json.dumps({"object": "list", "data": [{"id": "fake"}]}).encode()


def response(body: bytes, content_type: str) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            path = lines[0].split(" ")[1]
            if path.endswith("/models"):
                writer.write(response(MODELS, "application/json"))
            else:
                writer.write(response(SSE, "text/event-stream"))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
