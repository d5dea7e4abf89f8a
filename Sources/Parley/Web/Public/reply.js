// Following one reply to its end. A reply belongs to the server, not to the connection that
// asked for it: when a connection drops (a proxy cuts it, the network goes away, the phone
// sleeps) the page waits a little and attaches again after the last event it received, until
// the reply ends. The requests themselves come from the caller (chat.js), so node can test this.

const TERMINAL = new Set(["done", "stopped", "interrupted", "error"]);

/** What has arrived of one reply: the last event id, the text so far, and how it ended. */
export class ReplyLog {
  /** The last event id received, as the server wrote it: sent back as Last-Event-ID. */
  lastID = null;
  #seq = 0; // the same id as a number (ids count the reply's events from 1)
  messageID = null;
  conversationID = null;
  text = "";
  /** The terminal event (done, stopped, interrupted or error), once it came. */
  end = null;

  constructor(messageID = null) {
    this.messageID = messageID;
  }

  /** Takes one event; false for an event already taken (ids only grow, so a resume or a retry
   * that starts over repeats nothing). A terminal event always counts: it holds the whole text. */
  take(id, event) {
    if (this.end) return false;
    const seq = id == null ? NaN : Number(id);
    if (Number.isFinite(seq)) {
      if (seq <= this.#seq && !TERMINAL.has(event.type)) return false;
      this.#seq = Math.max(this.#seq, seq);
      this.lastID = String(this.#seq);
    }
    switch (event.type) {
      case "start":
        this.messageID = event.message_id ?? this.messageID;
        this.conversationID = event.conversation_id ?? this.conversationID;
        break;
      case "delta":
        this.text += event.content ?? "";
        break;
      case "done":
      case "stopped":
      case "interrupted":
        this.text = event.response ?? this.text;
        this.messageID = event.message_id ?? this.messageID;
        this.conversationID = event.conversation_id ?? this.conversationID;
        this.end = event;
        break;
      case "error":
        this.end = event;
        break;
    }
    return true;
  }
}

/** The text to show of a reply that was already partly shown (the stored text at load, say)
 * while its events are assembled again from the start: both are beginnings of the same reply,
 * so the longer one is shown, and nothing shown ever disappears. */
export function textToShow(shown, assembled) {
  return assembled.length >= shown.length ? assembled : shown;
}

/** How long to wait before the attempt after `failures` failed ones: 0.25 s doubling to 10 s,
 * give or take a fifth (`random` in [0, 1)) so many tabs do not come back in step. */
export function backoff(failures, random = Math.random()) {
  const base = Math.min(10_000, 250 * 2 ** failures);
  return Math.round(base * (0.8 + 0.4 * random));
}

/** A connection failure worth trying again: the network, a proxy or a restarting server, not
 * an answer that will not change (404: the reply is gone; 422; 401 ends the session anyway). */
export function transient(error) {
  if (error?.name === "TypeError") return true; // fetch's "network error" while reading the body
  const status = error?.status;
  return status === 0 || status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * Follows a reply until its terminal event. `open(log, signal)` makes one connection and
 * resolves to its events (`{id, data}`); it is called again after each drop, and reads `log`
 * to know where to resume. `onEvent(data, log)` hears each new event once; `onWaiting(true)`
 * when a connection was lost and the next is awaited, `onWaiting(false)` when one is open.
 * `retry(error, log)` decides which failures are worth another attempt (by default the
 * transient ones).
 */
export class Follower {
  #attempt = null; // the AbortController of the current connection
  #wake = null; // ends the current wait early
  #quietSince = 0;

  constructor(log, { open, onEvent = () => {}, onWaiting = () => {}, retry = transient, now = () => Date.now(), sleep = pause }) {
    this.log = log;
    Object.assign(this, { open, onEvent, onWaiting, retry, now, sleep });
  }

  /** Resolves to the log once the reply ended; rejects with the error that cannot be retried,
   * or with an AbortError when `signal` is aborted (leaving the reply to the server). */
  async run(signal) {
    let failures = 0;
    for (;;) {
      signal.throwIfAborted();
      const attempt = new AbortController();
      const abort = () => attempt.abort(signal.reason);
      signal.addEventListener("abort", abort, { once: true });
      this.#attempt = attempt;
      this.#quietSince = this.now();
      try {
        const events = await this.open(this.log, attempt.signal, () => { this.#quietSince = this.now(); });
        if (failures) this.onWaiting(false);
        for await (const { id, data } of events) {
          this.#quietSince = this.now();
          if (!this.log.take(id, data)) continue;
          failures = 0; // only news resets the wait: a server that answers and hangs up is not back
          this.onEvent(data, this.log);
          if (this.log.end) return this.log;
        }
        // The body ended without a terminal event: the connection was cut.
      } catch (error) {
        signal.throwIfAborted();
        // A connection given up on purpose (see nudge) is a drop like any other.
        if (!attempt.signal.aborted && !this.retry(error, this.log)) throw error;
      } finally {
        signal.removeEventListener("abort", abort);
        attempt.abort(); // lets go of a connection left open (a body not read to its end)
        this.#attempt = null;
      }
      this.onWaiting(true);
      await this.sleep(backoff(failures++), signal, (wake) => { this.#wake = wake; });
      this.#wake = null;
    }
  }

  /** The network came back or the page woke up: retry at once if waiting, and give up on a
   * connection that has said nothing for `quietMs` (one a sleeping phone left behind is
   * often still "open" but dead). */
  nudge(quietMs = 15_000) {
    if (this.#wake) this.#wake();
    else if (this.#attempt && this.now() - this.#quietSince >= quietMs) this.#attempt.abort();
  }
}

/** Waits `ms`, or until woken or aborted (then rejects). `onWake` receives the function that wakes it. */
export function pause(ms, signal, onWake = () => {}) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", aborted);
      resolve();
    };
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", aborted, { once: true });
    onWake(done);
  });
}
