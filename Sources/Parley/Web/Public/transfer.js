// Export and import: downloads of one conversation (JSON or Markdown) or of all of them, and an
// upload of a Parley or ChatGPT export. Downloads go through fetch (they need the token) and are
// handed to the browser as a file.
import { APIError, describeError, session } from "./api.js";
import { h } from "./dom.js";
import { formDialog, toast } from "./dialog.js";
import { refreshConversations } from "./sidebar.js";

async function authorized(method, path, init = {}) {
  let response;
  try {
    response = await fetch(path, { ...init, method, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${session.token}` } });
  } catch {
    throw new APIError(0, "Parley cannot be reached. Check that the server is running, then try again.");
  }
  if (!response.ok) throw new APIError(response.status, describeError(await response.json().catch(() => null), response.status));
  return response;
}

/** The file name a Content-Disposition header gives (its UTF-8 form when there is one). */
export function fileName(disposition, fallback) {
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? "");
  if (utf8) {
    try { return decodeURIComponent(utf8[1]); } catch { /* the plain name below */ }
  }
  return /filename="([^"]+)"/i.exec(disposition ?? "")?.[1] ?? fallback;
}

async function download(path, fallback) {
  try {
    const response = await authorized("GET", path);
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: fileName(response.headers.get("Content-Disposition"), fallback), hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    toast(error.message);
  }
}

export function exportConversation(conversation, format) {
  return download(`/api/v1/conversations/${conversation.id}/export?format=${format}`,
                  `conversation.${format === "markdown" ? "md" : "json"}`);
}

export function exportAll() {
  return download("/api/v1/users/me/export", "parley-export.json");
}

const UNREACHABLE = "Parley cannot be reached. Check that the server is running, then try again.";

/** "1.4 MB": a file's size for the progress line. */
export function sizeText(bytes) {
  if (bytes < 1000) return `${bytes} bytes`;
  const [value, unit] = bytes < 1e6 ? [bytes / 1e3, "kB"] : bytes < 1e9 ? [bytes / 1e6, "MB"] : [bytes / 1e9, "GB"];
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}

/** Sends an import file, telling `progress(text)` how far it got: how much of it was sent, then
 * that the server is reading it (an export can be hundreds of megabytes). XMLHttpRequest, as
 * fetch says nothing of an upload's progress. `signal` stops the sending. */
function upload(file, progress, signal) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/v1/conversations/import");
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("Authorization", `Bearer ${session.token}`);
    request.responseType = "json";
    const size = sizeText(file.size);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.loaded < event.total) {
        progress(`Sending ${file.name}: ${sizeText(event.loaded)} of ${size}…`);
      }
    });
    request.upload.addEventListener("load", () => progress(`Importing the conversations of ${file.name} (${size})…`));
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300 && request.response) resolve(request.response);
      else reject(new APIError(request.status, describeError(request.response, request.status)));
    });
    request.addEventListener("error", () => reject(new APIError(0, UNREACHABLE)));
    request.addEventListener("abort", () => reject(new APIError(0, "The import was cancelled.")));
    signal.addEventListener("abort", () => request.abort());
    progress(`Sending ${file.name} (${size})…`);
    request.send(file);
  });
}

/** What an import did, in words: "Imported 2 conversations (7 messages)", and what it left out. */
export function importSummary(result) {
  const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const parts = [`Imported ${plural(result.conversations ?? 0, "conversation")} (${plural(result.messages ?? 0, "message")})`];
  if (result.skipped) parts.push(`${plural(result.skipped, "part")} left out (not text)`);
  if (result.failed?.length) parts.push(`${plural(result.failed.length, "conversation")} could not be read`);
  return parts.join("; ");
}

export async function importConversations() {
  const input = h("input", { type: "file", name: "file", accept: ".json,application/json", required: true, "aria-label": "Export file" });
  const line = h("p", { class: "progress-line muted small", role: "status" });
  const cancel = new AbortController();
  let sent = false;
  const result = await formDialog({
    title: "Import conversations",
    text: "A Parley export (one conversation or all), or conversations.json from a ChatGPT data export.",
    fields: [input, line],
    confirm: "Import",
    submit: async () => {
      const file = input.files[0];
      if (!file) throw new Error("Choose a file first.");
      // Closing the dialog while the file is being sent stops the sending.
      input.closest("dialog").addEventListener("close", () => cancel.abort(), { once: true });
      sent = true;
      try {
        return await upload(file, (text) => { line.textContent = text; }, cancel.signal);
      } catch (error) {
        line.textContent = "";
        throw error;
      }
    },
  });
  if (result) toast(importSummary(result));
  // Even a failed or cancelled import may have stored the conversations read before it ended.
  if (sent) await refreshConversations().catch(() => {});
}
