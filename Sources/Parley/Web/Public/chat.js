// The chat view: a conversation's current branch, the composer, and the reply being written.
// A reply belongs to the server: the view attaches to it (reply.js) when it sends a turn, when
// it opens a conversation whose reply is still being written (a reload, a switch, a second
// tab), and again after a dropped connection. Leaving only lets go of it; Stop asks the server.
import { api, apiAll, APIError, attachReply, newKey, stopReply, streamChat } from "./api.js";
import { branchBefore, versionGroups, versionOf } from "./branches.js";
import { toast } from "./dialog.js";
import { byId, h } from "./dom.js";
import { draftOf, forgetDrafts, keepDraft } from "./drafts.js";
import { enterSends } from "./keys.js";
import { tooLong } from "./limits.js";
import { createMarkdownStream, renderMarkdown } from "./markdown.js";
import { editForm, focusedControl, refocus, replyFooter, userTools } from "./messages.js";
import { modelForNewChat } from "./model-picker.js";
import { Follower, ReplyLog, textToShow, transient } from "./reply.js";
import { plainTitle } from "./titles.js";

const scroller = byId("messages");
const column = byId("message-column");
const emptyChat = byId("empty-chat");
const composer = byId("composer");
const prompt = byId("prompt");
const sendButton = byId("send-button");
const title = byId("chat-title");
const modelName = byId("model-name");
const composerError = byId("composer-error");

let conversationID = null;
/** The current branch, root first, as the server listed it, then what this view added since:
 * a turn being sent has messages without ids, a reply being written carries its `view`, a turn
 * that failed is a `{failed: true, view}` (with its question, also marked failed). */
let branch = [];
let groups = new Map(); // the versions of each turn (branches.js)
let views = new Map(); // message id → {signature, element}: unchanged messages keep their DOM
let live = null; // the reply this view follows (see follow)
let editing = null; // {id, element}: the question being edited
const settled = new Map(); // replies that ended here: id → what they ended as
let opening = 0; // a load that a newer one replaced is dropped
let drawn = false; // the open conversation's messages were read and drawn once
let wanted = null; // {conversationID, messageID}: a message to bring into view (a search result)
let refreshes = 0;
let hooks = { adopted: () => {}, finished: () => {} };

/** `adopted(id)`: a new chat now has its conversation (null: it has none after all, its first
 * turn failed and took it along); `finished(id)`: a turn was stored (it
 * resolves to whether the conversation list now has it). */
export function setUpChat(callbacks) {
  hooks = callbacks;
}

export function showModel(name) {
  modelName.textContent = name ?? "";
}

export function setTitle(text) {
  const shown = plainTitle(text);
  title.textContent = shown;
  document.title = text === "New chat" ? "Parley" : `${shown} · Parley`;
}

/** Shows a conversation (null: a new chat). A reply being written goes on without this view. */
export async function openConversation(id, knownTitle) {
  if (id && id === conversationID) return;
  letGo();
  // What was typed here stays here: the next conversation shows its own draft.
  keepDraft(conversationID, prompt.value);
  prompt.value = draftOf(id);
  fitPrompt();
  showComposerError("");
  conversationID = id;
  drawn = false;
  if (wanted?.conversationID !== id) wanted = null;
  branch = [];
  groups = new Map();
  views = new Map();
  editing = null;
  const load = ++opening;
  column.replaceChildren();
  emptyChat.hidden = Boolean(id);
  setTitle(id ? knownTitle ?? "" : "New chat");
  if (!id) {
    prompt.focus();
    return;
  }
  try {
    const [conversation] = await Promise.all([api("GET", `/api/v1/conversations/${id}`), refresh(load)]);
    if (load !== opening) return;
    setTitle(conversation.title);
    drawn = true;
    if (await revealWanted(load)) return;
    if (load !== opening) return;
    scroller.scrollTop = scroller.scrollHeight;
    prompt.focus();
  } catch (error) {
    if (load !== opening) return;
    column.append(h("p", { class: "error", role: "alert" }, error.message));
  }
}

/** Brings a message into view and marks it for a moment (a search result opens its conversation
 * at it): at once when its conversation is open, else once openConversation has drawn it. */
export function showMessage(id, messageID) {
  wanted = { conversationID: id, messageID };
  if (id === conversationID && drawn) revealWanted(opening).catch(() => {});
}

