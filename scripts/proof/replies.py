"""Shared by the proof scripts about replies that outlive their connection (resume.py, reply_faults.py):
signing users up, and a client's reading of one reply put together from a streamed POST /api/chat and
any number of GET /api/chat/{message_id}/stream resumes.

The rules a reading holds the server to (API.md, "Streaming" and "Replies that outlive the
connection"): every event has an `id:`; the stream starts with `start` (id 1); ids only grow, and a
resume after N sends only ids above N (so no text can come twice); a fresh POST's ids are consecutive
(its k-th delta is k+1); a resume or an attach may send deltas that cover several (the catch-up, and
on a replica that follows another one through the database, one delta per saved batch): its ids
only have to grow, and such jumps are counted in `notes`, not failed; the terminal event (`done`, `stopped`, `interrupted`) has the id after the last delta's and
its `response` is exactly the text of the deltas; nothing follows it.
"""
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

from http_client import request, TransportError

sys.path.append(str(Path(__file__).resolve().parent.parent))  # scripts/: the fake provider's texts
from fake_provider import paced_text  # noqa: E402 (re-exported for the proof scripts)

TERMINAL = {"done", "stopped", "interrupted", "error"}


async def sign_up(base: str, email: str, password: str, attempts: int = 30) -> str:
    """A new user's token (retried while Parley answers 429/503; fails on anything else)."""
    for path, kwargs, want in [
        ("/api/v1/users/signup", {"body": {"email": email, "password": password}}, 201),
        ("/token", {"form": f"username={email.replace('@', '%40')}&password={password}"}, 200),
    ]:
        for _ in range(attempts):
            response = await request(base, "POST", path, timeout=30, **kwargs)
            if response.status == want:
                break
            if response.status not in (429, 503):
                raise SystemExit(f"{path} answered {response.status}: {response.body[:300]!r}")
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
        else:
            raise SystemExit(f"{path} stayed busy")
    return response.json()["access_token"]


def show_problems(problems: list[tuple[str, str]]) -> Counter:
    """Prints the first five problems of each kind; returns how many there are of each."""
    kinds = Counter(kind for kind, _ in problems)
    shown = Counter()
    for kind, detail in problems:
        if shown[kind] < 5:
            shown[kind] += 1
            print(f"  PROBLEM {kind}: {detail}")
    return kinds


def stream_path(message_id: str, after: int, style: str = "header") -> tuple[str, dict]:
    """The resume request: `Last-Event-ID: N` or `?after=N`."""
    if style == "query":
        return f"/api/chat/{message_id}/stream?after={after}", {}
    return f"/api/chat/{message_id}/stream", {"Last-Event-ID": str(after)}


