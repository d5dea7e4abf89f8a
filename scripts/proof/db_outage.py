#!/usr/bin/env python3
"""Requests keep flowing while the database goes away and comes back; what did Parley answer?

    db_outage.py --base URL --token T --conversation ID --stop CMD --start CMD
                 [--before 5 --outage 10 --after 20 --workers 6]

Workers loop over a mix of routes (reads, writes, chat JSON and streamed, /ready, /health) from
start to end. After BEFORE seconds STOP runs (the database goes away); OUTAGE seconds later START
runs. Expected (API.md, issue 7): while it is down every answer is a quick 503 (or 200 for
/health, which touches no database), never a 500, never a hang or a dropped connection; once it
is back Parley recovers by itself (every answer a success well before AFTER seconds are over).
Every request is valid and authorised, so any 4xx (a 401 or 404 while the database is away) is a
problem too. Prints answers by phase and route, the slowest answer, the recovery time, and every
500, 4xx or over-slow answer in full (request, status, body, timing), then exits 1 if any.
"""
import argparse
import asyncio
import subprocess
import sys
import time
from collections import Counter, defaultdict

from http_client import request, TransportError
from ledger import percentile

FAST = 5.0  # seconds: an outage answer slower than this is not "fast"
HANG = 30.0


def routes(conversation: str) -> list:
    chat = {"conversation_id": conversation, "messages": [{"role": "user", "content": "turn=outage Hello"}]}
    return [
        ("GET", "/api/v1/users/me", None),
        ("GET", "/api/v1/conversations/", None),
        ("POST", "/api/v1/conversations/", {"title": "during an outage"}),
        ("GET", f"/api/v1/conversations/{conversation}/messages?limit=5", None),
        ("POST", "/api/chat", chat),
        ("POST", "/api/chat", {**chat, "stream": True}),
        ("GET", "/ready", None),
        ("GET", "/health", None),
    ]


class Outage:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.down_at = self.up_at = None
        self.results = []  # (start offset, method, path, status or kind, elapsed, body)

    def phase(self, at: float) -> str:
        if self.down_at is None or at < self.down_at:
            return "1 before"
        if self.up_at is None or at < self.up_at:
            return "2 database down"
        return "3 after restart"

    async def worker(self, index: int, end: float) -> None:
        mix = routes(self.args.conversation)
        step = index
        while time.monotonic() < end:
            method, path, body = mix[step % len(mix)]
            step += 1
            started = time.monotonic() - self.t0
            try:
                response = await request(self.args.base, method, path, token=self.args.token, body=body, timeout=HANG)
                status = str(response.status)
                if response.events:  # a stream: its last event tells how the turn ended
                    status += " " + response.events[-1].get("type", "?")
                text = response.body[:300].decode("utf-8", "replace") or str(response.events[-1:])[:300]
                self.results.append((started, method, path, status, response.elapsed, text))
            except TransportError as error:
                self.results.append((started, method, path, "transport error", time.monotonic() - self.t0 - started, str(error)))
            except asyncio.TimeoutError:
                self.results.append((started, method, path, "HANG (no answer in 30 s)", HANG, ""))
            await asyncio.sleep(0.05)

    async def run(self) -> int:
        a = self.args
        end = self.t0 + a.before + a.outage + a.after
        workers = [asyncio.create_task(self.worker(i, end)) for i in range(a.workers)]
        await asyncio.sleep(a.before)
        self.down_at = time.monotonic() - self.t0
        await asyncio.to_thread(subprocess.run, a.stop, shell=True, check=True)
        print(f"database stopped at {self.down_at:.1f} s ({a.stop_label})", flush=True)
        await asyncio.sleep(a.outage)
        await asyncio.to_thread(subprocess.run, a.start, shell=True, check=True)
        self.up_at = time.monotonic() - self.t0
        print(f"database back at {self.up_at:.1f} s", flush=True)
        await asyncio.gather(*workers)
        return self.report()

    def report(self) -> int:
        by_phase = defaultdict(Counter)
        slowest = defaultdict(float)
        problems = []
        for started, method, path, status, elapsed, text in self.results:
            phase = self.phase(started)
            route = f"{method} {path.split('?')[0].replace(self.args.conversation, '{id}')}"
            by_phase[phase][f"{route} -> {status}"] += 1
            slowest[phase] = max(slowest[phase], elapsed)
            # Every request here is valid and authorised: a 4xx (a 401 because the user could not be
            # looked up, a 404 for a conversation that exists) is as wrong as a 500, in any phase.
            if status.startswith("500") or status.startswith("4") or "HANG" in status or status == "transport error" or (
                    phase == "2 database down" and elapsed > FAST):
                problems.append(f"{method} {path} at +{started:.2f} s ({phase}): {status} after {elapsed:.2f} s: {text}")
        # Recovery: the first moment after the restart from which every answer was a success.
        after = [(s, st) for s, _, _, st, _, _ in self.results if self.up_at is not None and s >= self.up_at]
        failures_after = [s for s, st in after if not st.startswith("2")]
        recovered = (max(failures_after) - self.up_at) if failures_after else 0.0
        print(f"\n== database outage ({self.args.stop_label}) ==")
        for phase in sorted(by_phase):
            latencies = [e for s, *_, e, _ in self.results if self.phase(s) == phase]
            print(f"{phase}: {sum(by_phase[phase].values())} answers, p50 {percentile(latencies, 50) * 1000:.0f} ms, "
                  f"p99 {percentile(latencies, 99) * 1000:.0f} ms, slowest {slowest[phase]:.2f} s")
            for what, n in sorted(by_phase[phase].items()):
                print(f"    {n:5d}  {what}")
        print(f"recovered by itself: every answer a success from {recovered:.1f} s after the restart"
              + ("" if after and not (failures_after and max(failures_after) > after[-1][0] - 2) else " (NOT recovered)"))
        # A few examples of each kind, so a rare slow answer is not hidden behind many quick 500s.
        kinds = defaultdict(list)
        for problem in problems:
            kinds[problem.split(": ", 1)[1].split(" after ")[0] + (" (slow)" if "after 0." not in problem else "")].append(problem)
        for kind, examples in sorted(kinds.items()):
            print(f"  PROBLEM x{len(examples)} {kind}; e.g.:")
            for example in examples[:3]:
                print("      " + example)
        not_recovered = not after or (failures_after and max(failures_after) > after[-1][0] - 2)
        return 1 if problems or not_recovered else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ["--base", "--token", "--conversation", "--stop", "--start"]:
        parser.add_argument(name, required=True)
    parser.add_argument("--stop-label", default="stopped")
    parser.add_argument("--before", type=float, default=5)
    parser.add_argument("--outage", type=float, default=10)
    parser.add_argument("--after", type=float, default=30)
    parser.add_argument("--workers", type=int, default=6)
    return asyncio.run(Outage(parser.parse_args()).run())


if __name__ == "__main__":
    sys.exit(main())