/** Shows the wanted message, if it is of this conversation. One that is not on the branch shown
 * is looked for again (it may be newer than the last read) and, when it is on another version
 * of a turn, that version is switched to, as its "‹ 2/3 ›" would. Resolves to whether it shows. */
async function revealWanted(load) {
  const target = wanted;
  if (!target || target.conversationID !== conversationID) return false;
  wanted = null;
  const selector = `[data-id="${CSS.escape(target.messageID)}"]`;
  const known = () => [...groups.values()].some((ids) => ids.includes(target.messageID));
  if (!column.querySelector(selector) && !live) {
    if (!known()) await refresh(load).catch(() => false);
    if (load === opening && known() && !column.querySelector(selector)) await actions.switchTo(target.messageID);
  }
  const element = load === opening ? column.querySelector(selector) : null;
  if (!element) return false;
  element.scrollIntoView({ block: "center" });
  element.classList.remove("found");
  void element.offsetWidth; // found again: the mark starts again
  element.classList.add("found");
  clearTimeout(element.foundTimer);
  element.foundTimer = setTimeout(() => element.classList.remove("found"), 3000);
  // A screen reader reads on from the message found, the keyboard goes on from there.
  element.tabIndex = -1;
  element.focus({ preventScroll: true });
  return true;
}

/** Leaves the chat for another account (or none): nothing typed for this one is kept. */
export function closeChat() {
  openConversation(null);
  forgetDrafts();
  prompt.value = "";
  fitPrompt();
}

/** Reads the current branch and its versions again, draws them, and follows the last reply when
 * it is still being written. Resolves to false when a newer load or refresh replaced it. */
async function refresh(load = opening) {
  const ticket = ++refreshes;
  const path = `/api/v1/conversations/${conversationID}/messages`;
  // A page holds at most 1000 messages: a longer conversation is read a page at a time, whole.
  const [current, all] = await Promise.all([apiAll(path), apiAll(`${path}?branch=all`)]);
  if (load !== opening || ticket !== refreshes) return false;
  // A reply that ended here is shown as it ended, even if the list was read a moment before
  // the server wrote that down (so it is not followed a second time).
  branch = current.map((message) => (message.status === "streaming" && settled.has(message.id)
    ? { ...message, ...settled.get(message.id) } : message));
  groups = versionGroups(all);
  const last = branch.at(-1);
  if (!live && last?.role === "assistant" && last.status === "streaming") {
    follow(last, {
      shown: last.content,
      open: (log, signal, onBytes) => attachReply(log.messageID, { after: log.lastID, signal, onBytes }),
    });
  }
  renderBranch();
  return true;
}

/** Draws the branch. Messages that did not change keep their elements (and focus, selection). */
function renderBranch() {
  const focused = focusedControl();
  const follow = nearEnd();
  const kept = new Map();
  const elements = branch.map((message) => {
    if (message.view) return message.view;
    if (editing && editing.id === message.id) return editing.element;
    const version = versionOf(message, groups);
    if (!message.id) return messageView(message, version);
    const signature = JSON.stringify([message.content, message.status, message.model, message.usage,
      message.parent_id, version.index, version.count]);
    const known = views.get(message.id);
    const element = known?.signature === signature ? known.element : messageView(message, version);
    kept.set(message.id, { signature, element });
    return element;
  }).filter(Boolean);
  views = kept;
  elements.forEach((element, index) => {
    if (column.children[index] !== element) column.insertBefore(element, column.children[index] ?? null);
  });
  while (column.children.length > elements.length) column.lastElementChild.remove();
  emptyChat.hidden = Boolean(conversationID) || elements.length > 0;
  setBusy();
  refocus(column, focused);
  if (follow) scroller.scrollTop = scroller.scrollHeight;
}

/** While a reply is being written here, nothing may change the branch under it: the edit,
 * regenerate and version buttons are disabled (in place, so no message is drawn again). */
function setBusy() {
  for (const button of column.querySelectorAll(".tool")) button.disabled = Boolean(live) || button.hasAttribute("data-end");
}

