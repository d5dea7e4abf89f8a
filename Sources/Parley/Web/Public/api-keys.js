// API keys in the account menu: list, create (the key is shown once, with a copy button),
// revoke. Keys are for other tools (OpenAI clients at /v1); the page itself signs in with a token.
import { api } from "./api.js";
import { h } from "./dom.js";
import { formDialog, toast } from "./dialog.js";

const when = (stamp) => (stamp ? new Date(stamp).toLocaleString() : "never");

export async function manageKeys() {
  const list = h("ul", { class: "key-list", "aria-label": "API keys" });
  const refresh = async () => {
    const keys = await api("GET", "/api/v1/users/me/api-keys");
    list.replaceChildren(...(keys.length ? keys.map((key) => keyItem(key, refresh)) : [h("li", { class: "muted" }, "No API keys yet.")]));
  };
  await refresh();
  const create = h("button", { type: "button", onclick: async () => { if (await createKey()) await refresh(); } }, "Create a key…");
  await formDialog({
    title: "API keys",
    text: "Keys let OpenAI-compatible tools use Parley: base URL <this server>/v1, the key as the API key.",
    fields: [list, create],
    confirm: "Done",
    submit: () => true,
  });
}

function keyItem(key, refresh) {
  const revoke = h("button", {
    type: "button", class: "danger", "aria-label": `Revoke ${key.name}`,
    onclick: async () => {
      const done = await formDialog({
        title: "Revoke this key?", text: `${key.name} (${key.prefix}…) stops working at once.`, confirm: "Revoke", danger: true,
        submit: () => api("DELETE", `/api/v1/users/me/api-keys/${key.id}`),
      });
      if (done) { toast("Key revoked"); await refresh(); }
    },
  }, "Revoke");
  return h("li", {}, h("strong", {}, key.name), " ", h("code", {}, `${key.prefix}…`),
    h("span", { class: "muted" }, ` created ${when(key.created_at)}, last used ${when(key.last_used_at)} `), revoke);
}

async function createKey() {
  const created = await formDialog({
    title: "Create an API key",
    fields: [h("label", {}, "Name (what will use it)", h("input", { name: "name", required: true, maxlength: 100 }))],
    confirm: "Create",
    submit: (form) => api("POST", "/api/v1/users/me/api-keys", { name: form.elements.name.value }),
  });
  if (!created) return false;
  const field = h("input", { readonly: true, value: created.key, "aria-label": "The new key", class: "key-secret" });
  const copy = h("button", {
    type: "button",
    onclick: async () => { await navigator.clipboard.writeText(created.key); toast("Key copied"); },
  }, "Copy");
  await formDialog({
    title: "Your new key",
    text: "Copy it now: it is shown only this once.",
    fields: [field, copy],
    confirm: "Done",
    submit: () => true,
  });
  return true;
}

/** The month's usage against the budget, for the account menu. */
export async function showUsage() {
  const me = await api("GET", "/api/v1/users/me");
  const budget = me.monthly_token_budget;
  const used = me.tokens_used_this_month ?? 0;
  const text = budget === null || budget === undefined
    ? `${used.toLocaleString()} tokens used this month (no budget).`
    : `${used.toLocaleString()} of ${budget.toLocaleString()} tokens used this month.`;
  const meter = budget ? h("meter", { min: 0, max: budget, value: Math.min(used, budget), "aria-label": "Budget used" }) : null;
  await formDialog({ title: "Usage", text, fields: [meter], confirm: "Done", submit: () => true });
}
