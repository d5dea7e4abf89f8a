"""Streamed-chat measurements for scripts/bench: time to first byte, and many streams at once."""
import asyncio
import json
import socket
import statistics
import time
from urllib.parse import urlsplit


def _post(host: str, port: int, path: str, body: dict, token: str | None = None) -> bytes:
    payload = json.dumps(body).encode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n").encode() + payload


def _time_to(marker: bytes, port: int, request: bytes) -> float:
    with socket.create_connection(("127.0.0.1", port)) as connection:
        started = time.perf_counter()
        connection.sendall(request)
        received = b""
        while marker not in received:
            chunk = connection.recv(65536)
            if not chunk:
                raise RuntimeError(f"closed before {marker!r}: {received[:300]!r}")
            received += chunk
        return time.perf_counter() - started


def first_byte_overhead(base: str, token: str, provider_port: int, samples: int) -> dict:
    """Median time from sending a streamed chat to its first text, through Parley and direct."""
    port = urlsplit(base).port
    body = {"messages": [{"role": "user", "content": "Hello there"}], "stream": True}
    through = [_time_to(b'"type":"delta"', port, _post("127.0.0.1", port, "/api/chat", body, token)) for _ in range(samples)]
    direct = [_time_to(b'"content"', provider_port, _post("127.0.0.1", provider_port, "/v1/chat/completions", body))
              for _ in range(samples)]
    return {"parley": statistics.median(through), "provider": statistics.median(direct)}


async def _one_stream(port: int, request: bytes, deadline: float) -> str:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return "failed"
    try:
        writer.write(request)
        await writer.drain()
        tail = b""
        while time.monotonic() < deadline:
            chunk = await asyncio.wait_for(reader.read(65536), timeout=max(deadline - time.monotonic(), 0.1))
            if not chunk:
                return "failed"
            tail = (tail + chunk)[-4096:]
            if b'"type":"done"' in tail:
                return "done"
            if b'"type":"error"' in tail:
                return "error"
            if tail.startswith(b"HTTP/1.1") and not tail.startswith(b"HTTP/1.1 200"):
                return "failed"
        return "failed"
    except (OSError, asyncio.TimeoutError):
        return "failed"
    finally:
        writer.close()


def concurrent(base: str, token: str, clients: int, seconds: float, rss) -> dict:
    """`clients` streamed chats at once, each a token every 50 ms for `seconds` (the fake
    provider reads the pace from the message), counted by how they end; RSS sampled meanwhile."""
    port = urlsplit(base).port
    tokens = int(seconds / 0.05)
    request = _post("127.0.0.1", port, "/api/chat",
                    {"messages": [{"role": "user", "content": f"[stream {tokens} 0.05]"}], "stream": True}, token)

    async def run() -> dict:
        deadline = time.monotonic() + seconds + 60
        peak = rss()
        tasks = [asyncio.create_task(_one_stream(port, request, deadline)) for _ in range(clients)]
        while not all(task.done() for task in tasks):
            peak = max(peak, rss())
            await asyncio.sleep(0.5)
        outcomes = [task.result() for task in tasks]
        return {"clients": clients, "done": outcomes.count("done"), "error": outcomes.count("error"),
                "failed": outcomes.count("failed"), "peak_rss": peak}

    return asyncio.run(run())
