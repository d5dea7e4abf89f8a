"""Seeds the growth scenario straight into a migrated database, by set-based SQL (see
scripts/bench-growth): users, conversations, messages and the search index the server keeps
(`search_entries` plus FTS5's `search_words` on SQLite, the `terms` tsvector on PostgreSQL).

The text comes from 10 000 sentences made here (a Zipf-distributed vocabulary: a few very common
words, a long tail of rare ones, some accented) and put in a temporary table; each message is two
of them, chosen by a hash of its number. Each sentence carries its text as written and its words
as Parley's `SearchText` folds them (letters and digits, lower case, diacritics dropped), so the
index holds exactly what the server would have written (SearchIndex's `perOwner` format): each
folded word with its owner's word in front ("u<32 hex>word"), on SQLite joined by spaces in the
FTS5 body (the owner's word alone in the owner column), on PostgreSQL as lexemes from position 1,
which is what `to_tsvector('simple', ...)` gives for these plain letters-and-digits words.

Ids are UUIDs made from the rows' numbers (a multiplicative hash in front, so they sort in no
useful order, as random ones do); timestamps interleave every conversation, so consecutive
search entries and messages belong to different users, as they do on a live server.
"""
import random
import unicodedata
from dataclasses import dataclass

SENTENCES = 10_000
BASE_TIME = 1_700_000_000  # 2023-11-14


@dataclass
class Plan:
    users: int = 100                 # ordinary users, each with:
    conversations_per_user: int = 100
    messages_per_conversation: int = 100
    many_conversations: int = 10_000  # one more user with this many conversations…
    many_messages: int = 2            # …of this many messages each
    export_conversations: int = 1_000  # one more user whose account export is measured…
    export_messages: int = 100          # …with this many messages in each conversation

    @property
    def regular_conversations(self) -> int:
        return self.users * self.conversations_per_user

    @property
    def conversations(self) -> int:
        return self.regular_conversations + self.many_conversations + self.export_conversations

    @property
    def messages(self) -> int:
        return (self.regular_conversations * self.messages_per_conversation + self.many_conversations * self.many_messages
                + self.export_conversations * self.export_messages)

    @property
    def max_messages(self) -> int:
        return max(self.messages_per_conversation, self.many_messages, self.export_messages)

    # Users 0…users-1 are ordinary; `users` has many conversations; `users + 1` is exported.
    @property
    def many_user(self) -> int:
        return self.users

    @property
    def export_user(self) -> int:
        return self.users + 1


# --- text -------------------------------------------------------------------------------------

COMMON = ("the and to of a in is it you that for on with this be are as have not but can what "
          "was will your at or from an if my do all we about so how there one would they me like "
          "just which when time make some use code could know also then think").split()
ACCENTED = ["café", "naïve", "crème", "brûlée", "über", "résumé", "façade", "jalapeño", "smörgåsbord", "déjà"]
ONSETS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "pr", "r", "s", "st", "t", "tr", "v", "z", "br", "ch", "sh", "th"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
CODAS = ["", "", "", "n", "r", "s", "l", "t", "m", "x"]


def fold_words(text: str) -> list[str]:
    """Parley's SearchText.words(in:).map(\\.folded): runs of letters, marks and digits, folded."""
    def is_word(ch: str) -> bool:
        if ch.isascii():
            return ch.isalnum()
        return unicodedata.category(ch) in {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Co"}

    words, current = [], []
    for ch in text + " ":
        if is_word(ch):
            current.append(ch)
            continue
        if current and len(current) <= 100:
            word = "".join(current)
            if not word.isascii():
                word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
            if word:
                words.append(word.lower())
        current = []
    return words


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words, seen = list(COMMON), set(COMMON)
    while len(words) < size:
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    # Accented words among the middling ones, so folding matters to some searches.
    for index, word in enumerate(ACCENTED):
        words.insert(200 + index * 37, word)
    return words


@dataclass
class Sentence:
    text: str
    folded: str
    title: str
    title_folded: str


def sentences(seed: int = 12) -> tuple[list[Sentence], list[str]]:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    out = []
    for _ in range(SENTENCES):
        words = rng.choices(vocab, weights, k=rng.randint(8, 24))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words)), str(rng.randint(2, 2048)))
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        if len(words) > 10:
            cut = rng.randrange(4, len(words) - 4)
            text = " ".join(text.split(" ")[:cut]) + ", " + " ".join(text.split(" ")[cut:])
        text += rng.choice([".", ".", ".", "?", "!"])
        title = " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(words[:rng.randint(3, 6)]))
        out.append(Sentence(text, " ".join(fold_words(text)), title, " ".join(fold_words(title))))
    return out, vocab