class Reading:
    """What one client assembled of one reply, and what it saw go wrong."""

    def __init__(self, label: str):
        self.label = label
        self.message_id = None
        self.conversation_id = None
        self.last_id = 0
        self.last_delta_id = 1  # `start` is 1; the first delta is 2
        self.text = ""
        self.terminal = None  # the done/stopped/interrupted/error event
        self.terminal_id = None
        self.problems = []  # (kind, detail)
        self.notes = Counter()  # what is allowed but worth counting
        self.responses = 0

    def problem(self, kind: str, detail: str) -> None:
        self.problems.append((kind, f"{self.label}: {detail}"))

    def take(self, response, what: str, opens: bool = False, strict: bool = False) -> None:
        """Adds one response's events: a POST (opens: starts with `start`; strict: a fresh one, no
        catch-up delta), an attach by Idempotency-Key (opens), or a resume after self.last_id."""
        self.responses += 1
        if response.status != 200:
            body = response.body[:200].decode("utf-8", "replace")
            self.problem(f"{what} answered {response.status}", f"{what} after {self.last_id}: {response.status} {body}")
            return
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            self.problem("not an event stream", f"{what}: content-type {response.headers.get('content-type')}")
            return
        previous = None
        for event, event_id in zip(response.events, response.ids):
            kind = event.get("type")
            if event_id is None:
                self.problem("event without id", f"{what}: {json.dumps(event)[:120]}")
                continue
            if self.terminal is not None:
                self.problem("event after the terminal one", f"{what}: id {event_id} {kind} after {self.terminal_id}")
                continue
            if event_id <= self.last_id:
                self.problem("event sent again", f"{what} after {self.last_id}: got id {event_id} ({kind})")
                continue
            if previous is not None and event_id != previous + 1:
                if strict or kind != "delta":
                    self.problem("ids not consecutive", f"{what}: id {event_id} ({kind}) after {previous} in one stream")
                elif previous == 1:
                    self.notes["catch-up delta after start"] += 1
                else:
                    self.notes["delta covering several in a live stream"] += 1
            if opens and previous is None and (kind != "start" or event_id != 1):
                self.problem("stream does not open with start=1", f"{what}: first event id {event_id} {kind}")
            if kind == "start":
                if event_id != 1:
                    self.problem("start is not id 1", f"{what}: start has id {event_id}")
                if self.message_id and event.get("message_id") != self.message_id:
                    self.problem("another message_id", f"{what}: start {event.get('message_id')} != {self.message_id}")
                self.message_id = self.message_id or event.get("message_id")
                self.conversation_id = self.conversation_id or event.get("conversation_id")
            elif kind == "delta":
                self.text += event.get("content", "")
                self.last_delta_id = event_id
            elif kind in TERMINAL:
                self.terminal, self.terminal_id = event, event_id
                if kind != "error":
                    if event_id != self.last_delta_id + 1:
                        self.problem("terminal id is not the last", f"{what}: {kind} id {event_id}, last delta {self.last_delta_id}")
                    if event.get("response") != self.text:
                        self.problem("terminal text differs from the deltas",
                                     f"{what}: {kind} response {len(event.get('response') or '')} chars, deltas {len(self.text)}")
                    if self.message_id and event.get("message_id") != self.message_id:
                        self.problem("another message_id", f"{what}: {kind} {event.get('message_id')} != {self.message_id}")
            else:
                self.problem("unknown event", f"{what}: {json.dumps(event)[:120]}")
            previous = self.last_id = event_id

    async def resume(self, base: str, token: str, style: str = "header", cut_when=None, timeout: float = 60.0):
        """One resume after what was read so far; returns the response (None when the connection broke).
        A 503 (load shed; API.md lets any request answer it) is retried up to three times, and noted."""
        path, headers = stream_path(self.message_id, self.last_id, style)
        for attempt in range(4):
            try:
                response = await request(base, "GET", path, token=token, headers=headers, cut_when=cut_when, timeout=timeout)
            except TransportError as error:
                self.problem("resume broke", f"GET {path}: {error}")
                return None
            except asyncio.TimeoutError:
                self.problem("resume hung", f"GET {path}: no end in {timeout:.0f} s")
                return None
            if response.status != 503 or attempt == 3:
                break
            self.notes["resume answered 503, retried"] += 1
            await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 1.0))
        self.take(response, f"resume ({style}) on {base}")
        return response


def compare(expected: str, got: str) -> str | None:
    """None when equal, else what kind of difference: lost text, duplicated text, or other."""
    if got == expected:
        return None
    if len(got) < len(expected):
        return "lost text"
    if len(got) > len(expected):
        return "duplicated text"
    return "different text"


async def messages(base: str, token: str, conversation_id: str) -> list:
    response = await request(base, "GET", f"/api/v1/conversations/{conversation_id}/messages", token=token, timeout=30)
    if response.status != 200:
        raise TransportError(f"GET messages answered {response.status}: {response.body[:200]!r}")
    return response.json()


async def provider_turns(provider: str, turn: str | None = None) -> dict:
    """The fault provider's per-turn record (calls, finished, hung_up_at)."""
    path = "/control/turns" + (f"?turn={turn}" if turn else "")
    return (await request(provider, "GET", path, timeout=30)).json()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0
