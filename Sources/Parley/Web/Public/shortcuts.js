// Keyboard shortcuts of the whole page. Ctrl+Shift+O (⌘+Shift+O on a Mac) starts a new chat, as
// in ChatGPT; the New chat button says so in its tooltip and aria-keyshortcuts (index.html).
// Escape stops a reply: chat.js, which knows when one is being written.
import { byId } from "./dom.js";

document.addEventListener("keydown", (event) => {
  const mod = event.ctrlKey || event.metaKey;
  if (!mod || !event.shiftKey || event.altKey || event.key.toLowerCase() !== "o") return;
  if (byId("app").hidden || document.querySelector("dialog[open]")) return;
  event.preventDefault();
  byId("new-chat").click(); // the same as a click: the address, the drawer closes
  byId("prompt").focus();
});