# --- SQL --------------------------------------------------------------------------------------

def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _uuid(dialect: str, number: str, tag: int) -> str:
    """A UUID from a row's number: a multiplicative hash of it first (a bijection on 32 bits), the
    table's tag and the number itself last, so every id is distinct."""
    mix = f"(({number}) * 2654435761) % 4294967296"
    if dialect == "sqlite":
        return f"printf('%08X-0000-4000-8000-%012X', {mix}, {tag << 40} + ({number}))"
    return (f"CAST(lpad(to_hex({mix}), 8, '0') || '-0000-4000-8000-' || lpad(to_hex({tag << 40}::bigint + ({number})), 12, '0') AS uuid)")


def _owner_word(dialect: str, user_id: str) -> str:
    return f"'u' || lower(replace(CAST({user_id} AS text), '-', ''))"


def script(dialect: str, plan: Plan, password_hash: str, sample_words: list[str]) -> str:
    """The whole seeding as one SQL script for `dialect` ("sqlite" or "postgres"). It ends with a
    SELECT per sample word: how many of user 0's entries hold it, to check searches against."""
    sqlite = dialect == "sqlite"
    text, _ = sentences()
    true, false = ("1", "0") if sqlite else ("true", "false")

    def ts(seconds: str) -> str:
        return f"({seconds})" if sqlite else f"to_timestamp({seconds})"

    def series(name: str, first: int, last: int) -> str:
        if sqlite:
            return (f"CREATE TEMP TABLE {name}(n INTEGER PRIMARY KEY);\n"
                    f"WITH RECURSIVE r(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM r WHERE n < {last}) "
                    f"INSERT INTO {name} SELECT n FROM r;\n")
        return f"CREATE TEMP TABLE {name} AS SELECT n FROM generate_series({first}, {last}) n;\n"

    out = []
    if sqlite:
        out.append("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; "
                   "PRAGMA temp_store = MEMORY;\n")
    else:
        out.append("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'; SET work_mem = '64MB';\n")
    out.append("BEGIN;\n")
    out.append("CREATE TEMP TABLE s(n INTEGER PRIMARY KEY, text TEXT NOT NULL, folded TEXT NOT NULL, "
               "title TEXT NOT NULL, title_folded TEXT NOT NULL);\n")
    for start in range(0, len(text), 500):
        rows = ",".join(f"({start + i},{_quote(s.text)},{_quote(s.folded)},{_quote(s.title)},{_quote(s.title_folded)})"
                        for i, s in enumerate(text[start:start + 500]))
        out.append(f"INSERT INTO s VALUES {rows};\n")

    # Conversations 0… : the ordinary users' (user = n % users), then the many-user's, then the
    # exported user's. `t0` is the conversation's first time slot; message p of it is at slot
    # p * conversations + n, so every conversation advances in step.
    p, c = plan, plan.conversations
    r, m = p.regular_conversations, p.regular_conversations + p.many_conversations
    out.append(series("cn", 0, c - 1))
    out.append(series("pn", 0, p.max_messages - 1))
    out.append(series("un", 0, p.users + 1))
    out.append(f"""CREATE TEMP TABLE conv AS SELECT n,
        CASE WHEN n < {r} THEN n % {p.users} WHEN n < {m} THEN {p.many_user} ELSE {p.export_user} END AS u,
        CASE WHEN n < {r} THEN {p.messages_per_conversation} WHEN n < {m} THEN {p.many_messages} ELSE {p.export_messages} END AS k
        FROM cn;\n""")
    user_id = _uuid(dialect, "u.n", 1)
    out.append(f"""INSERT INTO users (id, email, hashed_password, is_active, is_superuser, created_at, token_version)
        SELECT {user_id}, 'growth' || u.n || '@example.com', {_quote(password_hash)}, {true}, {false}, {ts(BASE_TIME - 86400)}, 0
        FROM un u;\n""")
    conv_id, last_message = _uuid(dialect, "v.n", 2), _uuid(dialect, f"v.n * 128 + v.k - 1", 3)
    out.append(f"""INSERT INTO conversations (id, user_id, title, created_at, updated_at, current_message_id)
        SELECT {conv_id}, {_uuid(dialect, 'v.u', 1)}, s.title, {ts(f'{BASE_TIME} + v.n')}, {ts(f'{BASE_TIME} + (v.k - 1) * {c} + v.n')},
               {last_message}
        FROM conv v JOIN s ON s.n = (v.n * 7 + 3) % {SENTENCES};\n""")
    # Every message: key = its search entry's key (even: messages; odd: titles), in time order.
    mkey = "2 * (pn.n * {c} + v.n) + 2".format(c=c)
    out.append(f"""CREATE TEMP TABLE msg AS SELECT v.n AS cn, pn.n AS p, v.u AS u, {mkey} AS key,
        ((v.n * 128 + pn.n) * 2654435761) % 4294967296 % {SENTENCES} AS a,
        ((v.n * 128 + pn.n) * 2246822519) % 4294967296 % {SENTENCES} AS b
        FROM conv v JOIN pn ON pn.n < v.k;\n""")
    message_id = _uuid(dialect, "g.cn * 128 + g.p", 3)
    parent_id = f"CASE WHEN g.p = 0 THEN NULL ELSE {_uuid(dialect, 'g.cn * 128 + g.p - 1', 3)} END"
    out.append(f"""INSERT INTO messages (id, conversation_id, parent_id, role, content, position, created_at, is_complete,
            status, on_branch, model)
        SELECT {message_id}, {_uuid(dialect, 'g.cn', 2)}, {parent_id},
               CASE WHEN g.p % 2 = 0 THEN 'user' ELSE 'assistant' END, sa.text || ' ' || sb.text, g.p,
               {ts(f'{BASE_TIME} + g.p * {c} + g.cn')}, {true}, 'complete', {true},
               CASE WHEN g.p % 2 = 0 THEN NULL ELSE 'fake' END
        FROM msg g JOIN s sa ON sa.n = g.a JOIN s sb ON sb.n = g.b ORDER BY g.key;\n""")
    # The search index: titles (odd keys, at their conversation's first slot) and messages.
    entries = f"""SELECT 2 * v.n + 1 AS key, v.u AS u, v.n AS cn, NULL AS mn, s.title_folded AS body
            FROM conv v JOIN s ON s.n = (v.n * 7 + 3) % {SENTENCES}
        UNION ALL
        SELECT g.key, g.u, g.cn, g.cn * 128 + g.p, sa.folded || ' ' || sb.folded
            FROM msg g JOIN s sa ON sa.n = g.a JOIN s sb ON sb.n = g.b"""
    entry_message = "CASE WHEN e.mn IS NULL THEN NULL ELSE {} END".format(_uuid(dialect, "e.mn", 3))
    if sqlite:
        out.append(f"""INSERT INTO search_entries (key, user_id, conversation_id, message_id)
            SELECT e.key, {_uuid(dialect, 'e.u', 1)}, {_uuid(dialect, 'e.cn', 2)}, {entry_message}
            FROM ({entries}) e ORDER BY e.key;\n""")
        out.append(f"""INSERT INTO search_words (rowid, owner, body)
            SELECT e.key, o.w, o.w || replace(e.body, ' ', ' ' || o.w)
            FROM ({entries}) e JOIN (SELECT u.n, {_owner_word(dialect, _uuid(dialect, 'u.n', 1))} AS w FROM un u) o ON o.n = e.u
            ORDER BY e.key;\n""")
    else:
        out.append(f"""INSERT INTO search_entries (key, user_id, conversation_id, message_id, terms)
            SELECT e.key, {_uuid(dialect, 'e.u', 1)}, {_uuid(dialect, 'e.cn', 2)}, {entry_message},
                   to_tsvector('simple', o.w || replace(e.body, ' ', ' ' || o.w))
            FROM ({entries}) e JOIN (SELECT u.n, {_owner_word(dialect, _uuid(dialect, 'u.n', 1))} AS w FROM un u) o ON o.n = e.u
            ORDER BY e.key;\n""")
        out.append("SELECT setval(pg_get_serial_sequence('search_entries', 'key'), (SELECT max(key) FROM search_entries));\n")
    out.append("COMMIT;\n")
    # What searches for the sample words must count for user 0 (whole words; titles included).
    for word in sample_words:
        out.append(f"""SELECT {_quote(word)}, COUNT(*) FROM ({entries}) e
            WHERE e.u = 0 AND ' ' || e.body || ' ' LIKE {_quote('% ' + word + ' %')};\n""")
    if sqlite:
        out.append("PRAGMA journal_mode = WAL; ANALYZE;\n")
    else:
        out.append("VACUUM ANALYZE;\n")
    return "".join(out)


def email(user: int) -> str:
    return f"growth{user}@example.com"
