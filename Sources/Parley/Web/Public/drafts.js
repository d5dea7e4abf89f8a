// What was typed and not sent, per conversation: a draft stays with its conversation, so it
// does not follow the reader into another one, and is there again when they come back. Kept in
// memory only (a reload starts empty), and forgotten when the account changes.
const drafts = new Map(); // conversation id ("" for a new chat) → text

export function keepDraft(id, text) {
  if (text) drafts.set(id ?? "", text);
  else drafts.delete(id ?? "");
}

export function draftOf(id) {
  return drafts.get(id ?? "") ?? "";
}

export function forgetDrafts() {
  drafts.clear();
}
