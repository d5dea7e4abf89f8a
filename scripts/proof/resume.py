#!/usr/bin/env python3
"""Resume trials: streamed replies cut by their client at a random event and resumed, then the text
put together from the events compared byte for byte with the stored message and the model's reply.

    resume.py --replica URL [--replica URL2] --provider URL [--proxy URL] [--trials 1000]
              [--concurrency 50] [--bench 200] [--label L]

Each trial asks scripts/fake_provider.py --faults for a paced reply ("pace=N/S": N distinct pieces
with multi-byte and escaped characters, S seconds apart), streams POST /api/chat from one replica and
hangs up after a random number of events (after `start`, mid-reply, or after the last delta), then
resumes with GET /api/chat/{message_id}/stream from the OTHER replica (`Last-Event-ID: N` or
`?after=N`), some trials several times (each resume but the last cut again at a random event), some
resumes only after the reply has finished. With one --replica the resumes go to that one. With
--proxy (nginx before the replicas) one trial in ten goes through it, POST and resumes.
Each trial must hold (replies.Reading's rules for every response, and): the reply ends `done`; the
assembled text is exactly the model's reply (nothing lost, nothing doubled) and exactly what
GET .../messages stores (status `complete`, after its user message, which is stored once); the
model was asked once.
--bench N: then N replies running at once are resumed all at the same moment (on the other
replica), and again once they have finished: time to the first byte (status line) and to the first
event, p50/p99, printed for BENCHMARKS.md, not asserted (their texts are checked as above).
A 503 to a POST (the server shedding load; API.md: nothing stored) is retried a few times and
counted, not failed. No trial starts after --max-seconds, and every request has a timeout. Exits 1 on any problem, or
when fewer than --min-trials trials ran.
"""
import argparse
import asyncio
import random
import sys
import time
import uuid
from collections import Counter

from http_client import request, TransportError
from replies import Reading, compare, messages, paced_text, percentile, provider_turns, show_problems, sign_up

RESUME_COUNTS = [1, 2, 3, 4]
RESUME_WEIGHTS = [50, 25, 15, 10]


async def start_reply(base: str, token: str, content: str, cut_at: int, stats: Counter):
    """POST /api/chat streamed, hanging up after `cut_at` events. A 503 (the server shedding load:
    nothing stored, API.md) is retried a few times, and counted."""
    body = {"messages": [{"role": "user", "content": content}], "stream": True}
    for attempt in range(6):
        response = await request(base, "POST", "/api/chat", token=token, timeout=60, body=body,
                                 cut_when=lambda e: len(e) >= cut_at)
        if response.status != 503 or attempt == 5:
            return response
        stats["POSTs answered 503 and retried (load shed, nothing stored)"] += 1
        await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 2.0))


