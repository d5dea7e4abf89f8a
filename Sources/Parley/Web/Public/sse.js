// Reads a text/event-stream body as it arrives. EventSource cannot send a POST with a token, so
// the chat stream is read from fetch() with this small parser of the SSE format.

/** Turns text, fed in pieces of any size, into complete events: `{id, data}`. */
export class SSEParser {
  #buffer = "";
  #data = [];
  #id = null;
  /** The last `id:` seen, kept across events as the SSE standard keeps it: what to resume after. */
  lastEventId = null;

  /** Returns every event the text completes: its data (lines joined with "\n") and the id it
   * carried itself (null without an `id:` line, so a caller never takes an old id for a new one). */
  push(text) {
    this.#buffer += text;
    const events = [];
    // A "\r" at the very end may be the first half of "\r\n": wait for the next piece.
    const lineEnd = /\r\n|\n|\r(?!$)/;
    let match;
    while ((match = lineEnd.exec(this.#buffer))) {
      this.#line(this.#buffer.slice(0, match.index), events);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
    }
    return events;
  }

  #line(line, events) {
    if (line === "") {
      if (this.#data.length) events.push({ id: this.#id, data: this.#data.join("\n") });
      this.#data = [];
      this.#id = null;
      return;
    }
    if (line.startsWith(":")) return; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "id" && !value.includes("\0")) this.#id = this.lastEventId = value;
    // event and retry are not used by Parley's stream.
  }
}

/** Yields each event of a byte stream as `{id, data}`, the data parsed as JSON. `onBytes` hears
 * of every piece that arrives (keep-alive comments too), so a caller can tell a quiet connection
 * from a dead one. Aborting the fetch ends it with an AbortError. */
export async function* readEvents(body, { onBytes = () => {} } = {}) {
  const parser = new SSEParser();
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onBytes();
      for (const { id, data } of parser.push(value)) {
        let parsed;
        try {
          parsed = JSON.parse(data);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new Error("The server sent an event that is not JSON");
        }
        yield { id, data: parsed };
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
