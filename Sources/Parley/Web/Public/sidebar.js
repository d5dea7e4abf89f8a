// The conversation list: newest first (the server's order), grouped by date, read a page at a
// time as it scrolls, with rename and delete.
//
// The list API pages by offset (`?skip&limit`, total in X-Total-Count), and the list moves while
// it is read: a new or answered chat goes to the top, a deleted one leaves. So the next page is
// read from the last item already shown (one item of overlap): when that item is no longer
// where it was, or the total changed, the list moved, and everything shown is read again in one
// piece instead. No conversation is skipped or shown twice.
import { api, apiFirst, apiPage } from "./api.js";
import { GROUPS, groupByDate } from "./dates.js";
import { byId, h } from "./dom.js";
import { closeMenu, formDialog, showMenu, toast } from "./dialog.js";
import { plainTitle } from "./titles.js";
import { exportConversation } from "./transfer.js";

const LIST = "/api/v1/conversations/";
const PAGE = 50; // conversations per page read as the list scrolls

const list = byId("conversation-list");
const scroller = list.closest(".conversations");
const end = byId("conversations-end");
const app = byId("app");
const menuButton = byId("menu-button");
let conversations = [];
let total = null; // the server's count at the last read (null: not read yet)
let failed = false; // the last page could not be read: reading on waits for a Retry
let queue = Promise.resolve(); // reads, one at a time
let account = 0; // a read for an account that signed out since is dropped
let activeID = null;
let changed = () => {};
let shownDay = new Date().toDateString();
const groupViews = new Map(); // label → {element, items}: kept between draws
const itemViews = new Map(); // id → {title, element}: an unchanged item keeps its element (and focus)

/** `onChange(conversation | null)` hears of a rename (the conversation) or a delete (null). */
export function setUpSidebar(onChange) {
  changed = onChange;
}

export const conversationPath = (id) => `#/c/${id}`;

/** Reads again every conversation the list shows (at least its first page): after a change
 * made here (new, answered, renamed, deleted, imported), or at the start. */
export function refreshConversations() {
  return read(() => readFirst(Math.max(PAGE, conversations.length)));
}

/** Forgets the list (another account is signing in). */
export function forgetConversations() {
  account++;
  conversations = [];
  total = null;
  render();
}

const hasMore = () => total !== null && conversations.length < total && !failed;

function read(step) {
  const next = queue.then(step);
  queue = next.catch(() => {});
  return next;
}

/** The first `count` conversations, as one consistent list. */
async function readFirst(count) {
  const reader = account;
  const found = await apiFirst(LIST, count);
  if (reader !== account) return;
  ({ items: conversations, total } = found);
  failed = false;
  render();
}

/** The next page, from the last conversation shown. */
async function readMore() {
  if (!hasMore()) return;
  const reader = account;
  const last = conversations.at(-1);
  try {
    const page = await apiPage(LIST, { skip: conversations.length - 1, limit: PAGE + 1 });
    if (reader !== account) return;
    const [first, ...rest] = page.items;
    if (first?.id !== last.id || first.updated_at !== last.updated_at || page.total !== total) {
      await readFirst(conversations.length + PAGE); // the list moved since it was read
      return;
    }
    const shown = new Set(conversations.map((conversation) => conversation.id));
    conversations = conversations.concat(rest.filter((conversation) => !shown.has(conversation.id)));
    if (!rest.length) total = conversations.length;
    render();
  } catch (error) {
    if (reader !== account) return;
    failed = true; // no reading on until Retry (the end stays in view: it would ask at once)
    render();
    throw error;
  }
}

let loading = false;
function loadMore() {
  if (!hasMore() || loading) return;
  loading = true;
  end.classList.add("loading");
  read(readMore).catch(() => {}).finally(() => {
    loading = false;
    end.classList.remove("loading");
    // Still near the end (a tall screen, a short page): read on. The observer reports only
    // changes, so it is asked again.
    observer.unobserve(end);
    observer.observe(end);
  });
}

// The end of the list, seen or about to be (a screen ahead): the next page is read.
const observer = new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) loadMore();
}, { root: scroller, rootMargin: "0px 0px 100% 0px" });
observer.observe(end);

export function markActive(id) {
  activeID = id;
  for (const item of list.querySelectorAll("li[data-id]")) {
    const active = item.dataset.id === id;
    item.classList.toggle("active", active);
    const link = item.querySelector("a");
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

export function titleOf(id) {
  return conversations.find((conversation) => conversation.id === id)?.title;
}

function itemView(conversation) {
  const known = itemViews.get(conversation.id);
  if (known?.title === conversation.title) {
    known.conversation = conversation; // its menu acts on what was read last
    return known.element;
  }
  const title = plainTitle(conversation.title);
  const view = { title: conversation.title, conversation };
  itemViews.set(conversation.id, view);
  const more = h("button", {
    type: "button", class: "more", "aria-haspopup": "menu", "aria-expanded": "false",
    "aria-label": `Options for ${title}`,
    onclick: () => (more.getAttribute("aria-expanded") === "true" ? closeMenu() : showMenu(more, [
      ["Rename", () => rename(view.conversation)],
      ["Export as JSON", () => exportConversation(view.conversation, "json")],
      ["Export as Markdown", () => exportConversation(view.conversation, "markdown")],
      ["Delete", () => remove(view.conversation), { danger: true }],
    ])),
  }, "⋯");
  view.element = h("li", { "data-id": conversation.id },
    h("a", { href: conversationPath(conversation.id), title, dir: "auto" }, title), more);
  return view.element;
}

function groupView(label) {
  if (!groupViews.has(label)) {
    const id = `conversation-group-${GROUPS.indexOf(label)}`;
    const items = h("ul", { "aria-labelledby": id });
    groupViews.set(label, {
      element: h("div", { class: "conversation-group" }, h("h2", { id, class: "group-heading" }, label), items),
      items,
    });
  }
  return groupViews.get(label);
}

/** Puts `elements` in `parent` in this order, moving only what is not in its place already. */
function place(parent, elements) {
  elements.forEach((element, index) => {
    if (parent.children[index] !== element) parent.insertBefore(element, parent.children[index] ?? null);
  });
  while (parent.children.length > elements.length) parent.lastElementChild.remove();
}

function render() {
  // Focus stays on the same control of the same conversation (its link or its ⋯ button) when the
  // list is drawn again, after a rename say; when that conversation is gone, on the list.
  const focused = document.activeElement?.closest?.("#conversation-list li");
  const focusedID = focused?.dataset.id;
  const focusedMore = document.activeElement?.classList.contains("more");
  shownDay = new Date().toDateString();
  const ids = new Set(conversations.map((conversation) => conversation.id));
  for (const id of itemViews.keys()) if (!ids.has(id)) itemViews.delete(id);
  const runs = groupByDate(conversations);
  place(list, runs.map((run) => {
    const group = groupView(run.label);
    place(group.items, run.items.map(itemView));
    return group.element;
  }));
  byId("conversations-empty").hidden = total === null || conversations.length > 0;
  end.hidden = !hasMore() && !failed;
  end.querySelector("button").hidden = !failed;
  markActive(activeID);
  if (focusedID && !list.contains(document.activeElement)) {
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
end.querySelector("button").addEventListener("click", () => {
  failed = false;
  loadMore();
});
// A page left open overnight: Today becomes Yesterday when it is looked at again.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && new Date().toDateString() !== shownDay) render();
});

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
