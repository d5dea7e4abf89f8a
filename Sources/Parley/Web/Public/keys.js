// What Enter does in a text box one writes a message in. With a keyboard, Enter sends and
// Shift+Enter adds a line. A touch keyboard has no Shift+Enter, so on a phone (a coarse pointer,
// or a narrow screen) Enter adds a line and the Send button sends, as in a messaging app.
const touch = matchMedia("(pointer: coarse), (max-width: 720px)");

/** True when this keydown should send the message (and not add a line). Enter that confirms an
 * IME composition never sends. */
export function enterSends(event) {
  return event.key === "Enter" && !event.shiftKey && !event.isComposing && !touch.matches;
}
