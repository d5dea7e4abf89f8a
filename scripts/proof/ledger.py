"""What the load clients were told, and the check of it against what Parley stored.

A turn is one user message (carrying a unique `turn=…` token) and its reply; it may take several
attempts (retries with the same Idempotency-Key). The rules, from API.md:
  - acknowledged (a 200 JSON reply or a `done` event): its user message is stored exactly once,
    followed by the assistant reply with the acknowledged message_id and text, status `complete`,
    in the order the conversation's turns were sent;
  - every attempt failed with an answer that says so (4xx, 502/503/504, an `error` event):
    nothing of it is stored;
  - otherwise (we hung up, or the connection broke): stored at most once, and then whole: the
    client leaving does not stop a reply, so a stored reply is `complete` with the model's whole
    text (`interrupted` with a start of it only where the run kills a replica); and a turn the
    model answered to its end (the fault provider says so) must be stored, whoever left.
  - a retry with the same key never gets 409: it attaches to the running reply or replays it, so
    the model is asked once for a turn without a fault.
  - every stream's events obey replies.Reading's rules (ids, terminal text = the deltas).
Anything stored that no turn explains is "unexpected". The run must also acknowledge at least a
minimum share of its turns, so a server that refuses everything cannot pass.
"""
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from replies import Reading

TOKEN = re.compile(r"turn=(\S+)")
# What scripts/fake_provider.py --faults answers to a turn without a fault (or once its fault is spent).
FULL_REPLY = "[{token}] Sure, here is a reply for you."


@dataclass
class Attempt:
    kind: str
    retryable: bool = False
    acknowledged: bool = False
    definite_failure: bool = False  # Parley said it failed, so nothing may be stored
    message_id: str | None = None
    conversation_id: str | None = None
    text: str | None = None
    retry_after: str | None = None
    detail: str = ""
    elapsed: float = 0.0
    stream_problems: list = field(default_factory=list)  # replies.Reading's findings on the events
    started_id: str | None = None  # the message_id of a `start` event seen (also when cut)

    @staticmethod
    def from_response(response, fresh: bool = True) -> "Attempt":
        """fresh: a first attempt (its stream must number its events 1, 2, 3, … with no catch-up);
        a retry may attach to a running reply, whose first delta may cover several."""
        elapsed = response.elapsed
        stream_problems, started_id = [], None
        if response.events:
            reading = Reading("stream")
            reading.take(response, "POST /api/chat", opens=True, strict=fresh)
            stream_problems = [f"{kind}: {detail}" for kind, detail in reading.problems]
            started_id = reading.message_id
        if response.cut:
            return Attempt(kind="cut-by-client", retryable=True, elapsed=elapsed, stream_problems=stream_problems,
                           started_id=started_id)
        if response.status == 200 and response.events:
            last = response.events[-1]
            if last.get("type") == "done":
                return Attempt(kind="200 stream done", acknowledged=True, message_id=last["message_id"],
                               conversation_id=last["conversation_id"], text=last["response"], elapsed=elapsed,
                               stream_problems=stream_problems, started_id=started_id)
            if last.get("type") == "interrupted":  # its replica died (a run that kills one)
                return Attempt(kind="200 stream interrupted", retryable=True, message_id=last.get("message_id"),
                               text=last.get("response"), elapsed=elapsed, stream_problems=stream_problems,
                               started_id=started_id)
            if last.get("type") == "error":
                return Attempt(kind="200 stream error-event", retryable=True, definite_failure=True,
                               detail=last.get("detail", ""), elapsed=elapsed, stream_problems=stream_problems,
                               started_id=started_id)
            return Attempt(kind=f"200 stream ended with {last.get('type')!r}", retryable=True, elapsed=elapsed,
                           stream_problems=stream_problems, started_id=started_id)
        try:
            body = response.json()
        except ValueError:
            # Not Parley's JSON: a proxy (nginx) answered for a replica that is gone. Unknown outcome.
            return Attempt(kind=f"proxy {response.status}", retryable=True, elapsed=elapsed,
                           detail=response.body[:200].decode("utf-8", "replace"))
        if response.status == 200:
            return Attempt(kind="200 json", acknowledged=True, message_id=body["message_id"],
                           conversation_id=body["conversation_id"], text=body["response"], elapsed=elapsed)
        detail = str(body.get("detail", ""))[:200] if isinstance(body, dict) else ""
        if response.status == 409:  # the same key and body: it should have attached (API.md)
            return Attempt(kind="409", retryable=True, retry_after=response.headers.get("retry-after"),
                           elapsed=elapsed, detail=detail)
        return Attempt(kind=str(response.status), retryable=response.status in (429, 502, 503, 504),
                       definite_failure=True, detail=detail, elapsed=elapsed)


