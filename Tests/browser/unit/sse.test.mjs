// The chat page's SSE reader: events split anywhere, comments, line endings, bad data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SSEParser, readEvents } from "../../../Sources/Parley/Web/Public/sse.js";

test("one event per blank line; comments are skipped", () => {
  const parser = new SSEParser();
  assert.deepEqual(parser.push(': keep-alive\n\ndata: {"a":1}\n\ndata: {"b":2}\n\n'), ['{"a":1}', '{"b":2}']);
});

test("an event split at every possible point comes out whole, once", () => {
  const stream = 'data: {"type":"delta","content":"Hé"}\r\n\r\n: ping\n\ndata: {"type":"done"}\n\n';
  for (let cut = 0; cut <= stream.length; cut++) {
    const parser = new SSEParser();
    const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
    assert.deepEqual(events, ['{"type":"delta","content":"Hé"}', '{"type":"done"}'], `cut at ${cut}`);
  }
});

test("CR, LF and CRLF line endings; a CR at the end of a piece waits for a possible LF", () => {
  const parser = new SSEParser();
  assert.deepEqual(parser.push("data: a\r"), []);
  assert.deepEqual(parser.push("\n\r\ndata: b\r\r"), ["a"]);
  assert.deepEqual(parser.push("data: c\n\n"), ["b", "c"]);
});

test("several data lines join with newlines; the space after the colon is optional; other fields are ignored", () => {
  const parser = new SSEParser();
  assert.deepEqual(parser.push("event: x\nid: 3\ndata:one\ndata:  two\nretry: 10\n\n"), ["one\n two"]);
});

test("an event without its blank line is not delivered", () => {
  const parser = new SSEParser();
  assert.deepEqual(parser.push('data: {"cut":true}\n'), []);
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
  for await (const event of readEvents(bytes('data: {"type":"start"}\n\n', encoded.slice(0, split), encoded.slice(split)))) {
    events.push(event);
  }
  assert.deepEqual(events, [{ type: "start" }, { content: "€" }]);
});

test("readEvents rejects data that is not JSON", async () => {
  await assert.rejects(async () => {
    for await (const _ of readEvents(bytes("data: not json\n\n")));
  }, /not JSON/);
});
