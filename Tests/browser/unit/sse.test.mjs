// The chat page's SSE reader: events split anywhere, comments, line endings, bad data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SSEParser, readEvents } from "../../../Sources/Parley/Web/Public/sse.js";

/** The data of each event a piece of text completes. */
const data = (parser, text) => parser.push(text).map((event) => event.data);

test("one event per blank line; comments are skipped", () => {
  const parser = new SSEParser();
  assert.deepEqual(data(parser, ': keep-alive\n\ndata: {"a":1}\n\ndata: {"b":2}\n\n'), ['{"a":1}', '{"b":2}']);
});

test("an event split at every possible point comes out whole, once", () => {
  const stream = 'data: {"type":"delta","content":"Hé"}\r\n\r\n: ping\n\ndata: {"type":"done"}\n\n';
  for (let cut = 0; cut <= stream.length; cut++) {
    const parser = new SSEParser();
    const events = [...data(parser, stream.slice(0, cut)), ...data(parser, stream.slice(cut))];
    assert.deepEqual(events, ['{"type":"delta","content":"Hé"}', '{"type":"done"}'], `cut at ${cut}`);
  }
});

test("CR, LF and CRLF line endings; a CR at the end of a piece waits for a possible LF", () => {
  const parser = new SSEParser();
  assert.deepEqual(data(parser, "data: a\r"), []);
  assert.deepEqual(data(parser, "\n\r\ndata: b\r\r"), ["a"]);
  assert.deepEqual(data(parser, "data: c\n\n"), ["b", "c"]);
});

test("each event carries its own id; the last id seen is kept for resuming", () => {
  const parser = new SSEParser();
  assert.equal(parser.lastEventId, null);
  assert.deepEqual(parser.push("id: 1\ndata: a\n\ndata: b\n\nid:2\n"), [{ id: "1", data: "a" }, { id: null, data: "b" }]);
  assert.equal(parser.lastEventId, "2"); // an id line counts as soon as it is read
  assert.deepEqual(parser.push("data: c\n\n: keep-alive\n\nid: 3\n\n"), [{ id: "2", data: "c" }]);
  assert.equal(parser.lastEventId, "3"); // an event without data is not delivered, its id still counts
  parser.push("id: 4\0\ndata: d\n\n"); // an id holding NUL is ignored, as the standard says
  assert.equal(parser.lastEventId, "3");
});

test("several data lines join with newlines; the space after the colon is optional; other fields are ignored", () => {
  const parser = new SSEParser();
  assert.deepEqual(data(parser, "event: x\nid: 3\ndata:one\ndata:  two\nretry: 10\n\n"), ["one\n two"]);
});

test("an event without its blank line is not delivered", () => {
  const parser = new SSEParser();
  assert.deepEqual(data(parser, 'data: {"cut":true}\n'), []);
});

function bytes(...pieces) {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(typeof piece === "string" ? encoder.encode(piece) : piece);
      controller.close();
    },
  });
}

test("readEvents decodes bytes (a UTF-8 character split between pieces) and parses JSON", async () => {
  const encoded = new TextEncoder().encode('data: {"content":"€"}\n\n');
  const split = encoded.indexOf(0xe2) + 1; // inside the three bytes of "€"
  const events = [];
  let pieces = 0;
  const stream = bytes('id: 1\ndata: {"type":"start"}\n\n', ": keep-alive\n\n", encoded.slice(0, split), encoded.slice(split));
  for await (const event of readEvents(stream, { onBytes: () => pieces++ })) {
    events.push(event);
  }
  assert.deepEqual(events, [{ id: "1", data: { type: "start" } }, { id: null, data: { content: "€" } }]);
  assert.equal(pieces, 4); // the keep-alive counts as a sign of life
});

test("readEvents rejects data that is not JSON", async () => {
  await assert.rejects(async () => {
    for await (const _ of readEvents(bytes("data: not json\n\n")));
  }, /not JSON/);
});
