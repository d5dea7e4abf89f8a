#!/usr/bin/env python3
"""Two failed turns after an acknowledged one must leave the acknowledged one where it was.

    branch_after_failure.py --base URL

Needs Parley with a short LLM_TIMEOUT_SECONDS (3) and scripts/fake_provider.py --faults as its model.
In one conversation: turn A is answered (200); turn B is streamed and its client leaves after
`start` (the reply goes on: API.md), then its model stalls ("fault=hang_mid"), so B fails and is
removed 3 s later; a second after B, while B still runs, turn C is sent (a tab that did not wait)
and fails too ("fault=hang"), a second after B's removal. Failed
turns store nothing (API.md), so afterwards the conversation must read exactly A: GET …/messages
lists A's two messages, and the conversation's current_message_id is A's reply (not a removed
message). Exits 1 otherwise, printing the requests' answers. Takes about 9 s.
"""
import argparse
import asyncio
import sys
import uuid

from http_client import request
from replies import sign_up


async def main(base: str) -> int:
    run = uuid.uuid4().hex[:6]
    token = await sign_up(base, f"branch-{run}@example.com", "branch-password")
    conversation = (await request(base, "POST", "/api/v1/conversations/", token=token, body={"title": "branch"})).json()["id"]

    def chat(text: str, stream: bool) -> dict:
        body = {"conversation_id": conversation, "messages": [{"role": "user", "content": f"turn={run}-{text} Hello"}]}
        return {**body, "stream": True} if stream else body

    a = await request(base, "POST", "/api/chat", token=token, body=chat("A", False))
    print(f"A: POST /api/chat -> {a.status} {a.body[:120].decode('utf-8', 'replace')}")
    b = await request(base, "POST", "/api/chat", token=token, body=chat("B fault=hang_mid", True), cut_when=lambda e: True)
    print(f"B: POST /api/chat (stream; the client leaves after start) -> {b.status} {b.events}")
    await asyncio.sleep(1)  # C fails a second after B: B is removed first, then C
    c = await request(base, "POST", "/api/chat", token=token, body=chat("C fault=hang", True), timeout=30)
    print(f"C: POST /api/chat (stream) -> {c.status} {[(i, e.get('type'), e.get('detail')) for i, e in zip(c.ids, c.events)]}")
    await asyncio.sleep(4)  # B's model has stalled past LLM_TIMEOUT_SECONDS by now: B failed and was removed
    shown = await request(base, "GET", f"/api/v1/conversations/{conversation}", token=token)
    listed = await request(base, "GET", f"/api/v1/conversations/{conversation}/messages", token=token)
    every = await request(base, "GET", f"/api/v1/conversations/{conversation}/messages?branch=all", token=token)
    current = shown.json().get("current_message_id")
    print(f"GET /api/v1/conversations/{{id}} -> current_message_id {current}")
    print(f"GET …/messages -> X-Total-Count {listed.headers.get('x-total-count')}: "
          f"{[(m['role'], m['content'][:24]) for m in listed.json()]}")
    print(f"GET …/messages?branch=all -> X-Total-Count {every.headers.get('x-total-count')}: "
          f"{[(m['role'], m['content'][:24]) for m in every.json()]}")
    failures = []
    if a.status != 200:
        failures.append(f"turn A answered {a.status}")
    elif [m["id"] for m in listed.json()][-1:] != [a.json()["message_id"]] or len(listed.json()) != 2:
        failures.append("the conversation does not read A's two messages: the acknowledged turn is hidden or lost")
    if a.status == 200 and current != a.json()["message_id"]:
        failures.append(f"current_message_id {current} is not A's reply {a.json()['message_id']}")
    if len(every.json()) != 2:
        failures.append(f"?branch=all holds {len(every.json())} messages: a failed turn was stored")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    sys.exit(asyncio.run(main(parser.parse_args().base)))
