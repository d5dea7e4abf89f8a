// Conversation titles are shown without the Markdown marks of the message they came from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { plainTitle } from "../../../Sources/Parley/Web/Public/titles.js";

test("a heading's hashes go, on both sides", () => {
  assert.equal(plainTitle("# Heading ##"), "Heading");
  assert.equal(plainTitle("### A smaller heading"), "A smaller heading");
  // The server joins a message's lines: the heading's line, then the text under it.
  assert.equal(plainTitle("# Heading ## and the question under it"), "Heading and the question under it");
});

test("emphasis, code and links become their text", () => {
  assert.equal(plainTitle("**Bold** idea with *stress* and `code`"), "Bold idea with stress and code");
  assert.equal(plainTitle("Read [the docs](https://example.com) first"), "Read the docs first");
  assert.equal(plainTitle("> a quoted question"), "a quoted question");
  assert.equal(plainTitle("- a list item"), "a list item");
});

test("what only looks like marks stays", () => {
  assert.equal(plainTitle("snake_case_name and 2 * 3 * 4"), "snake_case_name and 2 * 3 * 4");
  assert.equal(plainTitle("C# or F#?"), "C# or F#?");
  assert.equal(plainTitle("#hashtag"), "#hashtag");
  assert.equal(plainTitle("###"), "###"); // nothing else to show
  assert.equal(plainTitle("שלום עולם"), "שלום עולם");
});
