#!/usr/bin/env python3
"""Chat load with provider faults, then a check that nothing acknowledged was lost or doubled.

    load.py --base http://127.0.0.1:PORT --provider http://127.0.0.1:FAKE [--users 50 --chats 20
            --turns 3 --duration 60]

Signs up USERS users; each runs CHATS conversations in parallel, TURNS turns each (one after the
other), streamed or not, some carrying a fault for scripts/fake_provider.py --faults, some cut by
the client, some with an Idempotency-Key and retried after a failure or a hang-up (a retry of a
reply still running attaches to it; a client that leaves does not stop its reply). No turn starts
after DURATION seconds, and every request has a timeout, so the run ends by itself. Then every
user's stored conversations are read back through the API, page by page (--page-size, small on
purpose so paging is exercised) until X-Total-Count is reached, and compared with what the clients
were told and with what the model answered (scripts/proof/ledger.py). Exits 1 when anything
acknowledged or answered was lost or duplicated, anything failed was stored, a stored reply is not
finished whole, a retry got 409, a stream broke the event-id rules, a page count disagrees with
X-Total-Count, a request got a 500 or hung, or fewer than --min-acknowledged of the turns were
acknowledged (so a server that refuses everything fails).
"""
import argparse
import asyncio
import random
import sys
import time
import uuid

from http_client import request, TransportError
from ledger import Attempt, Turn, Ledger, percentile
from replies import sign_up

FAULT_KINDS = ["500", "busy", "garbage", "hang", "hang_mid", "drop", "drop_early"]
REQUEST_TIMEOUT = 30.0  # far above LLM_TIMEOUT_SECONDS: a request taking this long is a hang


