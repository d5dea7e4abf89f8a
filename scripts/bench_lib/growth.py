"""The growth scenario for scripts/bench: 1 000 000 messages across 1 000 users, seeded with SQL
(it is a benchmark), then the list and chat paths measured again against the small database."""
import sqlite3
import subprocess
import time
import uuid

USERS, CONVERSATIONS_PER_USER, MESSAGES_PER_CONVERSATION = 1000, 10, 100


def _seed_sqlite(path: str) -> None:
    db = sqlite3.connect(path)
    now = time.time()
    with db:
        for _ in range(USERS):
            user = str(uuid.uuid4()).upper()
            db.execute("INSERT INTO users (id, email, hashed_password, is_active, is_superuser, created_at, token_version) "
                       "VALUES (?, ?, 'x', 1, 0, ?, 0)", (user, f"{user.lower()}@example.com", now))
            for _ in range(CONVERSATIONS_PER_USER):
                conversation = str(uuid.uuid4()).upper()
                db.execute("INSERT INTO conversations (id, user_id, title, created_at, updated_at) VALUES (?, ?, 'seeded', ?, ?)",
                           (conversation, user, now, now))
                db.executemany(
                    "INSERT INTO messages (id, conversation_id, role, content, position, created_at, is_complete) "
                    "VALUES (?, ?, ?, ?, ?, ?, 1)",
                    [(str(uuid.uuid4()).upper(), conversation, "user" if i % 2 == 0 else "assistant",
                      f"seeded message {i}", i, now) for i in range(MESSAGES_PER_CONVERSATION)])
    db.close()


def _seed_postgres(url: str) -> None:
    sql = f"""
    INSERT INTO users (id, email, hashed_password, is_active, is_superuser, created_at, token_version)
      SELECT gen_random_uuid(), 'seed' || u || '@example.com', 'x', true, false, now(), 0 FROM generate_series(1, {USERS}) u;
    INSERT INTO conversations (id, user_id, title, created_at, updated_at)
      SELECT gen_random_uuid(), id, 'seeded', now(), now() FROM users, generate_series(1, {CONVERSATIONS_PER_USER})
      WHERE email LIKE 'seed%';
    INSERT INTO messages (id, conversation_id, role, content, position, created_at, is_complete)
      SELECT gen_random_uuid(), c.id, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END, 'seeded message ' || i, i, now(), true
      FROM conversations c, generate_series(0, {MESSAGES_PER_CONVERSATION - 1}) i WHERE c.title = 'seeded';
    ANALYZE;
    """
    subprocess.run(["psql", url.split("?")[0], "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)


def measure(server, work, database_url: str, ids: dict, get, chat, wrk, args) -> str:
    base, d = server.base, args.seconds
    paths = {
        "list conversations": (base + "/api/v1/conversations/", get),
        "list messages": (f"{base}/api/v1/conversations/{ids['big']}/messages?limit=100", get),
        "chat": (base + "/api/chat", chat),
    }
    small = {name: wrk(url, script, 1, d)["p50"] for name, (url, script) in paths.items()}
    started = time.monotonic()
    if database_url.startswith("sqlite://"):
        _seed_sqlite(database_url.removeprefix("sqlite://"))
    else:
        _seed_postgres(database_url)
    seeded = time.monotonic() - started
    large = {name: wrk(url, script, 1, d)["p50"] for name, (url, script) in paths.items()}
    parts = ", ".join(f"{name} {small[name] * 1000:.2f} → {large[name] * 1000:.2f} ms ({large[name] / small[name] - 1:+.0%})"
                      for name in paths)
    return (f"- Growth (p50 at one connection, before → after seeding {USERS * CONVERSATIONS_PER_USER * MESSAGES_PER_CONVERSATION:,} "
            f"messages across {USERS:,} users in {seeded:.0f} s): {parts}.")