const actions = {
  edit(message) {
    if (live) return;
    editing = {
      id: message.id,
      element: h("div", { class: "user-turn editing" }, editForm(message.content, {
        send: (text) => {
          if (live) return null;
          const refusal = tooLong(text);
          if (refusal) return refusal; // shown in the form, which stays open
          // A new version of the question: a sibling of it, under the same parent (null: a new
          // first message, which the server takes from an explicit null).
          startTurn({ base: branchBefore(branch, message), parentID: message.parent_id ?? null, messages: [{ role: "user", content: text }] });
          prompt.focus();
          return null;
        },
        cancel: () => {
          editing = null;
          renderBranch();
          refocus(column, `edit:${message.id}`);
        },
      })),
    };
    renderBranch();
  },
  regenerate(reply) {
    if (live) return;
    startTurn({ base: branchBefore(branch, reply), parentID: reply.parent_id, messages: [] });
  },
  async switchTo(id) {
    if (live || !id) return;
    const load = opening;
    try {
      await api("PATCH", `/api/v1/conversations/${conversationID}`, { current_message_id: id });
      if (load === opening) await refresh(load);
    } catch (error) {
      if (load === opening) toast(error.message);
    }
  },
};

// Who speaks, for a screen reader (a heading, so one can also jump from message to message).
// Outside the message's text, which stays exactly what was written.
const speaker = (words) => h("h2", { class: "visually-hidden speaker" }, words);

// dir="auto": a message in Arabic or Hebrew reads right to left, one in English left to right.
function messageView(message, version) {
  if (message.role === "user") {
    return h("div", { class: "user-turn", "data-id": message.id },
      speaker("You said:"),
      h("div", { class: "message user", dir: "auto" }, message.content),
      message.failed ? null : userTools(message, version, actions));
  }
  if (message.role === "assistant") {
    return h("div", { class: "message assistant", "data-id": message.id },
      speaker("Parley said:"),
      h("div", { class: "reply-body", dir: "auto" }, renderMarkdown(message.content)),
      message.status === "streaming" ? null : replyFooter(message, version, actions));
  }
  return null; // system messages are the server's business
}

function nearEnd() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
}

/** The last message the server has stored: what a new question follows. */
function lastStored() {
  return branch.findLast((message) => message.id && !message.failed);
}

/** Sends a turn: `messages` (a question, or none to regenerate) after `parentID` (undefined: after
 * the branch's end, as the server sees it), replacing the view's branch after `base`. */
function startTurn({ base, parentID, messages }) {
  refreshes++; // a list read before this turn must not draw over it
  editing = null; // a question being edited is left as it was
  branch = base.filter((message) => !message.failed);
  const request = { conversation_id: conversationID, messages };
  if (conversationID && parentID !== undefined) request.parent_id = parentID;
  if (!conversationID && modelForNewChat()) request.model = modelForNewChat();
  const key = newKey();
  const sent = messages.map((message) => ({ id: null, parent_id: null, status: "complete", ...message }));
  const reply = { id: null, parent_id: null, role: "assistant", content: "", status: "streaming" };
  branch.push(...sent, reply);
  follow(reply, {
    // Until the server named the reply, a lost connection retries the same request: the same
    // Idempotency-Key attaches to the reply it started, if it did. After that, attach to it.
    open: (log, signal, onBytes) => (log.messageID
      ? attachReply(log.messageID, { after: log.lastID, signal, onBytes })
      : streamChat(request, { signal, key, onBytes })),
    // A request the server answered with an error (the provider failed, 429, 422) is shown,
    // not repeated; only a request that may not have arrived is.
    retry: (error, log) => (log.messageID ? transient(error) : error.name === "TypeError" || error.status === 0),
    retryTurn: () => startTurn({ base, parentID, messages }),
    sent,
  });
  renderBranch();
  scroller.scrollTop = scroller.scrollHeight;
}

/**
 * Follows a reply in a view of its own, painted as its text arrives. `shown`: the text already
 * known (the stored part of a reply being written); `open`: one connection (see Follower);
 * `retryTurn`: present for a turn sent from here, which offers to be sent again if it fails.
 */
