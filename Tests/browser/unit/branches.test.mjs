// Versions of a turn: the groups of siblings built from a conversation's whole tree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { branchBefore, versionGroups, versionOf } from "../../../Sources/Parley/Web/Public/branches.js";

// q1 → a1, then a regenerated a1b; q1 edited as q1b (a new root) → a2; a2's follow-up q3 → a3.
const all = [
  { id: "q1", parent_id: null },
  { id: "a1", parent_id: "q1" },
  { id: "a1b", parent_id: "q1" },
  { id: "q1b", parent_id: null },
  { id: "a2", parent_id: "q1b" },
  { id: "q3", parent_id: "a2" },
  { id: "a3", parent_id: "q3" },
];

test("siblings are grouped by parent, in creation order; roots are siblings of each other", () => {
  const groups = versionGroups(all);
  assert.deepEqual(groups.get(""), ["q1", "q1b"]);
  assert.deepEqual(groups.get("q1"), ["a1", "a1b"]);
  assert.deepEqual(groups.get("a2"), ["q3"]);
});

test("a message's place among its versions, with its neighbours", () => {
  const groups = versionGroups(all);
  assert.deepEqual(versionOf(all[0], groups), { index: 1, count: 2, previous: null, next: "q1b" });
  assert.deepEqual(versionOf(all[3], groups), { index: 2, count: 2, previous: "q1", next: null });
  assert.deepEqual(versionOf(all[2], groups), { index: 2, count: 2, previous: "a1", next: null });
  assert.deepEqual(versionOf(all[5], groups), { index: 1, count: 1, previous: null, next: null });
});

test("three versions: the middle one has both neighbours", () => {
  const groups = versionGroups([...all, { id: "a1c", parent_id: "q1" }]);
  assert.deepEqual(versionOf({ id: "a1b", parent_id: "q1" }, groups), { index: 2, count: 3, previous: "a1", next: "a1c" });
});

test("a message the tree does not hold yet (just sent) stands alone; parent_id missing means a root", () => {
  const groups = versionGroups(all);
  assert.deepEqual(versionOf({ id: "new", parent_id: "a3" }, groups), { index: 1, count: 1, previous: null, next: null });
  assert.deepEqual(versionOf({ id: "q1" }, groups), { index: 1, count: 2, previous: null, next: "q1b" });
  assert.deepEqual(versionGroups([]), new Map());
});

test("an edit or a regenerate starts from the branch before the message", () => {
  const branch = [all[0], all[1]];
  assert.deepEqual(branchBefore(branch, all[1]), [all[0]]);
  assert.deepEqual(branchBefore(branch, all[0]), []);
  assert.deepEqual(branchBefore(branch, all[6]), branch);
});
