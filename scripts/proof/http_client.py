"""A minimal HTTP/1.1 client on asyncio streams, for the proof scripts.

Plain sockets rather than a client library because the load test needs what libraries hide: hanging
up mid-stream at an exact event, one fresh connection per request (so a killed replica or a
hang-up affects exactly one request), and reading a stream's events as they arrive. Loopback only.
"""
import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit


@dataclass
class Response:
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    events: list = field(default_factory=list)  # parsed `data:` JSON of an event stream
    ids: list = field(default_factory=list)  # each event's `id:` (an int, or None when it had none)
    times: list = field(default_factory=list)  # when each event arrived (time.monotonic())
    started: float = 0.0  # when the request was sent (time.monotonic())
    head_at: float = 0.0  # when the status line and headers had arrived (time.monotonic())
    cut: bool = False  # we hung up on purpose
    elapsed: float = 0.0

    def json(self):
        return json.loads(self.body)


class TransportError(Exception):
    """The connection failed or closed before a whole response arrived."""


def loopback(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    if not parts.hostname or not parts.hostname.startswith("127."):
        raise SystemExit(f"refusing to send test traffic to {base}: loopback (127.0.0.0/8) only")
    return parts.hostname, parts.port or 80


async def request(base: str, method: str, path: str, *, token: str | None = None, body=None, form: str | None = None,
                  headers: dict | None = None, timeout: float = 30.0,
                  cut_when: Callable[[list], bool] | None = None, cut_after_seconds: float | None = None) -> Response:
    """Sends one request on a fresh connection. `cut_when(events)` is asked after each streamed event
    and hangs up when true; `cut_after_seconds` hangs up that long after sending, whatever arrived.
    Raises TransportError, or asyncio.TimeoutError past `timeout`."""
    host, port = loopback(base)
    started = time.monotonic()
    try:
        return await asyncio.wait_for(
            _exchange(host, port, method, path, token, body, form, headers or {}, cut_when, cut_after_seconds, started),
            timeout)
    except asyncio.TimeoutError:
        raise  # a hang, not a transport error (TimeoutError is an OSError since Python 3.11: caught first)
    except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
        raise TransportError(f"{type(error).__name__}: {error}") from None


async def _exchange(host, port, method, path, token, body, form, headers, cut_when, cut_after_seconds, started):
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    try:
        payload = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        if body is not None:
            payload = json.dumps(body).encode()
            lines.append("Content-Type: application/json")
        elif form is not None:
            payload = form.encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if token:
            lines.append(f"Authorization: Bearer {token}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(payload)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        if cut_after_seconds is not None:
            await asyncio.sleep(cut_after_seconds)
            return Response(cut=True, elapsed=time.monotonic() - started)
        response = await _read(reader, cut_when)
        response.started = started
        response.elapsed = time.monotonic() - started
        return response
    finally:
        writer.transport.abort()  # a hang-up is a reset, as a killed client's would be


async def _read(reader: asyncio.StreamReader, cut_when) -> Response:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    response = Response(status=int(head[0].split(" ")[1]), head_at=time.monotonic())
    for line in head[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            response.headers[name.strip().lower()] = value.strip()
    streamed = response.headers.get("content-type", "").startswith("text/event-stream")
    pending = b""
    async for piece in _body(reader, response.headers):
        if not streamed:
            response.body += piece
            continue
        pending += piece
        while b"\n\n" in pending:
            block, pending = pending.split(b"\n\n", 1)
            event_id, data = None, None
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    data = json.loads(line[5:])
                elif line.startswith(b"id:"):
                    event_id = int(line[3:].strip())
            if data is not None:  # (a block of comments only, `: keep-alive`, is no event)
                response.events.append(data)
                response.ids.append(event_id)
                response.times.append(time.monotonic())
                if cut_when and cut_when(response.events):
                    response.cut = True
                    return response
    if streamed and pending.strip():
        raise TransportError("the event stream ended mid-event")
    return response


async def _body(reader: asyncio.StreamReader, headers: dict):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return
            yield await reader.readexactly(size)
            await reader.readexactly(2)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if length:
            yield await reader.readexactly(length)
    else:
        while piece := await reader.read(65536):
            yield piece
