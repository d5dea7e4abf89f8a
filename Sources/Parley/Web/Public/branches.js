// A conversation is a tree: editing a question or regenerating a reply adds a sibling, another
// version of the same turn. The page shows one branch and, on a message with siblings, "‹ 2/3 ›".

const ROOT = "";

/** Groups every message of a conversation (`?branch=all`, in creation order) by parent: each
 * group is the versions of one turn, oldest first. */
export function versionGroups(messages) {
  const groups = new Map();
  for (const message of messages) {
    const key = message.parent_id ?? ROOT;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(message.id);
  }
  return groups;
}

/** Where a message stands among its versions: `{index, count, previous, next}` (index from 1;
 * previous and next are ids, or null at either end). A message the groups do not know yet
 * (just sent) is alone. */
export function versionOf(message, groups) {
  const ids = groups.get(message.parent_id ?? ROOT) ?? [];
  const at = ids.indexOf(message.id);
  if (at < 0) return { index: 1, count: 1, previous: null, next: null };
  return { index: at + 1, count: ids.length, previous: ids[at - 1] ?? null, next: ids[at + 1] ?? null };
}

/** The branch cut just before `message`: what an edit or a regenerate of it starts from. */
export function branchBefore(branch, message) {
  const at = branch.indexOf(message);
  return at < 0 ? branch : branch.slice(0, at);
}
