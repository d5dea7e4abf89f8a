// The conversation list: newest first (the server's order), with rename and delete.
import { api } from "./api.js";
import { byId, h } from "./dom.js";
import { closeMenu, formDialog, showMenu, toast } from "./dialog.js";
import { plainTitle } from "./titles.js";
import { exportConversation } from "./transfer.js";

const list = byId("conversation-list");
const app = byId("app");
const menuButton = byId("menu-button");
let conversations = [];
let activeID = null;
let changed = () => {};

/** `onChange(conversation | null)` hears of a rename (the conversation) or a delete (null). */
export function setUpSidebar(onChange) {
  changed = onChange;
}

export const conversationPath = (id) => `#/c/${id}`;

export async function refreshConversations() {
  conversations = await api("GET", "/api/v1/conversations/?limit=200");
  render();
}

export function markActive(id) {
  activeID = id;
  for (const item of list.children) item.classList.toggle("active", item.dataset.id === id);
  for (const link of list.querySelectorAll("a")) {
    if (link.closest("li").dataset.id === id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

export function titleOf(id) {
  return conversations.find((conversation) => conversation.id === id)?.title;
}

function render() {
  // Focus stays on the same control of the same conversation (its link or its ⋯ button) when the
  // list is drawn again, after a rename say; when that conversation is gone, on the list.
  const focused = document.activeElement?.closest?.("#conversation-list li");
  const focusedID = focused?.dataset.id;
  const focusedMore = document.activeElement?.classList.contains("more");
  list.replaceChildren(...conversations.map((conversation) => {
    const title = plainTitle(conversation.title);
    const more = h("button", {
      type: "button", class: "more", "aria-haspopup": "menu", "aria-expanded": "false",
      "aria-label": `Options for ${title}`,
      onclick: () => (more.getAttribute("aria-expanded") === "true" ? closeMenu() : showMenu(more, [
        ["Rename", () => rename(conversation)],
        ["Export as JSON", () => exportConversation(conversation, "json")],
        ["Export as Markdown", () => exportConversation(conversation, "markdown")],
        ["Delete", () => remove(conversation), { danger: true }],
      ])),
    }, "⋯");
    return h("li", { "data-id": conversation.id },
      h("a", { href: conversationPath(conversation.id), title, dir: "auto" }, title), more);
  }));
  byId("conversations-empty").hidden = conversations.length > 0;
  markActive(activeID);
  if (focusedID) {
    const item = list.querySelector(`li[data-id="${CSS.escape(focusedID)}"]`);
    (item?.querySelector(focusedMore ? ".more" : "a") ?? list.querySelector("a") ?? byId("new-chat")).focus();
  }
}

async function rename(conversation) {
  const input = h("input", { name: "title", value: plainTitle(conversation.title), maxlength: 255, required: true, "aria-label": "Title", dir: "auto" });
  const dialog = formDialog({
    title: "Rename conversation",
    fields: [input],
    confirm: "Save",
    submit: () => api("PATCH", `/api/v1/conversations/${conversation.id}`, { title: input.value }),
  });
  input.select();
  const renamed = await dialog;
  if (!renamed) return;
  await refreshConversations();
  changed(renamed);
}

async function remove(conversation) {
  const deleted = await formDialog({
    title: "Delete conversation?",
    text: `“${plainTitle(conversation.title)}” and all its messages will be deleted. This cannot be undone.`,
    confirm: "Delete",
    danger: true,
    submit: () => api("DELETE", `/api/v1/conversations/${conversation.id}`),
  });
  if (!deleted) return;
  toast("Conversation deleted");
  await refreshConversations();
  changed({ id: conversation.id, deleted: true });
}

// On a phone the sidebar is a drawer.
export function setDrawer(open) {
  app.classList.toggle("drawer-open", open);
  menuButton.setAttribute("aria-expanded", String(open));
  if (open) (list.querySelector("li.active a") ?? byId("new-chat")).focus();
}
menuButton.addEventListener("click", () => setDrawer(!app.classList.contains("drawer-open")));
byId("backdrop").addEventListener("click", () => setDrawer(false));
byId("sidebar").addEventListener("keydown", (event) => {
  if (event.key === "Escape" && app.classList.contains("drawer-open")) {
    event.preventDefault(); // this Escape closes the drawer, it does not stop a reply
    setDrawer(false);
    menuButton.focus();
  }
});
byId("new-chat").addEventListener("click", () => setDrawer(false));
