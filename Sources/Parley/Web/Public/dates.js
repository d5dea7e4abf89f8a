// The conversation list's date groups: Today, Yesterday, Previous 7 days, Older, by when each
// conversation last changed, in the reader's own calendar (their time zone, not UTC's).

export const GROUPS = ["Today", "Yesterday", "Previous 7 days", "Older"];

/** A local calendar day as a whole number: days between two of them are a subtraction, also
 * across a change to or from summer time (when a day lasts 23 or 25 hours). */
function dayNumber(date) {
  return Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / 86_400_000;
}

/** The group of a time (RFC 3339 text or a Date) seen from `now`; a time in the future (another
 * machine's clock) is Today, one that cannot be read is Older. */
export function dateGroup(time, now = new Date()) {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return GROUPS[3];
  const days = dayNumber(now) - dayNumber(date);
  if (days <= 0) return GROUPS[0];
  if (days === 1) return GROUPS[1];
  if (days <= 7) return GROUPS[2];
  return GROUPS[3];
}

/** Splits a list (newest first) into `[{label, items}]`, one per group, in the list's order.
 * A list read in pieces at different moments could name a group twice: its items join the
 * group's first run, so a heading is never shown twice. */
export function groupByDate(items, now = new Date(), timeOf = (item) => item.updated_at) {
  const runs = new Map();
  for (const item of items) {
    const label = dateGroup(timeOf(item), now);
    if (!runs.has(label)) runs.set(label, { label, items: [] });
    runs.get(label).items.push(item);
  }
  return [...runs.values()];
}