function follow(message, { shown = "", open, retry = transient, retryTurn = null, sent = [] }) {
  const body = h("div", { class: "reply-body typing", dir: "auto" });
  // Draws again only the reply's last block as its text grows (markdown.js).
  const view = createMarkdownStream(body);
  view.update(shown);
  const waiting = h("p", { class: "reply-status", role: "status", hidden: true }, "reconnecting…");
  // Only the reply being written is announced, once, when it is complete (aria-busy until then).
  message.view = h("div", { class: "message assistant", "aria-live": "polite", "aria-busy": "true" },
    speaker("Parley said:"), body, waiting);
  const entry = { message, body, log: new ReplyLog(message.id), controller: new AbortController(), shown, retryTurn, sent, over: false };
  let painted = true;
  entry.paint = () => {
    painted = true;
    const follow = nearEnd();
    view.update(textToShow(shown, entry.log.text));
    if (follow) scroller.scrollTop = scroller.scrollHeight;
  };
  entry.view = view;
  entry.follower = new Follower(entry.log, {
    open,
    retry,
    onWaiting: (on) => {
      waiting.hidden = !on;
      body.classList.toggle("typing", !on);
    },
    onEvent: (data, log) => {
      if (data.type === "start") started(entry, log);
      else if (data.type === "delta" && painted) {
        // Many deltas can arrive in one frame: draw once per frame.
        painted = false;
        requestAnimationFrame(() => { if (!entry.over) entry.paint(); });
      }
    },
  });
  live = entry;
  showStreaming("on");
  entry.follower.run(entry.controller.signal).then(
    (log) => (log.end.type === "error" ? failed(entry, new APIError(502, log.end.detail)) : ended(entry, log.end)),
    (error) => { if (error.name !== "AbortError") failed(entry, error); });
  return entry;
}

function started(entry, log) {
  entry.message.id = log.messageID;
  if (log.conversationID && log.conversationID !== conversationID) {
    // A new chat's conversation exists from now on: name it in the address and the list, so a
    // reload or a switch can come back to the reply.
    conversationID = log.conversationID;
    entry.created = conversationID;
    hooks.adopted(conversationID);
    hooks.finished(conversationID);
  }
  if (entry.stopWanted) requestStop(entry);
}

/** The reply ended (done, stopped, interrupted): it becomes an ordinary stored message. */
function ended(entry, end) {
  if (entry.over) return;
  entry.over = true;
  entry.controller.abort(); // the stop's answer may come first: the stream is not needed now
  if (live === entry) live = null;
  showStreaming(live ? "on" : "off");
  const { message, body } = entry;
  const text = end.response ?? textToShow(entry.shown, entry.log.text);
  entry.view.update(text); // nothing to draw when the stored reply is what was shown
  body.classList.remove("typing");
  message.view.setAttribute("aria-busy", "false");
  const status = end.type === "done" ? "complete" : end.type === "stopped" || end.type === "interrupted" ? end.type : end.status;
  const stored = { content: text, status, model: end.model ?? message.model ?? null, usage: end.usage ?? message.usage ?? null };
  Object.assign(message, stored);
  if (message.id) settled.set(message.id, stored);
  if (end.model) showModel(end.model);
  // Learn the new messages' ids and versions; without them, the reply is drawn from what came.
  const load = opening;
  refresh(load).catch(() => false).then((drawn) => {
    if (drawn || load !== opening || !branch.includes(message)) return;
    delete message.view;
    renderBranch();
  });
  if (conversationID) hooks.finished(conversationID);
}

/** The reply failed: a turn sent from here offers to be sent again (nothing of it was stored);
 * an attached one says why. */
function failed(entry, error) {
  if (entry.over) return;
  entry.over = true;
  entry.controller.abort();
  if (live === entry) live = null;
  showStreaming(live ? "on" : "off");
  // A 404 for a reply the server had named: it failed while no one was attached, and the
  // server removed the turn, as it does for any failed reply.
  const gone = error.status === 404 && entry.log.messageID;
  // A request the server refused as it is (too long, invalid) fails the same way again: it is
  // explained, and offers no Retry.
  const refused = REFUSED.has(error.status);
  const long = refused && entry.sent.map((message) => tooLong(message.content)).find(Boolean);
  const alert = h("p", { class: "error", role: "alert" },
    gone ? "The reply failed, and nothing of it was kept." : long || error.message);
  const failure = { failed: true, view: h("div", { class: "turn-error" }, alert) };
  for (const message of entry.sent) message.failed = true;
  branch = branch.map((message) => (message === entry.message ? failure : message));
  // A failed first turn can take its new conversation with it (nothing of the turn is stored):
  // then this is a new chat again, and a retry must not name the conversation that is gone.
  const checked = entry.created === conversationID ? forgetIfGone(conversationID) : null;
  if (entry.retryTurn && !refused) {
    const retry = h("button", { type: "button", onclick: async () => { await checked; entry.retryTurn(); } }, "Retry");
    failure.view.append(retry);
    renderBranch();
    retry.focus();
  } else {
    renderBranch();
  }
}

