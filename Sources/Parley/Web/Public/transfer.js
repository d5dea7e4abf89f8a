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

export async function importConversations() {
  const input = h("input", { type: "file", name: "file", accept: ".json,application/json", required: true, "aria-label": "Export file" });
  const result = await formDialog({
    title: "Import conversations",
    text: "A Parley export (one conversation or all), or conversations.json from a ChatGPT data export.",
    fields: [input],
    confirm: "Import",
    submit: async () => {
      const file = input.files[0];
      if (!file) throw new Error("Choose a file first.");
      const response = await authorized("POST", "/api/v1/conversations/import",
                                        { body: file, headers: { "Content-Type": "application/json" } });
      return response.json();
    },
  });
  if (!result) return;
  const failed = result.failed?.length ? `, ${result.failed.length} could not be read` : "";
  toast(`Imported ${result.conversations} conversations (${result.messages} messages)${failed}`);
  await refreshConversations().catch(() => {});
}