class Trials:
    def __init__(self, args):
        self.args = args
        self.run_id = uuid.uuid4().hex[:6]
        self.problems = []  # (kind, detail)
        self.stats = Counter()
        self.notes = Counter()  # allowed, counted: deltas that cover several pieces in a resume
        self.turns = []  # every turn token, for the provider's call counts

    def route(self, index: int) -> tuple[str, str, str]:
        """(where the POST goes, where its resumes go, label) for trial `index`."""
        replicas = self.args.replica
        if self.args.proxy and index % 10 == 9:
            return self.args.proxy, self.args.proxy, "proxy"
        generator = replicas[index % len(replicas)]
        other = replicas[(index + 1) % len(replicas)]
        return generator, other, "cross-replica" if other != generator else "same server"

    async def trial(self, index: int, token: str) -> None:
        args = self.args
        rng = random.Random(f"{args.seed}-{index}")
        generator, other, how = self.route(index)
        pieces = rng.randint(args.min_pieces, args.max_pieces)
        turn = f"r{self.run_id}-{index}"
        self.turns.append(turn)
        reading = Reading(f"trial {index} ({turn}, {how})")
        content = f"turn={turn} pace={pieces}/{args.pace} Resume me."
        cut_at = rng.randint(1, pieces + 1)  # events read before hanging up: `start`, then 0 to all deltas
        self.stats["cut after start"] += cut_at == 1
        self.stats["cut mid-reply"] += 1 < cut_at <= pieces
        self.stats["cut after the last delta"] += cut_at == pieces + 1
        self.stats[f"trials {how}"] += 1
        started = time.monotonic()
        try:
            first = await start_reply(generator, token, content, cut_at, self.stats)
        except (TransportError, asyncio.TimeoutError) as error:
            self.problems.append(("POST broke", f"{reading.label}: {type(error).__name__} {error}"))
            return
        reading.take(first, "POST", opens=True, strict=True)
        if not reading.message_id:
            self.problems += reading.problems or [("no start event", f"{reading.label}: {first.status} {first.body[:200]!r}")]
            return
        if not first.cut:
            reading.problem("not cut", f"the POST ended by itself after {len(first.events)} events")
        planned = rng.choices(RESUME_COUNTS, RESUME_WEIGHTS)[0]
        self.stats[f"trials resumed {planned}x"] += 1
        for attempt in range(planned + 2):  # two spare resumes, for one that broke
            if reading.terminal is not None:
                break
            last = attempt >= planned - 1
            after_end = rng.random() < args.after_end_rate
            if after_end:  # past the reply's end: it answers as a finished reply
                await asyncio.sleep(max(0.0, started + pieces * args.pace + 0.5 - time.monotonic()))
            else:
                await asyncio.sleep(rng.uniform(0, 3 * args.pace))
            style = "query" if rng.random() < 0.3 else "header"
            cut_again = None if last or after_end else rng.randint(1, 4)
            response = await reading.resume(other, token, style, timeout=60,
                                            cut_when=None if cut_again is None else (lambda e, n=cut_again: len(e) >= n))
            self.stats["resumes"] += 1
            self.stats[f"resumes by {style}"] += 1
            self.stats["resumes cut again"] += bool(response and response.cut)
            if after_end:
                self.stats["resumes sent after the reply's end"] += 1
                finished_shape = response is not None and reading.terminal is not None and len(response.events) <= 2 and (
                    not response.times or response.times[-1] - response.head_at < max(args.pace, 0.05))
                self.stats["  of which answered at once as a finished reply"] += finished_shape
        expected = paced_text(turn, pieces)
        if reading.terminal is None or reading.terminal.get("type") != "done":
            reading.problem("reply did not end done", f"ended with {reading.terminal} after {reading.responses} responses")
        if (difference := compare(expected, reading.text)) is not None:
            reading.problem(difference, f"assembled {len(reading.text)} chars, the model's reply has {len(expected)}: "
                                        f"{reading.text[-60:]!r} vs {expected[-60:]!r}")
        await self.check_stored(reading, other, token, content)
        self.stats["trials checked"] += 1
        self.problems += reading.problems
        self.notes.update(reading.notes)

    async def check_stored(self, reading: Reading, base: str, token: str, content: str) -> None:
        try:
            stored = await messages(base, token, reading.conversation_id)
        except (TransportError, asyncio.TimeoutError) as error:
            reading.problem("read-back failed", str(error))
            return
        users = [m for m in stored if m["role"] == "user"]
        replies = [m for m in stored if m["role"] == "assistant"]
        if len(users) != 1 or users[0]["content"] != content:
            reading.problem("user message not stored once", f"{len(users)} user messages")
        if len(replies) != 1 or replies[0]["id"] != reading.message_id:
            reading.problem("reply not stored once", f"{[(m['id'], m.get('status')) for m in replies]} vs {reading.message_id}")
            return
        reply = replies[0]
        if reply.get("status") != "complete":
            reading.problem("stored status", f"{reply.get('status')!r}, not 'complete'")
        if (difference := compare(reply["content"], reading.text)) is not None:
            reading.problem(f"stored vs assembled: {difference}",
                            f"stored {len(reply['content'])} chars, assembled {len(reading.text)}")
        if users and reply.get("parent_id") != users[0]["id"]:
            reading.problem("reply's parent_id", f"{reply.get('parent_id')} is not its user message {users[0]['id']}")

    async def bench(self, tokens: list) -> None:
        """N running replies resumed all at once, then N finished ones: time to first byte / event."""
        n, args = self.args.bench, self.args
        pieces, pace = args.bench_pieces, args.bench_pace
        replies = []  # (reading of the POST, where to resume, token, turn)
        gate = asyncio.Semaphore(50)  # starting them: a few dozen POSTs at a time

        async def start(i):
            async with gate:
                generator, other, _ = self.route(i if i % 10 != 9 else i + 1)  # direct, never the proxy
                turn, token = f"b{self.run_id}-{i}", tokens[i % len(tokens)]
                reading = Reading(f"bench reply {i} ({turn})")
                try:
                    first = await start_reply(generator, token, f"turn={turn} pace={pieces}/{pace} Bench.", 2, self.stats)
                    reading.take(first, "POST", opens=True, strict=True)
                except (TransportError, asyncio.TimeoutError) as error:
                    reading.problem("POST broke", f"{type(error).__name__} {error}")
                replies.append((reading, other, token, turn))
                self.turns.append(turn)

        started = time.monotonic()
        await asyncio.gather(*(start(i) for i in range(n)))
        print(f"bench: {n} replies of {pieces} pieces {pace} s apart started in {time.monotonic() - started:.1f} s", flush=True)
        self.problems += [p for reading, *_ in replies if not reading.message_id for p in reading.problems]
        replies = [r for r in replies if r[0].message_id]
        for phase in ["running", "finished"]:
            if phase == "finished":  # all have ended by now; each read again from the start, as by a reloaded page
                await asyncio.sleep(max(0.0, started + pieces * pace + 2 - time.monotonic()))
                fresh = []
                for reading, other, token, turn in replies:
                    again = Reading(reading.label + ", read again")
                    again.message_id, again.conversation_id = reading.message_id, reading.conversation_id
                    fresh.append((again, other, token, turn))
                replies = fresh
            go = asyncio.Event()

            async def resume(reading, other, token):
                await go.wait()
                return await reading.resume(other, token, timeout=120)

            tasks = [asyncio.create_task(resume(reading, other, token)) for reading, other, token, _ in replies]
            await asyncio.sleep(0.5)  # every task waiting at the gate
            go.set()
            responses = await asyncio.gather(*tasks)
            heads = [r.head_at - r.started for r in responses if r is not None and r.head_at]
            firsts = [r.times[0] - r.started for r in responses if r is not None and r.times]
            print(f"bench, {len(heads)} concurrent resumes of {phase} replies: first byte p50 {percentile(heads, 50) * 1000:.0f} ms, "
                  f"p99 {percentile(heads, 99) * 1000:.0f} ms; first event p50 {percentile(firsts, 50) * 1000:.0f} ms, "
                  f"p99 {percentile(firsts, 99) * 1000:.0f} ms", flush=True)
            for reading, _, _, turn in replies:
                if reading.terminal is None or reading.terminal.get("type") != "done":
                    reading.problem("reply did not end done", f"ended with {reading.terminal}")
                if (difference := compare(paced_text(turn, pieces), reading.text)) is not None:
                    reading.problem(difference, f"assembled {len(reading.text)} chars")
                self.problems += reading.problems
                self.notes.update(reading.notes)
            self.stats[f"bench resumes of {phase} replies"] += len(heads)

    async def main(self) -> int:
        args = self.args
        started = time.monotonic()
        gate = asyncio.Semaphore(4)  # bcrypt is slow on purpose

        async def user(u):
            async with gate:
                return await sign_up(args.replica[0], f"resume-{self.run_id}-{u}@example.com", f"resume-password-{u}")

        tokens = await asyncio.gather(*(user(u) for u in range(args.users)))
        deadline = time.monotonic() + args.max_seconds
        slots = asyncio.Semaphore(args.concurrency)

        async def bounded(i):
            async with slots:
                if time.monotonic() < deadline:
                    await self.trial(i, tokens[i % len(tokens)])

        trials_started = time.monotonic()
        await asyncio.gather(*(bounded(i) for i in range(args.trials)))
        trial_time = time.monotonic() - trials_started
        if args.bench:
            await self.bench(tokens)
        await self.check_provider_calls()
        return self.report(trial_time, time.monotonic() - started)

    async def check_provider_calls(self) -> None:
        """Each reply generated once: the model was asked once per turn, however often it was resumed."""
        try:
            calls = await provider_turns(self.args.provider)
        except (TransportError, asyncio.TimeoutError, ValueError) as error:
            self.problems.append(("provider counts unreadable", str(error)))
            return
        for turn in self.turns:
            if (n := calls.get(turn, {}).get("calls", 0)) != 1:
                self.problems.append(("model asked more than once" if n > 1 else "model never asked", f"{turn}: {n} calls"))

    def report(self, trial_time: float, total_time: float) -> int:
        label = f": {self.args.label}" if self.args.label else ""
        checked = self.stats["trials checked"]
        print(f"\n== resume trials{label} ==")
        print(f"{checked} trials in {trial_time:.1f} s ({total_time:.1f} s in all), {self.stats['resumes']} resumes")
        print("  " + ", ".join(f"{k}: {v}" for k, v in self.stats.items() if k not in ("trials checked", "resumes")))
        if self.notes:
            print("  allowed, counted: " + ", ".join(f"{k}: {v}" for k, v in self.notes.items()))
        kinds = show_problems(self.problems)
        print("problems: " + (", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) or "none"))
        if checked < self.args.min_trials:
            print(f"FAIL: only {checked} trials checked, fewer than --min-trials {self.args.min_trials}")
            return 1
        return 1 if self.problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replica", action="append", required=True, help="a Parley replica (give two for cross-replica)")
    parser.add_argument("--provider", required=True, help="scripts/fake_provider.py --faults")
    parser.add_argument("--proxy", help="nginx before the replicas: one trial in ten goes through it")
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--min-trials", type=int, help="fail when fewer were checked (default: --trials)")
    parser.add_argument("--concurrency", type=int, default=50, help="trials at once")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--min-pieces", type=int, default=8)
    parser.add_argument("--max-pieces", type=int, default=30)
    parser.add_argument("--pace", type=float, default=0.05, help="seconds between the model's pieces")
    parser.add_argument("--after-end-rate", type=float, default=0.2, help="share of resumes sent after the reply's end")
    parser.add_argument("--bench", type=int, default=0, help="then resume this many replies at once (0: no bench)")
    parser.add_argument("--bench-pieces", type=int, default=40)
    parser.add_argument("--bench-pace", type=float, default=0.1)
    parser.add_argument("--max-seconds", type=float, default=600, help="no trial starts after this")
    parser.add_argument("--label", default="")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.min_trials = args.trials if args.min_trials is None else args.min_trials
    return asyncio.run(Trials(args).main())


if __name__ == "__main__":
    sys.exit(main())
