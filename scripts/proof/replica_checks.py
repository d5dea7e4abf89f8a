#!/usr/bin/env python3
"""What must hold across two Parley replicas sharing one PostgreSQL database:

    replica_checks.py --a http://127.0.0.1:A --b http://127.0.0.1:B --login-limit N

  idempotency   the same Idempotency-Key and body sent to both replicas at once is answered once:
                both 200 with the same message_id (the second attaches to the running reply, API.md;
                no 409), stored once; a later retry on either replays it; another body with the key
                is 409.
  revocation    a password changed through B kills a token A issued, at once.
  login limit   failed logins for one email spread over both replicas: how many does each allow?
                (LOGIN_RATE_LIMIT is counted per process by design: reported, not failed.)
Prints what it saw; exits 1 when idempotency or revocation does not hold.
"""
import argparse
import asyncio
import sys
import uuid

from http_client import request


async def user(base: str, email: str, password: str) -> str:
    signup = await request(base, "POST", "/api/v1/users/signup", body={"email": email, "password": password})
    assert signup.status == 201, (signup.status, signup.body)
    return await login(base, email, password)


async def login(base: str, email: str, password: str) -> str:
    response = await request(base, "POST", "/token", form=f"username={email.replace('@', '%40')}&password={password}")
    assert response.status == 200, (response.status, response.body)
    return response.json()["access_token"]


def show(response) -> str:
    body = response.body[:160].decode("utf-8", "replace")
    return f"{response.status} {body}"


async def idempotency(a: str, b: str) -> bool:
    token = await user(a, f"idem-{uuid.uuid4().hex[:6]}@example.com", "idempotency-password")
    conversation = (await request(a, "POST", "/api/v1/conversations/", token=token, body={"title": "idem"})).json()["id"]
    body = {"conversation_id": conversation, "messages": [{"role": "user", "content": "turn=idem-1 once, please"}]}
    key = {"Idempotency-Key": f"idem-{uuid.uuid4()}"}
    first, second = await asyncio.gather(
        request(a, "POST", "/api/chat", token=token, body=body, headers=key),
        request(b, "POST", "/api/chat", token=token, body=body, headers=key))
    print(f"  same key and body at once: A -> {show(first)}\n                             B -> {show(second)}")
    retry_a = await request(a, "POST", "/api/chat", token=token, body=body, headers=key)
    retry_b = await request(b, "POST", "/api/chat", token=token, body=body, headers=key)
    other = await request(b, "POST", "/api/chat", token=token, body={**body, "messages": [
        {"role": "user", "content": "turn=idem-2 another body"}]}, headers=key)
    messages = (await request(b, "GET", f"/api/v1/conversations/{conversation}/messages", token=token)).json()
    ids = {r.json().get("message_id") for r in (first, second, retry_a, retry_b) if r.status == 200}
    print(f"  retry on A -> {retry_a.status}, retry on B -> {retry_b.status}, message_ids answered: {len(ids)}; "
          f"same key, other body -> {show(other)}; stored messages: {len(messages)}")
    ok = (len(ids) == 1 and len(messages) == 2 and other.status == 409 and retry_a.status == retry_b.status == 200
          and first.status == second.status == 200)
    print(f"  idempotency across replicas: {'holds' if ok else 'DOES NOT HOLD'}")
    return ok


async def revocation(a: str, b: str) -> bool:
    email = f"revoke-{uuid.uuid4().hex[:6]}@example.com"
    token = await user(a, email, "old-password-1")
    before = await request(b, "GET", "/api/v1/users/me", token=token)
    change = await request(b, "PATCH", "/api/v1/users/me/password", token=token,
                           body={"current_password": "old-password-1", "new_password": "new-password-2"})
    after_a = await request(a, "GET", "/api/v1/users/me", token=token)
    after_b = await request(b, "GET", "/api/v1/users/me", token=token)
    fresh = await login(a, email, "new-password-2")
    works = await request(b, "GET", "/api/v1/users/me", token=fresh)
    print(f"  token from A used on B: {before.status}; password changed on B: {change.status}; the old token then: "
          f"A -> {show(after_a)}, B -> {after_b.status}; a new login on A works on B: {works.status}")
    ok = before.status == 200 and change.status == 200 and after_a.status == after_b.status == 401 and works.status == 200
    print(f"  token revocation across replicas: {'holds' if ok else 'DOES NOT HOLD'}")
    return ok


async def login_limit(a: str, b: str, limit: int) -> None:
    email = f"limit-{uuid.uuid4().hex[:6]}@example.com"
    await user(a, email, "the-right-password")
    allowed = {}
    for name, base in (("A", a), ("B", b)):
        allowed[name] = 0
        for _ in range(limit * 3):
            response = await request(base, "POST", "/token", form=f"username={email.replace('@', '%40')}&password=wrong-password")
            if response.status == 429:
                break
            allowed[name] += 1
    total = allowed["A"] + allowed["B"]
    print(f"  LOGIN_RATE_LIMIT={limit}: wrong passwords answered 400 before 429: on A {allowed['A']}, then on B "
          f"{allowed['B']} more (total {total}: {'shared across replicas' if total <= limit else 'counted per process'})")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--login-limit", type=int, required=True)
    args = parser.parse_args()
    print("\n== across replicas ==")
    ok = await idempotency(args.a, args.b)
    ok = await revocation(args.a, args.b) and ok
    await login_limit(args.a, args.b, args.login_limit)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
