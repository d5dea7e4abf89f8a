#!/usr/bin/env python3
"""Time to first token, through Parley and straight from the provider, for the same prompt.
Usage: first_token.py PARLEY_URL TOKEN PROVIDER_V1_URL [runs]"""
import json
import statistics
import sys
import time
import urllib.request


def first_token(url: str, body: dict, headers: dict) -> float:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **headers})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        for line in response:
            line = line.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if event.get("type") == "delta" or any((c.get("delta") or {}).get("content") for c in event.get("choices") or []):
                elapsed = time.perf_counter() - started
                break
        for _ in response:  # let the reply finish before the next run
            pass
    return elapsed


def main() -> None:
    parley, token, provider = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    prompt = [{"role": "user", "content": "Say hello to a new user in one sentence."}]
    through = [first_token(f"{parley}/api/chat", {"messages": prompt, "stream": True, "options": {"max_tokens": 24}},
                           {"Authorization": f"Bearer {token}"}) for _ in range(runs)]
    direct = [first_token(f"{provider}/chat/completions", {"messages": prompt, "stream": True, "max_tokens": 24}, {})
              for _ in range(runs)]
    for name, values in (("through Parley", through), ("provider direct", direct)):
        values.sort()
        print(f"{name:16} median {statistics.median(values) * 1000:7.1f} ms   max {values[-1] * 1000:7.1f} ms   ({runs} runs)")


if __name__ == "__main__":
    main()
