// The conversation list's date groups, in the reader's own calendar. Run with TZ unset or set:
// every time here is built from local dates, as the page sees them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dateGroup, groupByDate } from "../../../Sources/Parley/Web/Public/dates.js";

const local = (day, hours = 12, minutes = 0) => new Date(2026, 10, day, hours, minutes);

test("today, yesterday, the 7 days before, and older, by calendar day", () => {
  const now = local(20, 9, 30);
  assert.equal(dateGroup(local(20, 0, 1), now), "Today");
  assert.equal(dateGroup(local(19, 23, 59), now), "Yesterday");
  assert.equal(dateGroup(local(19, 0, 0), now), "Yesterday");
  assert.equal(dateGroup(local(18, 23, 0), now), "Previous 7 days");
  assert.equal(dateGroup(local(13, 0, 0), now), "Previous 7 days");
  assert.equal(dateGroup(local(12, 23, 59), now), "Older");
  assert.equal(dateGroup(new Date(2020, 0, 1), now), "Older");
});

test("the server's UTC text is read as a time, and placed in the local day", () => {
  const now = local(20, 9, 30);
  assert.equal(dateGroup(local(20, 0, 1).toISOString(), now), "Today");
  assert.equal(dateGroup(local(19, 23, 59).toISOString(), now), "Yesterday");
});

test("a time from a clock ahead is today; one that cannot be read is older", () => {
  const now = local(20, 9, 30);
  assert.equal(dateGroup(local(21, 8), now), "Today");
  assert.equal(dateGroup("not a time", now), "Older");
  assert.equal(dateGroup(undefined, now), "Older");
});

test("days are counted across a change of month and year", () => {
  assert.equal(dateGroup(new Date(2026, 11, 31, 22), new Date(2027, 0, 1, 1)), "Yesterday");
  assert.equal(dateGroup(new Date(2026, 1, 28), new Date(2026, 2, 7)), "Previous 7 days");
  assert.equal(dateGroup(new Date(2026, 1, 27), new Date(2026, 2, 7)), "Older");
});

test("a list newest first becomes its groups in order, each heading once", () => {
  const now = local(20, 9, 30);
  const item = (id, time) => ({ id, updated_at: time.toISOString() });
  const items = [item("a", local(20, 9)), item("b", local(20, 1)), item("c", local(19)), item("d", local(15)),
                 item("e", local(1)), item("f", local(2))];
  const runs = groupByDate(items, now);
  assert.deepEqual(runs.map((run) => [run.label, run.items.map((one) => one.id)]),
                   [["Today", ["a", "b"]], ["Yesterday", ["c"]], ["Previous 7 days", ["d"]], ["Older", ["e", "f"]]]);
  // Out of order (pieces read at different moments): a group is still shown once.
  const mixed = groupByDate([item("a", local(20)), item("e", local(1)), item("b", local(20, 2))], now);
  assert.deepEqual(mixed.map((run) => [run.label, run.items.map((one) => one.id)]), [["Today", ["a", "b"]], ["Older", ["e"]]]);
  assert.deepEqual(groupByDate([], now), []);
});