@dataclass
class Turn:
    token: str
    user: int
    flow: tuple
    index: int
    stream: bool
    fault: str | None
    key: str | None
    conversation_id: str | None
    cut_after_deltas: int | None = None
    cut_after_seconds: float | None = None
    attempts: list = field(default_factory=list)

    def acknowledged(self) -> list:
        return [a for a in self.attempts if a.acknowledged]

    def definitely_failed(self) -> bool:
        # A 409 says nothing about whether the first attempt was stored.
        return all(a.definite_failure for a in self.attempts if a.kind != "409") and any(
            a.definite_failure for a in self.attempts)



def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


class Ledger:
    def __init__(self, min_acknowledged_share: float = 0.2, allow_interrupted: bool = False):
        self.turns: list[Turn] = []
        self.conversations: set[str] = set()  # created by POST /conversations/
        self.outcomes = Counter()
        self.min_acknowledged_share = min_acknowledged_share
        self.allow_interrupted = allow_interrupted  # a replica was killed: its running replies end so
        self.read_problems: list[str] = []  # from reading everything back (page counts)
        self.all_branches: dict = {}  # conversation -> every message (?branch=all)
        self.current: dict = {}  # conversation -> its current_message_id

    def count(self, kind: str) -> None:
        self.outcomes[kind] += 1

    def report(self, stored: dict, requests: int, load_time: float, faults: dict, label: str = "",
               answered: dict | None = None) -> int:
        """answered: the fault provider's /control/turns (per turn token, how many calls it answered whole)."""
        answered = answered or {}
        problems = defaultdict(list)
        where = defaultdict(list)  # token -> [(conversation, position)]
        for conversation, messages in stored.items():
            for position, message in enumerate(messages):
                if message["role"] == "user" and (match := TOKEN.search(message["content"])):
                    where[match.group(1)].append((conversation, position))
        known = {turn.token for turn in self.turns}
        by_flow = defaultdict(list)
        stats = Counter()
        for turn in self.turns:
            self.check_turn(turn, stored, where.get(turn.token, []), problems, stats, answered)
            if turn.acknowledged() and where.get(turn.token):
                by_flow[turn.flow].append((turn.index, where[turn.token][0]))
        for flow, places in by_flow.items():
            places.sort()
            for (_, (c1, p1)), (i2, (c2, p2)) in zip(places, places[1:]):
                if c1 != c2 or p2 <= p1:
                    problems["out of order"].append(f"flow {flow} turn {i2}")
        self.check_unexplained(stored, known, problems)
        problems["read-back"] += self.read_problems
        self.check_branches(problems)
        return self.print(problems, stats, requests, load_time, faults, label)

    def check_turn(self, turn, stored, places, problems, stats, answered):
        acks = turn.acknowledged()
        if len(places) > 1:
            problems["duplicated"] += [f"{turn.token}: user message stored {len(places)} times"] * (len(places) - 1)
        for attempt in turn.attempts:
            problems["stream events"] += [f"{turn.token} ({attempt.kind}): {p}" for p in attempt.stream_problems]
            if attempt.kind == "409":
                problems["409 instead of attaching"].append(f"{turn.token}: {attempt.detail[:100]} "
                                                            f"(attempts: {[a.kind for a in turn.attempts]})")
        reply = self.reply_of(stored, places)
        if reply is not None:
            self.check_status(turn, reply, problems)
        for attempt in turn.attempts:
            if attempt.kind == "200 stream interrupted" and reply is not None and reply["id"] == attempt.message_id \
                    and reply.get("content") != attempt.text:
                problems["interrupted text differs"].append(
                    f"{turn.token}: `interrupted` said {attempt.text!r}, stored {reply.get('content')!r}")
        if answered.get(turn.token, {}).get("finished") and reply is None:
            # The model wrote the whole reply, so Parley had accepted the turn: whoever left, it is kept.
            problems["answered, not stored"].append(
                f"{turn.token}: the model answered it to the end; attempts {[a.kind for a in turn.attempts]}; "
                f"stored: {'user message only' if places else 'nothing'}")
        if turn.fault is None and (calls := answered.get(turn.token, {}).get("calls", 0)) > 1:
            # Nothing made the first model call fail, so a retry must have attached to it or replayed it.
            problems["generated twice"].append(f"{turn.token}: the model was asked {calls} times; "
                                               f"attempts {[a.kind for a in turn.attempts]}")
        if acks:
            stats["acknowledged"] += 1
            if len({a.message_id for a in acks}) > 1:
                problems["duplicated"].append(f"{turn.token}: two different replies acknowledged")
            if not places:
                problems["lost"].append(f"{turn.token}: acknowledged ({acks[0].kind}) but its user message is not stored")
                return
            conversation, position = places[0]
            messages = stored[conversation]
            reply = messages[position + 1] if position + 1 < len(messages) else None
            ack = acks[0]
            if reply is None or reply["role"] != "assistant" or reply["id"] != ack.message_id or reply["content"] != ack.text \
                    or conversation != ack.conversation_id:
                problems["lost"].append(
                    f"{turn.token}: acknowledged {ack.kind} message_id={ack.message_id} text={ack.text!r} in "
                    f"{ack.conversation_id}; stored after its user message: "
                    f"{(reply or {}).get('role')} id={(reply or {}).get('id')} text={(reply or {}).get('content')!r} "
                    f"(attempts: {[a.kind for a in turn.attempts]})")
        elif turn.definitely_failed():
            stats["failed"] += 1
            if places:
                problems["stored after a failure"].append(
                    f"{turn.token}: attempts {[(a.kind, a.detail[:60]) for a in turn.attempts]} yet stored")
        else:
            stats["unknown outcome (hung up / broken)"] += 1
            stats["unknown outcome, stored"] += bool(places)

    @staticmethod
    def reply_of(stored, places):
        """The message after the turn's (first) user message, when it is the assistant's."""
        if not places:
            return None
        conversation, position = places[0]
        messages = stored[conversation]
        after = messages[position + 1] if position + 1 < len(messages) else None
        return after if after is not None and after["role"] == "assistant" else None

    def check_status(self, turn, reply, problems):
        """A stored reply is finished, and whole: the client leaving did not stop it."""
        status, text = reply.get("status"), reply.get("content", "")
        whole = FULL_REPLY.format(token=turn.token)
        if status == "complete" and text == whole:
            return
        if status == "interrupted" and self.allow_interrupted and whole.startswith(text):
            return
        problems["stored reply not finished whole"].append(
            f"{turn.token}: status {status!r}, text {text!r} (attempts: {[a.kind for a in turn.attempts]})")

    def check_branches(self, problems):
        """The current branch ends at a message of the conversation; a turn missing from it is told
        apart: gone, or only hidden (still listed by ?branch=all)."""
        everywhere = {}
        for conversation, messages in self.all_branches.items():
            ids = {m["id"] for m in messages}
            current = self.current.get(conversation)
            if current is not None and current not in ids:
                problems["current branch ends at no message"].append(
                    f"conversation {conversation}: current_message_id {current} is none of its {len(ids)} messages")
            for message in messages:
                if message["role"] == "user" and (match := TOKEN.search(message["content"])):
                    everywhere[match.group(1)] = conversation
        for kind in ("lost", "answered, not stored"):
            problems[kind] = [f"{p} [still listed by ?branch=all in {everywhere[p.split(':')[0]]}: hidden, not deleted]"
                              if p.split(":")[0] in everywhere and ("not stored" in p or "stored: nothing" in p) else p
                              for p in problems[kind]]

    def check_unexplained(self, stored, known, problems):
        seen_ids = Counter()
        for conversation, messages in stored.items():
            if not messages and conversation not in self.conversations:
                problems["unexpected"].append(f"empty conversation {conversation} nobody created")
            for position, message in enumerate(messages):
                seen_ids[message["id"]] += 1
                if message["role"] == "user":
                    match = TOKEN.search(message["content"])
                    if not match or match.group(1) not in known:
                        problems["unexpected"].append(f"{conversation}#{position}: user message of no turn")
                elif position == 0 or messages[position - 1]["role"] != "user":
                    problems["unexpected"].append(f"{conversation}#{position}: reply without its user message")
        problems["duplicated"] += [f"message id {i} listed {n} times" for i, n in seen_ids.items() if n > 1]

    def print(self, problems, stats, requests, load_time, faults, label) -> int:
        attempts = [a for t in self.turns for a in t.attempts]
        latencies = [a.elapsed for a in attempts if a.elapsed]
        acked = [a.elapsed for a in attempts if a.acknowledged]
        server_errors = self.outcomes["500"]
        hangs = sum(n for k, n in self.outcomes.items() if "hang" in k)
        unfinished = sum(n for k, n in self.outcomes.items() if k.startswith("200 stream ended with"))
        if not self.allow_interrupted:
            unfinished += self.outcomes["200 stream interrupted"]
        print(f"\n== load + faults{': ' + label if label else ''} ==")
        print(f"requests: {requests} in all; chat turns {len(self.turns)}, chat attempts {len(attempts)} "
              f"in {load_time:.1f} s ({len(attempts) / max(load_time, 0.001):.0f} attempts/s)")
        print("outcomes by kind: " + ", ".join(f"{k}: {n}" for k, n in sorted(self.outcomes.items())))
        print(f"chat latency, all attempts: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.0f} ms; acknowledged: p50 {percentile(acked, 50) * 1000:.0f} ms, "
              f"p99 {percentile(acked, 99) * 1000:.0f} ms")
        print(f"faults injected by the provider: {faults.get('faults', {})}, refusal windows: "
              f"{faults.get('refuse_windows', 0)}, provider calls: {faults.get('requests', '?')}")
        print("turns: " + ", ".join(f"{k}: {n}" for k, n in stats.items()))
        for kind, examples in problems.items():
            for example in examples[:5]:
                print(f"  {kind}: {example}")
        required = max(1, int(self.min_acknowledged_share * len(self.turns) + 0.999))
        acknowledged = stats["acknowledged"]
        print(f"acknowledged {acknowledged} of {len(self.turns)} turns (at least {required} required: "
              f"{self.min_acknowledged_share:.0%})")
        if acknowledged < required:
            problems["too few acknowledged"].append(f"{acknowledged} < {required}")
        print(", ".join(f"{kind} = {len(problems[kind])}" for kind in [
            "lost", "duplicated", "stored after a failure", "unexpected", "out of order", "stream events",
            "409 instead of attaching", "generated twice", "answered, not stored", "interrupted text differs", "stored reply not finished whole", "read-back",
            "current branch ends at no message",
            "too few acknowledged"]) + f", 500s = {server_errors}, hangs = {hangs}, streams without done/error = {unfinished}")
        bad = sum(len(v) for v in problems.values()) + server_errors + hangs + unfinished
        return 1 if bad else 0
