// Following a reply across dropped connections: ids, resumes, retries, and nothing twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Follower, ReplyLog, backoff, pause, textToShow, transient } from "../../../Sources/Parley/Web/Public/reply.js";

const start = { type: "start", conversation_id: "c", message_id: "m" };
const delta = (content) => ({ type: "delta", content });
const done = (response) => ({ type: "done", message_id: "m", conversation_id: "c", response, model: "fake", usage: null });

test("the log assembles the text, remembers the last id and the ids of the turn", () => {
  const log = new ReplyLog();
  assert.ok(log.take("1", start));
  assert.ok(log.take("2", delta("Hel")));
  assert.ok(log.take("3", delta("lo")));
  assert.deepEqual([log.text, log.lastID, log.messageID, log.conversationID, log.end], ["Hello", "3", "m", "c", null]);
  assert.ok(log.take("4", done("Hello!")));
  assert.equal(log.text, "Hello!"); // the terminal event's whole text wins
  assert.equal(log.end.type, "done");
  assert.equal(log.take("5", delta("late")), false); // nothing after the end
});

test("events repeated by a resume or a replay from the start are taken once", () => {
  const log = new ReplyLog();
  for (const [id, event] of [["1", start], ["2", delta("a")], ["3", delta("b")]]) log.take(id, event);
  assert.equal(log.take("1", start), false);
  assert.equal(log.take("2", delta("a")), false);
  assert.equal(log.take("3", delta("b")), false);
  assert.ok(log.take("4", delta("c")));
  assert.equal(log.text, "abc");
  // A terminal event counts even when its id was seen: it carries the whole text.
  assert.ok(log.take("4", { type: "stopped", message_id: "m", response: "abc" }));
  assert.equal(log.end.type, "stopped");
});

test("ids compare as numbers, not as text; events without an id are always new", () => {
  const log = new ReplyLog();
  log.take("9", delta("a"));
  assert.ok(log.take("10", delta("b")));
  assert.ok(log.take(null, delta("c")));
  assert.deepEqual([log.text, log.lastID], ["abc", "10"]);
});

test("an error ends the reply and keeps no text of its own", () => {
  const log = new ReplyLog("m");
  log.take("1", start);
  log.take("2", delta("par"));
  log.take("3", { type: "error", detail: "the model failed" });
  assert.equal(log.end.detail, "the model failed");
});

test("text shown is never taken back while the start of a reply arrives again", () => {
  assert.equal(textToShow("Hello wor", ""), "Hello wor");
  assert.equal(textToShow("Hello wor", "Hello"), "Hello wor");
  assert.equal(textToShow("Hello wor", "Hello world"), "Hello world");
  assert.equal(textToShow("", "Hi"), "Hi");
});

test("the wait grows from a quarter second to ten, with some jitter", () => {
  assert.equal(backoff(0, 0.5), 250);
  assert.equal(backoff(1, 0.5), 500);
  assert.equal(backoff(10, 0.5), 10_000);
  assert.equal(backoff(50, 0.5), 10_000);
  assert.equal(backoff(0, 0), 200);
  assert.ok(backoff(0, 0.999) <= 300);
});

test("which failures are worth another attempt", () => {
  assert.ok(transient(new TypeError("network error")));
  for (const status of [0, 429, 502, 503, 504]) assert.ok(transient({ status }), String(status));
  for (const status of [400, 401, 404, 409, 422, 500]) assert.ok(!transient({ status }), String(status));
});

/** A connection that yields events, then ends (cleanly, or with an error as a dropped one does). */
async function* connection(events, failure) {
  for (const event of events) yield event;
  if (failure) throw failure;
}

/** A follower whose connections are scripted; it never really waits. */
function scripted(connections, options = {}) {
  const opened = [];
  const waits = [];
  const seen = [];
  const follower = new Follower(new ReplyLog(), {
    open: async (log) => {
      opened.push({ messageID: log.messageID, after: log.lastID });
      const next = connections.shift();
      if (next instanceof Error) throw next;
      return next;
    },
    onEvent: (data, log) => seen.push([data.type, log.text]),
    onWaiting: (waiting) => waits.push(waiting),
    sleep: async () => {},
    ...options,
  });
  return { follower, opened, waits, seen };
}

