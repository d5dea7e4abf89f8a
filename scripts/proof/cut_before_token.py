#!/usr/bin/env python3
"""A streamed turn whose client leaves before the model's first token, retried with its key.

    cut_before_token.py --base URL

Needs Parley with LLM_TIMEOUT_SECONDS above the 15 s SSE keep-alive, and the fault provider: the
model stays silent ("fault=hang"), the client hangs up right after `start`, the keep-alive write
finds it gone, and Parley stores the turn as cut short. The client then retries with the same
Idempotency-Key. Whatever the retry answers, an acknowledged message_id must be a stored
message (the load test's rule); exits 1 when it is not. Takes about 20 s.
"""
import argparse
import asyncio
import sys

from http_client import request


async def main(base: str) -> int:
    await request(base, "POST", "/api/v1/users/signup", body={"email": "cut@example.com", "password": "cut-password"})
    token = (await request(base, "POST", "/token", form="username=cut%40example.com&password=cut-password")).json()["access_token"]
    conversation = (await request(base, "POST", "/api/v1/conversations/", token=token, body={"title": "cut"})).json()["id"]
    body = {"conversation_id": conversation, "stream": True,
            "messages": [{"role": "user", "content": "turn=cut-before-token fault=hang Hello"}]}
    key = {"Idempotency-Key": "cut-before-token-1"}
    first = await request(base, "POST", "/api/chat", token=token, body=body, headers=key,
                          cut_when=lambda events: events[-1].get("type") == "start")
    print(f"first attempt: hung up after {[e['type'] for e in first.events]}")
    await asyncio.sleep(18)  # past the 15 s keep-alive that notices the client is gone
    retry = await request(base, "POST", "/api/chat", token=token, body=body, headers=key, timeout=60)
    last = retry.events[-1] if retry.events else retry.json()
    stored = (await request(base, "GET", f"/api/v1/conversations/{conversation}/messages", token=token)).json()
    print(f"retry with the same key: {retry.status} {last}")
    print(f"stored: {[(m['role'], m['id'], m['content'][:30]) for m in stored]}")
    if retry.status == 200 and last.get("type") == "done" and last["message_id"] not in {m["id"] for m in stored}:
        print("FAIL: the retry acknowledged a message_id that is not stored")
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    sys.exit(asyncio.run(main(parser.parse_args().base)))
