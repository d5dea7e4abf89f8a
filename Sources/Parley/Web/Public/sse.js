// Reads a text/event-stream body as it arrives. EventSource cannot send a POST with a token, so
// the chat stream is read from fetch() with this small parser of the SSE format.

/** Turns text, fed in pieces of any size, into the `data` of each complete event. */
export class SSEParser {
  #buffer = "";
  #data = [];

  /** Returns the data (lines joined with "\n") of every event the text completes. */
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
      if (this.#data.length) events.push(this.#data.join("\n"));
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    // event, id and retry are not used by Parley's stream.
  }
}

/** Yields each event of a byte stream as parsed JSON. Aborting the fetch ends it with an AbortError. */
export async function* readEvents(body) {
  const parser = new SSEParser();
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const data of parser.push(value)) {
        try {
          yield JSON.parse(data);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new Error("The server sent an event that is not JSON");
        }
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
