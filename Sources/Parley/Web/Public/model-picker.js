// The model picker: which model the open conversation's chats use (PATCH …/conversations/{id}
// {"model"}); "Server default" is null, LLM_MODEL. A new chat has no conversation until its first
// message: what is picked before is sent with that message, then kept as the conversation's.
import { api } from "./api.js";
import { byId, h } from "./dom.js";
import { toast } from "./dialog.js";

const picker = byId("model-picker");
let conversationID = null;
let chosen = ""; // the open conversation's model: the options may arrive after it (a reload)

/** Fills the picker with the provider's models (GET /api/v1/models). */
export function setUpModelPicker(models) {
  picker.replaceChildren(h("option", { value: "" }, "Server default"), ...models.map((model) => h("option", { value: model.id }, model.id)));
  picker.value = chosen;
}

/** Shows the model of conversation `id` (null: a new chat, which has none yet). */
export async function showConversationModel(id) {
  conversationID = id;
  chosen = "";
  picker.value = "";
  if (!id) return;
  try {
    const conversation = await api("GET", `/api/v1/conversations/${id}`);
    if (conversationID !== id) return;
    chosen = conversation.model ?? "";
    picker.value = chosen;
  } catch {
    // A conversation that is gone is the chat's business to report.
  }
}

/** The model picked for a new chat's first message ("" for the server's default). */
export function modelForNewChat() {
  return conversationID ? "" : chosen;
}

/** A new chat got its conversation (null: its first turn failed and took it along): the model
 * picked for it becomes the conversation's. */
export async function adoptModel(id) {
  if (!id) {
    conversationID = null; // a new chat again, whose retry takes the same pick
    return;
  }
  if (conversationID) return;
  conversationID = id;
  if (!chosen) return;
  try {
    await api("PATCH", `/api/v1/conversations/${id}`, { model: chosen });
  } catch (error) {
    toast(error.message);
  }
}

picker.addEventListener("change", async () => {
  if (!conversationID) {
    chosen = picker.value; // sent with the first message
    return;
  }
  try {
    await api("PATCH", `/api/v1/conversations/${conversationID}`, { model: picker.value || null });
    chosen = picker.value;
    toast(picker.value ? `This conversation now uses ${picker.value}` : "This conversation now uses the server's default model");
  } catch (error) {
    toast(error.message);
    await showConversationModel(conversationID);
  }
});