test("a dropped connection resumes after the last event received, and the text has no gap and no repeat", async () => {
  const { follower, opened, waits, seen } = scripted([
    connection([{ id: "1", data: start }, { id: "2", data: delta("one ") }], new TypeError("network error")),
    new TypeError("Failed to fetch"), // still offline
    // The server sends what follows event 2 (one event repeated, as a careless server might).
    connection([{ id: "2", data: delta("one ") }, { id: "3", data: delta("two ") }, { id: "4", data: done("one two ") }]),
  ]);
  const log = await follower.run(new AbortController().signal);
  assert.equal(log.text, "one two ");
  assert.deepEqual(opened, [{ messageID: null, after: null }, { messageID: "m", after: "2" }, { messageID: "m", after: "2" }]);
  assert.deepEqual(waits, [true, true, false]);
  assert.deepEqual(seen, [["start", ""], ["delta", "one "], ["delta", "one two "], ["done", "one two "]]);
});

test("a connection that ends without a terminal event counts as dropped", async () => {
  const { follower, opened } = scripted([
    connection([{ id: "1", data: start }]),
    connection([{ id: "2", data: { type: "interrupted", message_id: "m", response: "half" } }]),
  ]);
  const log = await follower.run(new AbortController().signal);
  assert.equal(log.end.type, "interrupted");
  assert.equal(log.text, "half");
  assert.equal(opened.length, 2);
});

test("an answer that will not change is not retried", async () => {
  const gone = Object.assign(new Error("Resource not found"), { status: 404 });
  const { follower, opened } = scripted([gone]);
  await assert.rejects(follower.run(new AbortController().signal), /Resource not found/);
  assert.equal(opened.length, 1);
});

test("leaving (abort) ends the follow at once, even while waiting to reconnect", async () => {
  const controller = new AbortController();
  const follower = new Follower(new ReplyLog("m"), {
    open: async () => { throw new TypeError("network error"); },
    onWaiting: (waiting) => { if (waiting) setTimeout(() => controller.abort(), 0); },
  });
  await assert.rejects(follower.run(controller.signal), { name: "AbortError" });
});

test("nudge: a waiting follower retries at once", async () => {
  const controller = new AbortController();
  let opens = 0;
  const follower = new Follower(new ReplyLog("m"), {
    open: async () => {
      opens++;
      if (opens === 1) throw new TypeError("network error");
      return connection([{ id: "1", data: done("ok") }]);
    },
    // The real pause, with a long wait: only the nudge can end it in time.
    sleep: (ms, signal, onWake) => pause(60_000, signal, onWake),
    onWaiting: (waiting) => { if (waiting) setTimeout(() => follower.nudge(), 0); },
  });
  const log = await follower.run(controller.signal);
  assert.equal(log.text, "ok");
  assert.equal(opens, 2);
});

test("nudge: a connection quiet for too long is given up and resumed; a lively one is left alone", async () => {
  let clock = 0;
  let release;
  const opened = [];
  const follower = new Follower(new ReplyLog(), {
    now: () => clock,
    sleep: async () => {},
    open: async (log, signal) => {
      opened.push(log.lastID);
      if (opened.length === 2) return connection([{ id: "3", data: done("a b") }]);
      // The first connection says two things, then hangs until it is given up.
      return (async function* () {
        yield { id: "1", data: start };
        yield { id: "2", data: delta("a ") };
        await new Promise((resolve) => { release = resolve; signal.addEventListener("abort", resolve); });
        throw new DOMException("aborted", "AbortError");
      })();
    },
  });
  const running = follower.run(new AbortController().signal);
  while (!release) await new Promise((resolve) => setTimeout(resolve, 1));
  clock = 1_000;
  follower.nudge(15_000); // it spoke a second ago: kept
  assert.equal(opened.length, 1);
  clock = 20_000;
  follower.nudge(15_000); // silent for 20 s: dropped and resumed after event 2
  const log = await running;
  assert.deepEqual(opened, [null, "2"]);
  assert.equal(log.text, "a b");
});

test("a turn cut before the server named its reply is asked again, and its replay from the start is taken once", async () => {
  const requests = [];
  const follower = new Follower(new ReplyLog(), {
    sleep: async () => {},
    // As chat.js does: the same request (same Idempotency-Key) until the start event, then attach.
    open: async (log) => {
      requests.push(log.messageID ? `attach after ${log.lastID}` : "post");
      if (requests.length === 1) throw Object.assign(new Error("Parley cannot be reached."), { status: 0 });
      if (requests.length === 2) return connection([{ id: "1", data: start }, { id: "2", data: delta("a") }], new TypeError("network error"));
      return connection([{ id: "3", data: delta("b") }, { id: "4", data: done("ab") }]);
    },
  });
  const log = await follower.run(new AbortController().signal);
  assert.deepEqual(requests, ["post", "post", "attach after 2"]);
  assert.equal(log.text, "ab");
});