class Run:
    def __init__(self, args):
        self.args = args
        self.random = random.Random(args.seed)
        self.run_id = uuid.uuid4().hex[:8]
        self.deadline = time.monotonic() + args.duration
        self.ledger = Ledger(min_acknowledged_share=args.min_acknowledged, allow_interrupted=args.allow_interrupted)
        self.requests = 0

    async def call(self, method, path, **kwargs):
        self.requests += 1
        return await request(self.args.base, method, path, timeout=REQUEST_TIMEOUT, **kwargs)

    async def sign_up(self, index: int, gate: asyncio.Semaphore) -> str:
        email = f"load-{self.run_id}-{index}@example.com"
        password = f"load-password-{index}"
        async with gate:  # bcrypt is slow on purpose: a few at a time, retried when Parley is busy
            self.requests += 2
            return await sign_up(self.args.base, email, password)

    async def flow(self, user: int, token: str, chat: int) -> None:
        """One conversation's turns, one after the other, as one browser tab would send them."""
        rng = random.Random(f"{self.args.seed}-{user}-{chat}")
        conversation = None
        if rng.random() < 0.8:  # the rest let the first acknowledged turn create the conversation
            response = await self.call("POST", "/api/v1/conversations/", token=token, body={"title": f"chat {chat}"})
            if response.status != 201:
                self.ledger.count(f"create-conversation {response.status}")
                return
            conversation = response.json()["id"]
            self.ledger.conversations.add(conversation)
        for index in range(self.args.turns):
            if time.monotonic() > self.deadline:
                return
            turn = self.plan(rng, user, chat, index, conversation)
            await self.play(turn, token)
            if conversation is None and turn.acknowledged():
                conversation = turn.acknowledged()[0].conversation_id

    def plan(self, rng, user, chat, index, conversation) -> Turn:
        fault = rng.choice(FAULT_KINDS) if rng.random() < self.args.fault_rate else None
        stream = rng.random() < 0.5
        turn = Turn(
            token=f"{self.run_id}-{user}-{chat}-{index}", user=user, flow=(user, chat), index=index, stream=stream,
            fault=fault, key=f"key-{uuid.uuid4()}" if rng.random() < 0.4 else None, conversation_id=conversation)
        if rng.random() < self.args.cut_rate:
            # Streamed: hang up after 0 to 3 deltas. JSON: hang up before the answer can arrive.
            turn.cut_after_deltas = rng.randint(0, 3) if stream else None
            turn.cut_after_seconds = None if stream else rng.uniform(0.0, 0.15)
        return turn

    def body(self, turn: Turn) -> dict:
        content = f"turn={turn.token} " + (f"fault={turn.fault} " if turn.fault else "") + "Hello, how are you?"
        body = {"conversation_id": turn.conversation_id, "messages": [{"role": "user", "content": content}]}
        if turn.stream:
            body["stream"] = True
        return body

    async def play(self, turn: Turn, token: str) -> None:
        """The first attempt, then for a keyed turn the retries a careful client makes."""
        self.ledger.turns.append(turn)
        while True:
            attempt = await self.attempt(turn, token, cut=not turn.attempts)
            turn.attempts.append(attempt)
            self.ledger.count(attempt.kind)
            if turn.key is None or attempt.acknowledged or not attempt.retryable or len(turn.attempts) >= 6:
                return
            await asyncio.sleep(0.2)

    async def attempt(self, turn: Turn, token: str, cut: bool) -> Attempt:
        headers = {"Idempotency-Key": turn.key} if turn.key else {}
        cut_when = None
        if cut and turn.cut_after_deltas is not None:
            n = turn.cut_after_deltas
            cut_when = lambda events: sum(e.get("type") == "delta" for e in events) >= n or (
                n == 0 and events[-1].get("type") == "start")
        try:
            response = await self.call(
                "POST", "/api/chat", token=token, body=self.body(turn), headers=headers, cut_when=cut_when,
                cut_after_seconds=turn.cut_after_seconds if cut else None)
        except TransportError as error:
            return Attempt(kind="transport", detail=str(error), retryable=True)
        except asyncio.TimeoutError:
            return Attempt(kind="client-timeout (hang)", retryable=True, elapsed=REQUEST_TIMEOUT)
        return Attempt.from_response(response, fresh=not turn.attempts)

    async def refuse_now_and_then(self) -> None:
        """Closes the fake provider's door for a few seconds, now and then: refused connections."""
        if not self.args.refuse_every:
            return
        while time.monotonic() < self.deadline:
            await asyncio.sleep(self.args.refuse_every)
            try:
                await request(self.args.provider, "POST", f"/control/refuse?seconds={self.args.refuse_for}", timeout=5)
            except (TransportError, asyncio.TimeoutError):
                pass

    async def main(self) -> int:
        args = self.args
        started = time.monotonic()
        gate = asyncio.Semaphore(4)
        tokens = await asyncio.gather(*(self.sign_up(u, gate) for u in range(args.users)))
        print(f"signed up {args.users} users in {time.monotonic() - started:.1f} s", flush=True)
        self.deadline = time.monotonic() + args.duration
        load_started = time.monotonic()
        faults_before = await self.provider_stats()  # the provider may have served an earlier pass
        refusals = asyncio.get_running_loop().create_task(self.refuse_now_and_then())
        on_halfway = asyncio.get_running_loop().create_task(self.halfway(args.duration))
        await asyncio.gather(*(self.flow(u, tokens[u], c) for u in range(args.users) for c in range(args.chats)))
        refusals.cancel()
        on_halfway.cancel()
        load_time = time.monotonic() - load_started
        # A hang-up is noticed, and the partial turn stored, only at the server's next write.
        await asyncio.sleep(args.settle)
        stored = await self.read_back(tokens)
        faults = subtract(await self.provider_stats(), faults_before)
        answered = (await request(args.provider, "GET", "/control/turns", timeout=30)).json()
        return self.ledger.report(stored, self.requests, load_time, faults, label=args.label, answered=answered)

    async def halfway(self, duration: float) -> None:
        """Runs --at-halfway (e.g. kill a replica) once, halfway through the load."""
        if not self.args.at_halfway:
            return
        await asyncio.sleep(duration / 2)
        process = await asyncio.create_subprocess_shell(self.args.at_halfway)
        await process.wait()
        print(f"halfway: ran {self.args.at_halfway!r} (exit {process.returncode})", flush=True)

    async def read_back(self, tokens) -> dict:
        """Every user's conversations and their messages, through the API: {conversation_id: [messages]}."""
        stored = {}
        for token in tokens:
            for conversation in await self.read_all("/api/v1/conversations/", token):
                path = f"/api/v1/conversations/{conversation['id']}/messages"
                stored[conversation["id"]] = await self.read_all(path, token)
                # Every branch too: a turn missing from the current branch may still be there.
                self.ledger.all_branches[conversation["id"]] = await self.read_all(path, token, "branch=all")
                self.ledger.current[conversation["id"]] = conversation.get("current_message_id")
        return stored

    async def read_all(self, path: str, token: str, query: str = "") -> list:
        """A list read page by page until X-Total-Count is reached; a count that disagrees with what
        the pages held, or an item listed twice, is a problem of the run."""
        size, items, total = self.args.page_size, [], None
        for page in range(100_000 // size + 2):  # bounded: far more than any run stores
            response = await self.call("GET", f"{path}?{query + '&' if query else ''}skip={page * size}&limit={size}", token=token)
            assert response.status == 200, (path, response.status, response.body[:300])
            if "x-total-count" not in response.headers:
                self.ledger.read_problems.append(f"GET {path}: no X-Total-Count header")
                return items + response.json()
            total = int(response.headers["x-total-count"])
            batch = response.json()
            items += batch
            if not batch or len(items) >= total:
                break
        ids = [item["id"] for item in items]
        if len(items) != total or len(set(ids)) != len(ids):
            self.ledger.read_problems.append(f"GET {path}: pages of {size} held {len(items)} items "
                                             f"({len(set(ids))} distinct), X-Total-Count says {total}")
        return items

    async def provider_stats(self) -> dict:
        try:
            return (await request(self.args.provider, "GET", "/control/stats", timeout=5)).json()
        except (TransportError, asyncio.TimeoutError, ValueError):
            return {}


def subtract(after: dict, before: dict) -> dict:
    """The provider's counters (numbers, or dicts of numbers) since `before`."""
    return {k: subtract(v, before.get(k, {})) if isinstance(v, dict) else v - before.get(k, 0) for k, v in after.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="Parley (or nginx before it), loopback only")
    parser.add_argument("--provider", required=True, help="the fault provider, for refusals and its fault counts")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--chats", type=int, default=20, help="parallel conversations per user")
    parser.add_argument("--turns", type=int, default=3, help="turns per conversation, one after the other")
    parser.add_argument("--duration", type=float, default=60, help="no turn starts after this many seconds")
    parser.add_argument("--fault-rate", type=float, default=0.25)
    parser.add_argument("--cut-rate", type=float, default=0.1)
    parser.add_argument("--refuse-every", type=float, default=10, help="seconds between refusal windows (0: none)")
    parser.add_argument("--refuse-for", type=float, default=4, help="seconds each refusal window lasts")
    parser.add_argument("--settle", type=float, default=5, help="seconds to wait before reading back")
    parser.add_argument("--at-halfway", help="a shell command run once halfway through (e.g. kill a replica)")
    parser.add_argument("--page-size", type=int, default=7, help="limit= when reading back (small: paging is tested)")
    parser.add_argument("--min-acknowledged", type=float, default=0.2,
                        help="share of the turns that must be acknowledged (a server refusing everything fails; "
                             "measured: about 80%% in --short runs, 30%% at the default size with refusal windows)")
    parser.add_argument("--allow-interrupted", action="store_true",
                        help="a replica is killed: replies it was generating may end `interrupted`")
    parser.add_argument("--label", default="")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    return asyncio.run(Run(args).main())


if __name__ == "__main__":
    sys.exit(main())
