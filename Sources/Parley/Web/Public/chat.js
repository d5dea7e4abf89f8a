// The chat view: a conversation's history, the composer, and the reply streamed as it is written.
import { api, APIError, newKey, streamChat } from "./api.js";
import { byId, h } from "./dom.js";
import { createMarkdownStream, renderMarkdown } from "./markdown.js";

const scroller = byId("messages");
const column = byId("message-column");
const emptyChat = byId("empty-chat");
const composer = byId("composer");
const prompt = byId("prompt");
const sendButton = byId("send-button");
const title = byId("chat-title");
const modelName = byId("model-name");

let conversationID = null;
let streaming = null; // the AbortController of the reply being streamed
let opening = 0; // a load that a newer one replaced is dropped
let failedTurns = []; // turns that failed and were not stored: gone at the next send
let hooks = { adopted: () => {}, finished: () => {} };

/** `adopted(id)`: a new chat now has its conversation; `finished(id)`: a turn was stored (it
 * resolves to whether the conversation list now has it). */
export function setUpChat(callbacks) {
  hooks = callbacks;
}

export function showModel(name) {
  modelName.textContent = name ?? "";
}

export function setTitle(text) {
  title.textContent = text;
  document.title = text === "New chat" ? "Parley" : `${text} · Parley`;
}

/** Shows a conversation (null: a new chat). Stops a reply being streamed: the server keeps what came. */
export async function openConversation(id, knownTitle) {
  if (id && id === conversationID) return;
  streaming?.abort();
  conversationID = id;
  failedTurns = [];
  const load = ++opening;
  column.replaceChildren();
  emptyChat.hidden = Boolean(id);
  setTitle(id ? knownTitle ?? "" : "New chat");
  if (!id) {
    prompt.focus();
    return;
  }
  try {
    const [conversation, messages] = await Promise.all([
      api("GET", `/api/v1/conversations/${id}`),
      api("GET", `/api/v1/conversations/${id}/messages`),
    ]);
    if (load !== opening) return;
    setTitle(conversation.title);
    column.append(...messages.map((message) => messageView(message.role, message.content)).filter(Boolean));
    scroller.scrollTop = scroller.scrollHeight;
    prompt.focus();
  } catch (error) {
    if (load !== opening) return;
    column.append(h("p", { class: "error", role: "alert" }, error.message));
  }
}

function messageView(role, content) {
  if (role === "user") return h("div", { class: "message user" }, content);
  if (role === "assistant") return h("div", { class: "message assistant" }, h("div", { class: "reply-body" }, renderMarkdown(content)));
  return null; // system messages are the server's business
}

function nearEnd() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
}

/** Sends one user message and streams the reply into the view. */
async function send(text, key = newKey(), userView = null) {
  for (const element of failedTurns.splice(0)) element.remove();
  emptyChat.hidden = true;
  if (!userView) {
    userView = messageView("user", text);
    column.append(userView);
  }
  const body = h("div", { class: "reply-body typing", "aria-busy": "true" });
  const reply = h("div", { class: "message assistant" }, body);
  const view = createMarkdownStream(body); // draws again only the reply's last block
  column.append(reply);
  scroller.scrollTop = scroller.scrollHeight;

  const controller = new AbortController();
  streaming = controller;
  showStreaming(true);
  let unseen = ""; // deltas not drawn yet
  let startedIn = null;
  let painted = true;
  const paint = () => {
    painted = true;
    const follow = nearEnd();
    view.append(unseen);
    unseen = "";
    if (follow) scroller.scrollTop = scroller.scrollHeight;
  };
  try {
    const turn = { conversation_id: conversationID, messages: [{ role: "user", content: text }] };
    for await (const event of streamChat(turn, { signal: controller.signal, key })) {
      if (event.type === "start") {
        startedIn = event.conversation_id;
      } else if (event.type === "delta") {
        unseen += event.content;
        // Many deltas can arrive in one frame: draw once per frame.
        if (painted) {
          painted = false;
          requestAnimationFrame(paint);
        }
      } else if (event.type === "done") {
        if (event.response != null) {
          view.update(event.response); // the reply as stored, should it differ from the deltas
          unseen = "";
        }
        paint();
        reply.append(replyMeta(event));
        if (event.model) showModel(event.model);
        adopt(event.conversation_id);
        return;
      } else if (event.type === "error") {
        throw new APIError(502, event.detail);
      }
    }
    throw new APIError(0, "The reply was cut off before it finished.");
  } catch (error) {
    if (error.name === "AbortError") {
      // Stopped: the server stores the message and what was said so far; so does the view.
      // Stopped by opening another conversation: only the list needs to hear of it.
      const cut = startedIn;
      if (cut) listOnceStored(cut);
      if (!reply.isConnected) return;
      paint();
      reply.append(h("div", { class: "message-meta" }, "Stopped"));
      if (cut) adopt(cut);
      return;
    }
    // Nothing was stored: offer to send the same message again (same key, so never twice).
    const retry = h("button", { type: "button" }, "Retry");
    const failure = h("div", { class: "turn-error" }, h("p", { class: "error", role: "alert" }, error.message), retry);
    reply.replaceWith(failure);
    failedTurns = [userView, failure];
    retry.addEventListener("click", () => {
      failure.remove();
      failedTurns = [];
      send(text, key, userView);
    });
    retry.focus();
  } finally {
    body.classList.remove("typing");
    body.removeAttribute("aria-busy");
    if (streaming === controller) {
      streaming = null;
      showStreaming(false);
    }
  }
}

/** The server stores a cut turn once it notices the client left (at its next write, then a
 * database write): the list is asked again until it has the conversation, for a few seconds. */
function listOnceStored(id, tries = 5) {
  setTimeout(async () => {
    const listed = await hooks.finished(id);
    if (!listed && tries > 1) listOnceStored(id, tries - 1);
  }, 1000);
}

function adopt(id) {
  if (id !== conversationID) {
    conversationID = id;
    hooks.adopted(id);
  }
  hooks.finished(id);
}

function replyMeta(event) {
  const usage = event.usage;
  const tokens = usage ? `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens` : "";
  return h("div", { class: "message-meta" },
    h("span", { class: usage ? "usage" : null, title: tokens || null, tabindex: usage ? 0 : null, "aria-label": usage ? `${event.model}: ${tokens}` : null },
      event.model ?? ""));
}

function showStreaming(on) {
  sendButton.textContent = on ? "Stop" : "Send";
  sendButton.setAttribute("aria-label", on ? "Stop the reply" : "Send");
  sendButton.classList.toggle("stop", on);
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  if (streaming) {
    streaming.abort();
    return;
  }
  const text = prompt.value;
  if (!text.trim()) return;
  prompt.value = "";
  fitPrompt();
  send(text);
});

// Enter sends, Shift+Enter adds a line (and Enter that confirms an IME composition does neither).
prompt.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (!streaming) composer.requestSubmit();
});

function fitPrompt() {
  prompt.style.height = "auto";
  prompt.style.height = `${Math.min(prompt.scrollHeight, 200)}px`;
}
prompt.addEventListener("input", fitPrompt);

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
