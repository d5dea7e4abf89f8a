// How long a message may be: the server refuses a message over 100 000 characters (code points)
// with a 422 that names a JSON path. The page says so in words before sending, and keeps the text
// so it can be shortened. The server's number is `Limits.Chat.content` in
// Sources/Parley/HTTP/Limits.swift (also in /openapi.json); a Swift test (LimitTests) fails when
// this one differs from it.
export const MAX_MESSAGE_LENGTH = 100_000;

/** The length the server counts: code points, not UTF-16 units. */
export const lengthOf = (text) => [...text].length;

/** What to tell the writer of `text`, or null when it may be sent. */
export function tooLong(text) {
  const length = lengthOf(text);
  if (length <= MAX_MESSAGE_LENGTH) return null;
  const number = (n) => n.toLocaleString("en");
  return `This message is too long: ${number(length)} characters, and a message may have at most ` +
    `${number(MAX_MESSAGE_LENGTH)}. Shorten it, or send it in parts.`;
}
