// A conversation's title as text to show. The server names a conversation after the start of its
// first message, Markdown and all ("# Heading ##", "**Bold** idea"): the marks are dropped here,
// so a title reads as words. Only for showing: the stored title is not changed.

/** `plainTitle("# Heading ##")` → "Heading"; a title that is only marks stays as it was. */
export function plainTitle(title) {
  const text = String(title ?? "");
  const plain = text
    .replace(/^\s*(?:#{1,6}|>|[-*+]|\d{1,9}[.)])\s+/, "") // a heading, quote or list marker
    .replace(/\s+#+(?=\s|$)/g, "") // a heading's closing hashes (the title may go on after them)
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // [text](url) → text
    .replace(/(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1/g, "$2") // **strong**, __strong__, ~~struck~~
    .replace(/(^|[^\w*])([*_])(?=\S)(.+?)(?<=\S)\2(?![\w*])/g, "$1$3") // *em*, _em_ (not snake_case)
    .replace(/`+([^`]+)`+/g, "$1") // `code`
    .trim();
  return plain || text.trim();
}