const REFUSED = new Set([400, 413, 422]);

async function forgetIfGone(id) {
  try {
    await api("GET", `/api/v1/conversations/${id}`);
  } catch (error) {
    if (error.status !== 404 || conversationID !== id) return;
    conversationID = null;
    hooks.adopted(null);
    setTitle("New chat");
    hooks.finished(id); // the list forgets it too
  }
}

/** Stop: the server stops the reply for every tab; the view shows it once the server says so. */
function stop() {
  const entry = live;
  if (!entry || entry.stopping) return;
  entry.stopping = true;
  showStreaming("stopping");
  if (entry.log.messageID) requestStop(entry);
  else entry.stopWanted = true; // asked before the server named the reply: at its start event
}

async function requestStop(entry) {
  try {
    const message = await stopReply(entry.log.messageID);
    // The stream says "stopped" too; whichever comes first ends the reply.
    if (message.status !== "streaming") {
      ended(entry, { type: message.status === "complete" ? "done" : message.status, status: message.status,
        response: message.content, model: message.model, usage: message.usage });
    }
  } catch (error) {
    if (entry.over) return;
    entry.stopping = false;
    if (live === entry) showStreaming("on");
    toast(`The reply could not be stopped: ${error.message}`);
  }
}

/** Lets go of the reply being followed: the server goes on writing it. */
function letGo() {
  if (!live) return;
  live.over = true;
  live.controller.abort();
  live = null;
  showStreaming("off");
}

function showStreaming(state) {
  const on = state !== "off";
  sendButton.textContent = state === "stopping" ? "Stopping…" : on ? "Stop" : "Send";
  sendButton.setAttribute("aria-label", on ? "Stop the reply" : "Send");
  sendButton.classList.toggle("stop", on);
  sendButton.disabled = state === "stopping";
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  if (live) {
    stop();
    return;
  }
  const text = prompt.value;
  if (!text.trim()) return;
  const refusal = tooLong(text);
  if (refusal) {
    showComposerError(refusal); // the text stays, to be shortened
    return;
  }
  prompt.value = "";
  fitPrompt();
  startTurn({ base: branch, parentID: lastStored()?.id, messages: [{ role: "user", content: text }] });
});

// Enter sends, Shift+Enter adds a line; on a phone Enter adds a line (keys.js).
prompt.addEventListener("keydown", (event) => {
  if (!enterSends(event)) return;
  event.preventDefault();
  if (!live) composer.requestSubmit();
});

// Escape stops the reply being written, unless it closes something first (a dialog, a menu,
// the drawer, an edit: those say so with preventDefault, or are open).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || !live || document.querySelector("dialog[open]")) return;
  event.preventDefault();
  stop();
});

// Back from sleep or offline: reconnect now rather than at the end of the current wait, and
// look again at a conversation that another tab may have moved on.
addEventListener("online", wake);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") wake();
});
function wake() {
  if (live) live.follower.nudge();
  else if (conversationID && !editing && branch.every((message) => message.id && !message.failed)) refresh().catch(() => {});
}

function fitPrompt() {
  prompt.style.height = "auto";
  prompt.style.height = `${Math.min(prompt.scrollHeight, 200)}px`;
}
prompt.addEventListener("input", () => {
  fitPrompt();
  showComposerError("");
});

function showComposerError(message) {
  composerError.textContent = message;
  composerError.hidden = !message;
}

// Copy buttons of code blocks.
column.addEventListener("click", async (event) => {
  const button = event.target.closest?.(".copy");
  if (!button) return;
  const code = button.closest(".code").querySelector("code").textContent;
  button.textContent = (await copyText(code)) ? "Copied" : "Copy failed";
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
});

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API outside a secure context (plain http on a LAN address): the old way.
    const area = h("textarea", { readonly: true, class: "visually-hidden" }, text);
    document.body.append(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    return copied;
  }
}
