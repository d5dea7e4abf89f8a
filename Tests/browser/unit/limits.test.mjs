// The page refuses, in words, a message the server would refuse with a 422.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_MESSAGE_LENGTH, lengthOf, tooLong } from "../../../Sources/Parley/Web/Public/limits.js";

test("the limit is the server's: 100 000 code points", () => {
  assert.equal(MAX_MESSAGE_LENGTH, 100_000);
  assert.equal(tooLong("x".repeat(100_000)), null);
  assert.match(tooLong("x".repeat(100_001)), /too long: 100,001 characters.*at most 100,000/);
});

test("characters are counted as the server counts them, not in UTF-16 units", () => {
  assert.equal(lengthOf("😀"), 1);
  assert.equal(tooLong("😀".repeat(100_000)), null); // 200 000 UTF-16 units
});
