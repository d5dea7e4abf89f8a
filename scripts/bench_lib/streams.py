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


def _get(host: str, port: int, path: str, token: str, headers: dict) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n{extra}"
            "Connection: close\r\n\r\n").encode()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def resumes(base: str, token: str, clients: int) -> dict:
    """`clients` replies in progress (a token every 50 ms), each left after its first delta and
    then attached to again at once, all together, with `Last-Event-ID`: the time from sending the
    `GET …/stream` to the first event byte, and whether every resumed stream reached `done`."""
    port = urlsplit(base).port
    post = _post("127.0.0.1", port, "/api/chat",
                 {"messages": [{"role": "user", "content": "[stream 100 0.05]"}], "stream": True}, token)

    async def start() -> tuple[str, int]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(post)
        await writer.drain()
        received = b""
        while b'"type":"delta"' not in received:
            chunk = await reader.read(65536)
            if not chunk:
                raise RuntimeError(f"closed before the first delta: {received[:300]!r}")
            received += chunk
        writer.close()
        return received.split(b'"message_id":"', 1)[1].split(b'"', 1)[0].decode(), 2

    async def resume(message_id: str, after: int) -> tuple[float, bool]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.perf_counter()
        writer.write(_get("127.0.0.1", port, f"/api/chat/{message_id}/stream", token, {"Last-Event-ID": after}))
        await writer.drain()
        first = None
        tail = b""
        try:
            while True:
                chunk = await asyncio.wait_for(reader.read(65536), timeout=60)
                if not chunk:
                    return first or 0.0, False
                if first is None and (b"\nid: " in chunk or b"\ndata: " in chunk or chunk.startswith(b"id: ")):
                    first = time.perf_counter() - started
                tail = (tail + chunk)[-4096:]
                if b'"type":"done"' in tail:
                    return first or 0.0, True
        finally:
            writer.close()

    async def run() -> dict:
        started = await asyncio.gather(*(start() for _ in range(clients)))
        results = await asyncio.gather(*(resume(message_id, after) for message_id, after in started))
        firsts = [first for first, _ in results]
        return {"clients": clients, "done": sum(done for _, done in results),
                "p50": statistics.median(firsts), "p99": _percentile(firsts, 0.99)}

    return asyncio.run(run())
