#!/usr/bin/env python3
"""A streamed turn whose client leaves before the model's first token, retried with its key.

    cut_before_token.py --base URL --provider URL

Needs Parley with LLM_TIMEOUT_SECONDS above the 15 s SSE keep-alive, and the fault provider: the
model stays silent for 17 s ("silent=17"), the client hangs up right after `start`, and the 15 s
keep-alive write finds it gone. The reply must go on all the same (a client leaving does not stop
it), so the retry with the same Idempotency-Key, sent at 16 s while the model is still silent,
must attach to it (API.md): 200, the events from `start` (the same message_id) to `done` with the
model's whole reply. Then the conversation must hold the turn once: its user message once, the
reply with that message_id and text, `complete`; and the model must have been asked once.
Exits 1 on anything else: a 409 or 5xx to the retry, another message_id, a duplicated turn, a
lost or different text. Takes about 20 s.
"""
import argparse
import asyncio
import sys
import uuid

from http_client import request
from replies import Reading, paced_text, provider_turns, sign_up


async def main(base: str, provider: str) -> int:
    run = uuid.uuid4().hex[:6]
    token = await sign_up(base, f"cut-{run}@example.com", "cut-password")
    conversation = (await request(base, "POST", "/api/v1/conversations/", token=token, body={"title": "cut"})).json()["id"]
    turn = f"cut-before-token-{run}"
    content = f"turn={turn} silent=17 pace=5/0.05 Hello"
    body = {"conversation_id": conversation, "stream": True, "messages": [{"role": "user", "content": content}]}
    key = {"Idempotency-Key": f"cut-before-token-{run}"}
    first = await request(base, "POST", "/api/chat", token=token, body=body, headers=key,
                          cut_when=lambda events: events[-1].get("type") == "start")
    started = first.events[0].get("message_id") if first.events else None
    print(f"first attempt: {first.status}, hung up after {[e['type'] for e in first.events]} (message_id {started})")
    await asyncio.sleep(16)  # past the 15 s keep-alive that notices the client is gone; the model speaks at 17 s
    retry = await request(base, "POST", "/api/chat", token=token, body=body, headers=key, timeout=60)
    reading = Reading("retry")
    reading.take(retry, "retry with the same key", opens=True)
    print(f"retry with the same key: {retry.status} "
          f"{[(i, e.get('type')) for i, e in zip(retry.ids, retry.events)] or retry.body[:200]!r}")
    stored = (await request(base, "GET", f"/api/v1/conversations/{conversation}/messages", token=token)).json()
    calls = (await provider_turns(provider, turn)).get(turn, {}).get("calls", 0)
    print(f"stored: {[(m['role'], m['id'], m.get('status'), m['content'][:30]) for m in stored]}; model calls: {calls}")

    failures = [f"{kind}: {detail}" for kind, detail in reading.problems]
    if retry.status != 200:
        failures.append(f"the retry answered {retry.status} instead of attaching to the running reply")
    elif (reading.terminal or {}).get("type") != "done":
        failures.append(f"the retry's stream ended with {reading.terminal!r}, not `done`")
    if started is None:
        failures.append("the first attempt saw no `start`")
    elif reading.message_id != started:
        failures.append(f"the retry got message_id {reading.message_id}, the first attempt {started}")
    if reading.text != paced_text(turn, 5):
        failures.append(f"the retry assembled {reading.text!r}, the model said {paced_text(turn, 5)!r}")
    users = [m for m in stored if m["role"] == "user" and f"turn={turn} " in m["content"]]
    replies = [m for m in stored if m["role"] == "assistant"]
    if len(users) != 1 or len(replies) != 1:
        failures.append(f"the turn is stored {len(users)} times (user messages) with {len(replies)} replies")
    elif replies[0]["id"] != started or replies[0]["content"] != reading.text or replies[0].get("status") != "complete":
        failures.append(f"stored reply {replies[0]['id']} {replies[0].get('status')!r} {replies[0]['content']!r} "
                        f"is not the one acknowledged")
    if calls != 1:
        failures.append(f"the model was asked {calls} times")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--provider", required=True, help="scripts/fake_provider.py --faults (for its call count)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.base, args.provider)))
