// Search: a dialog opened by the sidebar's Search button or Ctrl+K (⌘K), results as you type,
// each a link to its conversation with the matched words marked. Snippets are text; the marks
// are <mark> elements built around slices of it, never parsed markup.
import { api } from "./api.js";
import { byId, h } from "./dom.js";
import { closeMenu } from "./dialog.js";
import { showMessage } from "./chat.js";
import { conversationPath, setDrawer } from "./sidebar.js";

const DELAY_MS = 200;

/** The snippet as text nodes and <mark>s: `highlights` are code-point ranges of it. */
export function markedSnippet(snippet, highlights) {
  const points = Array.from(snippet);
  const parts = [];
  let at = 0;
  for (const [start, end] of highlights) {
    if (start < at || end > points.length || start >= end) continue;
    parts.push(points.slice(at, start).join(""), h("mark", {}, points.slice(start, end).join("")));
    at = end;
  }
  parts.push(points.slice(at).join(""));
  return parts.filter((part) => part !== "");
}

function describe(result) {
  const when = new Date(result.created_at).toLocaleDateString();
  return result.message_id ? `${result.role === "user" ? "You" : result.role === "assistant" ? "Parley" : "System"} · ${when}` : "Title";
}

export function openSearch() {
  if (document.querySelector("dialog.search-dialog")) return;
  closeMenu();
  const input = h("input", { type: "search", name: "q", maxlength: 500, autocomplete: "off", placeholder: "Search messages and titles",
                             "aria-label": "Search", "aria-controls": "search-results" });
  const status = h("p", { class: "muted small", role: "status" });
  const list = h("ul", { id: "search-results", class: "search-results", "aria-label": "Results" });
  const dialog = h("dialog", { class: "search-dialog", "aria-label": "Search" },
    h("form", { class: "stack", method: "dialog", onsubmit: (event) => { event.preventDefault(); list.querySelector("a")?.click(); } },
      input, status, list,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => dialog.close() }, "Close"))));
  let timer;
  let asked = 0;
  async function run() {
    const q = input.value.trim();
    const ticket = ++asked;
    if (!q) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    try {
      const results = await api("GET", `/api/v1/search?q=${encodeURIComponent(q)}&limit=30`);
      if (ticket !== asked) return; // an older answer arriving late
      status.textContent = results.length ? `${results.length === 30 ? "30+" : results.length} found` : "Nothing found";
      list.replaceChildren(...results.map((result) => h("li", {},
        h("a", {
          href: conversationPath(result.conversation_id),
          onclick: (event) => {
            dialog.close();
            setDrawer(false);
            // Opened here (not in a new tab): the conversation opens at the message found.
            const here = event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;
            if (here && result.message_id) showMessage(result.conversation_id, result.message_id);
          },
        },
        h("span", { class: "search-title" }, result.conversation_title),
        h("span", { class: "search-meta muted small" }, describe(result)),
        h("span", { class: "search-snippet" }, markedSnippet(result.snippet, result.highlights))))));
    } catch (error) {
      if (ticket === asked) status.textContent = error.message;
    }
  }
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, DELAY_MS);
  });
  // Arrow keys move between the input and the results.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const links = [input, ...list.querySelectorAll("a")];
    const index = links.indexOf(document.activeElement);
    if (index < 0) return;
    event.preventDefault();
    links[Math.max(0, Math.min(links.length - 1, index + (event.key === "ArrowDown" ? 1 : -1)))].focus();
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
}

export function setUpSearch() {
  byId("search-button")?.addEventListener("click", openSearch);
  document.addEventListener("keydown", (event) => {
    if (event.key.toLowerCase() !== "k" || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if (byId("app").hidden || document.querySelector("dialog[open]:not(.search-dialog)")) return;
    event.preventDefault();
    openSearch();
  });
}
