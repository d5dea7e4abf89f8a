#!/usr/bin/env python3
"""Replies whose replica dies, is asked to stop, or whose user presses Stop on another replica.

    reply_faults.py kill --gen URL --other URL --pid PID --provider URL [--replies 50]
    reply_faults.py term --gen URL --other URL --pid PID --provider URL --expect complete|interrupted
                         --grace SECONDS
    reply_faults.py stop --gen URL --other URL --provider URL [--replies 20]
    reply_faults.py freeze --gen URL --other URL --pid PID --provider URL [--replies 10]

Two replicas on one PostgreSQL database: GEN generates the replies (its process id is PID), OTHER
is where everything is checked from. Every reply is a paced one from scripts/fake_provider.py --faults
(so its whole text is known), streamed by POST /api/chat on GEN with an Idempotency-Key; half of
those clients stay attached, half hang up after three events (the reply must go on all the same);
each reply also has a follower on OTHER (GET /api/chat/{id}/stream from the start, as a reloaded
page would), whose assembled text must be exactly the stored one.

  kill  `kill -9` PID while the replies run. Within 15 s (API.md: the lease lapses) every reply must
        be `interrupted` on OTHER with a non-empty text that starts the model's reply; every follower
        gets the `interrupted` event with exactly that text; a retry of each with its
        Idempotency-Key on OTHER is 200 and replays it (events from `start`, ending `interrupted`),
        and the model is not asked again. Prints the time from the kill to `interrupted`.
  term  SIGTERM to PID while the replies run; new chats sent to GEN meanwhile must get 503 (or find
        it closed). --expect complete (a grace longer than the replies): every reply ends `done`
        and is stored `complete` and whole, and PID exits within the grace. --expect interrupted
        (a grace shorter than the replies): every reply is stored `interrupted` with a non-empty
        text that starts the model's reply, the attached clients get `interrupted` with exactly
        that text, and PID exits soon after the grace.
  freeze  SIGSTOP to PID while the replies run (it stops renewing its leases, as a dead process
        would); once OTHER shows them `interrupted` (within 15 s), SIGCONT. Then each reply must
        stay as OTHER closed it (listed, `interrupted`, the same text), its key must still replay
        it, and GEN's attached clients must end `interrupted` with exactly that text. (By hand:
        the server of issue 11 fails it, see scripts/proof/reply-faults.)
  stop  POST /api/chat/{id}/stop on OTHER for each reply, one after another: 200 with `stopped`;
        the client on GEN and the follower on OTHER get `stopped` with the stored text, and the
        model's connection is dropped. The delays (to the client on GEN, to the model) are printed;
        more than --stop-bound (2 s; API.md promises 1 s, the rest is CI's noise) fails.
Every wait is bounded. Exits 1 when anything above does not hold.
"""
import argparse
import asyncio
import os
import signal
import sys
import time
import uuid
from collections import Counter

from http_client import request, TransportError
from replies import Reading, messages, paced_text, percentile, provider_turns, show_problems, sign_up

LEASE_BOUND = 15.0  # API.md: a lapsed lease makes the reply `interrupted` within 15 s


class Reply:
    """One reply: its POST client on GEN, its follower on OTHER, and what they assembled."""

    def __init__(self, index: int, run: str, pieces: int, pace: float):
        self.index, self.pieces = index, pieces
        self.turn = f"{run}-{index}"
        self.key = f"key-{run}-{index}"
        self.body = {"messages": [{"role": "user", "content": f"turn={self.turn} pace={pieces}/{pace} Go on."}], "stream": True}
        self.stays = index % 2 == 0  # half the clients stay attached, half leave after three events
        self.client = Reading(f"reply {index} ({self.turn}), client on GEN")
        self.follower = Reading(f"reply {index} ({self.turn}), follower on OTHER")
        self.message_id = self.conversation_id = None
        self.begun = asyncio.Event()  # the client has seen three events
        self.live = []  # the client's events as they arrive (kept when its connection breaks)
        self.tasks = []
        self.terminal_at = {}  # "client" / "follower" -> time.monotonic() of its terminal event
        self.stored = None  # the assistant message, as OTHER lists it

    @property
    def expected(self) -> str:
        return paced_text(self.turn, self.pieces)


