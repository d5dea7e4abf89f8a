// The controls around a message: a question's edit button, a reply's footer (model and usage,
// how it ended, regenerate), "‹ 2/3 ›" between versions, and the form that edits a question.
// Each control has a `data-focus` name, so focus can find its way back after the branch is redrawn.
import { h } from "./dom.js";
import { enterSends } from "./keys.js";

const ENDINGS = {
  stopped: ["Stopped", "Stopped by its reader: the text is what was written until then."],
  interrupted: ["Interrupted", "The server stopped while writing it: the text is what had been saved."],
};

/** `actions`: {edit(message), regenerate(message), switchTo(id)}. Every control is a `.tool`
 * button: the chat view disables them all while a reply is being written (see setBusy). */
export function userTools(message, version, actions) {
  const edit = message.id ? h("button", {
    type: "button", class: "tool", "aria-label": "Edit message", title: "Edit",
    "data-focus": `edit:${message.id}`, onclick: () => actions.edit(message),
  }, "✎") : null;
  const versions = versionSwitch(message, version, actions);
  return edit || versions ? h("div", { class: "message-tools" }, versions, edit) : null;
}

/** The footer of a reply that ended: shown only then, so "has a footer" means "finished". */
export function replyFooter(message, version, actions) {
  const { model, usage } = message;
  const tokens = usage ? `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens` : "";
  const ending = ENDINGS[message.status];
  return h("div", { class: "message-meta" },
    versionSwitch(message, version, actions),
    model ? h("span", {
      class: usage ? "usage" : null, title: tokens || null, tabindex: usage ? 0 : null,
      "aria-label": usage ? `${model}: ${tokens}` : null,
    }, model) : null,
    ending ? h("span", { class: `reply-state ${message.status}`, title: ending[1] }, ending[0]) : null,
    // A new reply to the same question: the question must be known (it is, once listed).
    message.id && message.parent_id ? h("button", {
      type: "button", class: "tool regenerate", "aria-label": "Regenerate reply", title: "Regenerate",
      "data-focus": `regenerate:${message.id}`, onclick: () => actions.regenerate(message),
    }, "↻") : null);
}

/** "‹ 2/3 ›" on a message with other versions; nothing on one without. An arrow at either end
 * is marked `data-end`: disabled even when nothing else is. */
function versionSwitch(message, version, actions) {
  if (version.count < 2) return null;
  const key = `versions:${message.parent_id ?? ""}`;
  const step = (label, target, glyph, name) => h("button", {
    type: "button", class: "tool", "aria-label": label, disabled: !target, "data-end": !target,
    "data-focus": `${key}:${name}`, onclick: () => actions.switchTo(target),
  }, glyph);
  return h("span", { class: "versions", role: "group", "aria-label": `Version ${version.index} of ${version.count}` },
    step("Previous version", version.previous, "‹", "previous"),
    h("span", { class: "count", "aria-hidden": "true" }, `${version.index}/${version.count}`),
    step("Next version", version.next, "›", "next"));
}

/** The form that replaces a question being edited. Enter sends, Shift+Enter adds a line (on a
 * phone Enter adds a line: keys.js), Escape cancels; `send(text)` gets the new text, and may
 * return why it cannot be sent (shown in the form, which stays open). */
export function editForm(text, { send, cancel }) {
  const area = h("textarea", { class: "edit-text", "aria-label": "Edited message", rows: 1, dir: "auto" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  area.value = text;
  const fit = () => {
    area.style.height = "auto";
    // scrollHeight leaves out the border, which the height (border-box) includes.
    area.style.height = `${Math.min(area.scrollHeight + area.offsetHeight - area.clientHeight, 240)}px`;
  };
  area.addEventListener("input", () => {
    fit();
    error.hidden = true;
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault(); // the page's Escape (stop a reply) is not meant
      cancel();
    } else if (enterSends(event)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  const form = h("form", { class: "edit-form", "aria-label": "Edit message" },
    area,
    error,
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: cancel }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Send")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!area.value.trim()) return;
    const refusal = send(area.value);
    error.textContent = refusal ?? "";
    error.hidden = !refusal;
  });
  // Sized and focused once it is in the page.
  requestAnimationFrame(() => {
    fit();
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  });
  return form;
}

/** The name of the control that has focus, to give focus back to its successor after a redraw. */
export function focusedControl() {
  return document.activeElement?.closest?.("[data-focus]")?.dataset.focus ?? null;
}

/** Focuses the control named `name` in `root` (or, when it is now disabled, its enabled neighbour
 * in the same group): the reader stays where they were. */
export function refocus(root, name) {
  if (!name) return;
  const control = root.querySelector(`[data-focus="${CSS.escape(name)}"]`);
  if (!control) return;
  if (!control.disabled) control.focus();
  else control.parentElement.querySelector("button:not(:disabled)")?.focus();
}