class Faults:
    def __init__(self, args):
        self.args = args
        self.run = f"{args.command}{uuid.uuid4().hex[:6]}"
        self.problems = []
        self.facts = Counter()
        self.token = None

    def problem(self, kind: str, detail: str) -> None:
        self.problems.append((kind, detail))

    # -- the replies and their readers

    async def start(self, count: int, pieces: int, pace: float) -> list:
        """`count` replies on GEN, each with a follower on OTHER; returns once every one has begun."""
        a = self.args
        self.token = await sign_up(a.other, f"{self.run}@example.com", "reply-faults-password")
        replies = [Reply(i, self.run, pieces, pace) for i in range(count)]
        for reply in replies:
            reply.tasks.append(asyncio.create_task(self.client(reply)))
        try:
            await asyncio.wait_for(asyncio.gather(*(r.begun.wait() for r in replies)), 60)
        except asyncio.TimeoutError:
            self.problem("replies did not begin", f"{sum(not r.begun.is_set() for r in replies)} of {count} had no 3 events in 60 s")
        for reply in replies:
            if reply.message_id:
                reply.tasks.append(asyncio.create_task(self.follow(reply)))
        await asyncio.sleep(0.3)  # the followers attached
        return replies

    async def client(self, reply: Reply) -> None:
        def seen(events):
            reply.live = events
            if events[0].get("type") == "start":
                reply.message_id = events[0].get("message_id")
                reply.conversation_id = events[0].get("conversation_id")
            if len(events) >= 3:
                reply.begun.set()
                return not reply.stays
            return False

        try:
            response = await request(self.args.gen, "POST", "/api/chat", token=self.token, body=reply.body, timeout=120,
                                     headers={"Idempotency-Key": reply.key}, cut_when=seen)
            reply.client.take(response, "POST on GEN", opens=True, strict=True)
            if reply.client.terminal is not None:
                reply.terminal_at["client"] = response.times[-1]
        except (TransportError, asyncio.TimeoutError) as error:
            reply.client.problem("client on GEN broke", f"{type(error).__name__} {error}")
        finally:
            reply.begun.set()

    async def follow(self, reply: Reply) -> None:
        reply.follower.message_id = reply.message_id
        response = await reply.follower.resume(self.args.other, self.token, timeout=120)
        if response is not None and reply.follower.terminal is not None:
            reply.terminal_at["follower"] = response.times[-1]

    async def finish(self, replies: list, timeout: float) -> None:
        """Waits (bounded) for every client and follower to end."""
        tasks = [t for r in replies for t in r.tasks]
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            self.problem("readers still waiting", f"{len(pending)} clients/followers had no end {timeout:.0f} s on")

    async def read_stored(self, replies: list) -> None:
        for reply in replies:
            if reply.conversation_id:
                try:
                    listed = await messages(self.args.other, self.token, reply.conversation_id)
                except TransportError:  # the conversation is gone (404)
                    listed = []
                found = [m for m in listed if m["id"] == reply.message_id]
                reply.stored = found[0] if found else None

    async def wait_for_status(self, replies: list, wanted: str, since: float, bound: float) -> dict:
        """Polls OTHER until every reply has status `wanted` (or `bound` s since `since` passed, plus 5 s
        to tell late from never); returns {message_id: seconds from `since` to the status seen}."""
        seen = {}

        async def look(reply):  # all at once: a round of sequential reads would add its own delay
            listed = await messages(self.args.other, self.token, reply.conversation_id)
            if next((m.get("status") for m in listed if m["id"] == reply.message_id), None) == wanted:
                seen[reply.message_id] = time.monotonic() - since

        while len(seen) < len(replies) and time.monotonic() < since + bound + 5:
            await asyncio.gather(*(look(r) for r in replies if r.message_id not in seen and r.conversation_id))
            await asyncio.sleep(0.25)
        return seen

    # -- the checks

    def check_text(self, reply: Reply, status: str, whole: bool) -> None:
        """The stored reply: the status, its text (whole, or a non-empty start of the model's reply)."""
        stored = reply.stored
        if stored is None:
            return self.problem("reply not stored", f"{reply.turn}: {reply.message_id} not listed on OTHER")
        if stored.get("status") != status:
            self.problem(f"not {status}", f"{reply.turn}: stored status {stored.get('status')!r}")
        text = stored.get("content", "")
        if whole and text != reply.expected:
            self.problem("stored text is not the whole reply", f"{reply.turn}: {len(text)} of {len(reply.expected)} chars")
        if not whole and (not text or not reply.expected.startswith(text)):
            self.problem("saved text is not a non-empty start of the reply",
                         f"{reply.turn}: {len(text)} chars, {text[-40:]!r}; the model's starts {reply.expected[:40]!r}")

    def check_reading(self, reply: Reply, reading: Reading, status: str) -> None:
        """A reader that stayed to the end: it got the terminal event, its text is the stored one."""
        wanted = {"complete": "done"}.get(status, status)
        kind = (reading.terminal or {}).get("type")
        if kind != wanted:
            self.problem(f"{reading.label.split(', ')[1]}: no `{wanted}` event", f"{reading.label}: ended with {kind!r}; "
                         f"{[k for k, _ in reading.problems]}")
        elif reply.stored is not None and reading.text != reply.stored.get("content"):
            self.problem(f"{reading.label.split(', ')[1]}: text differs from the stored one",
                         f"{reading.label}: assembled {len(reading.text)} chars, stored {len(reply.stored.get('content', ''))}")
        self.problems += [p for p in reading.problems if not p[0].endswith("broke")]

    async def model_calls(self, replies: list) -> None:
        turns = await provider_turns(self.args.provider)
        for reply in replies:
            if (n := turns.get(reply.turn, {}).get("calls", 0)) != 1:
                self.problem("model not asked exactly once", f"{reply.turn}: {n} calls")

    async def drain_refusals(self) -> None:
        """New chats sent to GEN while it drains: each must be 503 (or find GEN no longer listening)."""
        answers = Counter()
        for i in range(3):
            body = {"messages": [{"role": "user", "content": f"turn={self.run}-late-{i} pace=3/0.1 Too late?"}], "stream": True}
            try:
                response = await request(self.args.gen, "POST", "/api/chat", token=self.token, body=body, timeout=10)
                answers[response.status] += 1
                if response.status != 503:
                    self.problem("new chat during the drain not 503",
                                 f"POST /api/chat {body['messages'][0]['content']!r} -> {response.status} "
                                 f"{(response.body[:200] or str(response.events[:2]).encode()).decode('utf-8', 'replace')}")
            except (TransportError, asyncio.TimeoutError) as error:
                answers[f"not answered ({type(error).__name__})"] += 1
            await asyncio.sleep(0.2)
        print(f"new chats sent to GEN while it drains: {dict(answers)}", flush=True)

    def wait_exit(self, bound: float) -> float | None:
        """Seconds until PID has exited (gone or a zombie), None when it still runs after `bound`."""
        started = time.monotonic()
        while time.monotonic() < started + bound:
            try:
                with open(f"/proc/{self.args.pid}/stat") as stat:
                    if stat.read().split(") ", 1)[1].startswith("Z"):
                        return time.monotonic() - started
            except FileNotFoundError:
                return time.monotonic() - started
            time.sleep(0.05)
        return None

    # -- the three scenarios

    async def kill(self) -> None:
        a = self.args
        replies = await self.start(a.replies, a.pieces, a.pace)
        await asyncio.sleep(a.run_for)  # text saved meanwhile (every 250 ms)
        os.kill(a.pid, signal.SIGKILL)
        killed = time.monotonic()
        print(f"kill -9 {a.pid} with {len(replies)} replies running, {a.run_for} s after they began", flush=True)
        bound = a.lease_bound
        times = await self.wait_for_status(replies, "interrupted", killed, bound)
        await self.finish(replies, timeout=max(5.0, killed + max(bound, LEASE_BOUND) + 10 - time.monotonic()))
        await self.read_stored(replies)
        late = [t for t in times.values() if t > bound]
        print(f"kill -9 -> `interrupted` on OTHER: {len(times)} of {len(replies)} replies, "
              f"p50 {percentile(list(times.values()), 50):.1f} s, max {max(times.values(), default=0):.1f} s "
              f"(bound {bound:g} s; polled every 0.25 s)", flush=True)
        if len(times) < len(replies) or late:
            self.problem(f"not interrupted within {bound:g} s", f"{len(replies) - len(times)} never seen interrupted, {len(late)} late")
        followers = [r.terminal_at["follower"] - killed for r in replies if "follower" in r.terminal_at]
        print(f"followers on OTHER that got `interrupted`: {len(followers)}, after p50 {percentile(followers, 50):.1f} s, "
              f"max {max(followers, default=0):.1f} s", flush=True)
        unsaved = []
        for reply in replies:
            self.check_text(reply, "interrupted", whole=False)
            self.check_reading(reply, reply.follower, "interrupted")
            if reply.stored is not None and reply.stays:  # (the others left after three events)
                had = "".join(e.get("content", "") for e in reply.live if e.get("type") == "delta")
                unsaved.append(len(had) - len(reply.stored.get("content", "")))
        print(f"text the attached GEN clients had and the saved text lacked (chars; saved every 250 ms): "
              f"p50 {percentile(unsaved, 50)}, max {max(unsaved, default=0)}", flush=True)
        await self.replay(replies)
        await self.model_calls(replies)

    async def replay(self, replies: list) -> None:
        """Each turn's Idempotency-Key retried on OTHER: 200, the reply from `start` to `interrupted`."""
        statuses = Counter()
        for reply in replies:
            reading = Reading(f"reply {reply.index} ({reply.turn}), retry with its key on OTHER")
            try:
                response = await request(self.args.other, "POST", "/api/chat", token=self.token, body=reply.body, timeout=30,
                                         headers={"Idempotency-Key": reply.key})
            except (TransportError, asyncio.TimeoutError) as error:
                self.problem("key retry broke", f"{reply.turn}: {type(error).__name__} {error}")
                continue
            statuses[response.status] += 1
            reading.take(response, "key retry on OTHER", opens=True)
            if response.status == 200 and reading.message_id != reply.message_id:
                self.problem("key retry: another reply", f"{reply.turn}: {reading.message_id} != {reply.message_id}")
            if response.status == 200:
                self.check_reading(reply, reading, "interrupted")
            else:
                self.problems += reading.problems
        print(f"retries with the same Idempotency-Key on OTHER: {dict(statuses)}", flush=True)

    async def term(self) -> None:
        a = self.args
        replies = await self.start(a.replies, a.pieces, a.pace)
        await asyncio.sleep(a.run_for)
        os.kill(a.pid, signal.SIGTERM)
        termed = time.monotonic()
        print(f"SIGTERM to {a.pid} with {len(replies)} replies running (each {a.pieces} pieces {a.pace} s apart, "
              f"begun {a.run_for} s before); SHUTDOWN_GRACE_SECONDS={a.grace:g}; expected: {a.expect}", flush=True)
        await self.drain_refusals()
        exited = await asyncio.to_thread(self.wait_exit, a.grace + 15)
        elapsed = time.monotonic() - termed
        if exited is None:
            self.problem("did not exit", f"pid {a.pid} still running {elapsed:.0f} s after SIGTERM")
        else:
            print(f"GEN exited {elapsed:.1f} s after SIGTERM", flush=True)
            if elapsed > a.grace + 5:
                self.problem("exit later than the grace", f"{elapsed:.1f} s after SIGTERM, grace {a.grace:g} s")
        await self.finish(replies, timeout=20)
        await self.read_stored(replies)
        whole = a.expect == "complete"
        for reply in replies:
            self.check_text(reply, a.expect, whole=whole)
            self.check_reading(reply, reply.follower, a.expect)
            if reply.stays:
                self.check_reading(reply, reply.client, a.expect)
        ends = Counter((r.stored or {}).get("status") for r in replies)
        print(f"after SIGTERM, stored on OTHER: {dict(ends)}; followers' last events: "
              f"{dict(Counter((r.follower.terminal or {}).get('type') for r in replies))}; attached clients' last events: "
              f"{dict(Counter((r.client.terminal or {}).get('type') for r in replies if r.stays))}", flush=True)
        await self.model_calls(replies)

    async def freeze(self) -> None:
        """SIGSTOP: GEN stops renewing its leases as a dead process would, but wakes up (SIGCONT) after
        OTHER has closed its replies. Once closed, a reply must stay as OTHER closed it: listed,
        `interrupted`, the same text; its key still replays it; and the woken process's own clients
        must end with that same text (API.md: what a client assembles is the stored message)."""
        a = self.args
        replies = await self.start(a.replies, a.pieces, a.pace)
        await asyncio.sleep(a.run_for)
        os.kill(a.pid, signal.SIGSTOP)
        frozen = time.monotonic()
        print(f"SIGSTOP {a.pid} with {len(replies)} replies running", flush=True)
        try:
            times = await self.wait_for_status(replies, "interrupted", frozen, a.lease_bound)
            print(f"frozen -> `interrupted` on OTHER: {len(times)} of {len(replies)}, max {max(times.values(), default=0):.1f} s",
                  flush=True)
            if len(times) < len(replies) or any(t > a.lease_bound for t in times.values()):
                self.problem(f"not interrupted within {a.lease_bound:g} s", f"{len(replies) - len(times)} not seen interrupted")
            await self.read_stored(replies)
            closed = {r.message_id: (r.stored or {}).get("content") for r in replies}
        finally:
            os.kill(a.pid, signal.SIGCONT)
        woke = time.monotonic()
        await self.finish(replies, timeout=30)
        await asyncio.sleep(2)  # whatever the woken process does next, it has done it by now
        await self.read_stored(replies)
        print(f"SIGCONT {time.monotonic() - woke:.1f} s ago; stored now: "
              f"{dict(Counter((r.stored or {}).get('status', 'gone') for r in replies))}; GEN clients' last events: "
              f"{dict(Counter((r.client.terminal or {}).get('type') for r in replies if r.stays))}", flush=True)
        for reply in replies:
            if reply.stored is None:
                self.problem("closed reply removed after GEN woke up", f"{reply.turn}: {reply.message_id} no longer listed")
                continue
            if reply.stored.get("status") != "interrupted" or reply.stored.get("content") != closed[reply.message_id]:
                self.problem("closed reply changed after GEN woke up",
                             f"{reply.turn}: was interrupted with {len(closed[reply.message_id] or '')} chars, now "
                             f"{reply.stored.get('status')!r} with {len(reply.stored.get('content', ''))}")
            self.check_reading(reply, reply.follower, "interrupted")
            if reply.stays:
                self.check_reading(reply, reply.client, "interrupted")
        await self.replay(replies)

    async def stop(self) -> None:
        a = self.args
        replies = await self.start(a.replies, a.pieces, a.pace)
        delays = {"stop answered": [], "client on GEN got stopped": [], "follower on OTHER got stopped": [],
                  "model's connection dropped": []}
        sent_at = {}
        for reply in replies:
            sent, wall = time.monotonic(), time.time()
            response = await request(a.other, "POST", f"/api/chat/{reply.message_id}/stop", token=self.token, timeout=10)
            sent_at[reply.message_id] = (sent, wall)
            delays["stop answered"].append(time.monotonic() - sent)
            body = response.json() if response.status == 200 else {}
            if response.status != 200 or body.get("status") != "stopped":
                self.problem("stop not answered 200 stopped", f"{reply.turn}: {response.status} {response.body[:200]!r}")
            await asyncio.sleep(a.stop_gap)
        await self.finish(replies, timeout=a.stop_bound + 10)
        await self.read_stored(replies)
        turns = await provider_turns(a.provider)
        for reply in replies:
            sent, wall = sent_at[reply.message_id]
            for who, label in (("client", "client on GEN got stopped"), ("follower", "follower on OTHER got stopped")):
                if who in reply.terminal_at:
                    delays[label].append(reply.terminal_at[who] - sent)
            hung_up = turns.get(reply.turn, {}).get("hung_up_at", [])
            if hung_up:
                delays["model's connection dropped"].append(hung_up[0] - wall)
            else:
                self.problem("model's connection not dropped", f"{reply.turn}: the model streamed on after Stop")
            self.check_text(reply, "stopped", whole=False)
            self.check_reading(reply, reply.follower, "stopped")
            if reply.stays:
                self.check_reading(reply, reply.client, "stopped")
        print(f"Stop sent to OTHER for {len(replies)} replies running on GEN, one every {a.stop_gap} s:")
        for label, values in delays.items():
            print(f"  {label}: {len(values)}, p50 {percentile(values, 50) * 1000:.0f} ms, max {max(values, default=0) * 1000:.0f} ms")
            if label != "stop answered" and max(values, default=0) > a.stop_bound:
                self.problem(f"Stop slower than {a.stop_bound:g} s", f"{label}: max {max(values) * 1000:.0f} ms")
        await self.model_calls(replies)

    async def main(self) -> int:
        await getattr(self, self.args.command)()
        kinds = show_problems(self.problems)
        print(f"{self.args.command}: " + ("problems: " + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))
                                         if kinds else "holds"), flush=True)
        return 1 if self.problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["kill", "term", "stop", "freeze"])
    parser.add_argument("--gen", required=True, help="the replica generating the replies")
    parser.add_argument("--other", required=True, help="the replica everything is checked from")
    parser.add_argument("--provider", required=True)
    parser.add_argument("--pid", type=int, help="GEN's process id (kill, term)")
    parser.add_argument("--replies", type=int, default=50)
    parser.add_argument("--pieces", type=int, default=60, help="pieces per reply")
    parser.add_argument("--pace", type=float, default=0.1, help="seconds between pieces")
    parser.add_argument("--run-for", type=float, default=1.5, help="seconds the replies run before the signal")
    parser.add_argument("--expect", choices=["complete", "interrupted"], default="complete", help="term: how replies end")
    parser.add_argument("--grace", type=float, default=30, help="term: GEN's SHUTDOWN_GRACE_SECONDS")
    parser.add_argument("--lease-bound", type=float, default=LEASE_BOUND,
                        help="kill: seconds within which `interrupted` must show (API.md: 15; lower only to see it fail)")
    parser.add_argument("--stop-gap", type=float, default=0.2, help="stop: seconds between two Stops")
    parser.add_argument("--stop-bound", type=float, default=2.0, help="stop: the most a Stop may take to act (s)")
    args = parser.parse_args()
    if args.command in ("kill", "term", "freeze") and not args.pid:
        parser.error("kill, term and freeze need --pid")
    return asyncio.run(Faults(args).main())


if __name__ == "__main__":
    sys.exit(main())
