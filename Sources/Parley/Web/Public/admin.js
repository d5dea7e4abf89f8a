// The superuser's view: users (activate, superuser, monthly budget) and the audit log.
import { api } from "./api.js";
import { h } from "./dom.js";
import { formDialog, toast } from "./dialog.js";

export async function manageUsers() {
  const body = h("tbody");
  const refresh = async () => {
    const users = await api("GET", "/api/v1/users/?limit=1000");
    body.replaceChildren(...users.map((user) => userRow(user, refresh)));
  };
  await refresh();
  await formDialog({
    title: "Users",
    fields: [h("table", { class: "admin-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Email"), h("th", {}, "Active"), h("th", {}, "Superuser"), h("th", {}, "Monthly token budget"))),
      body)],
    confirm: "Done",
    submit: () => true,
  });
}

function userRow(user, refresh) {
  const change = async (fields, what) => {
    try {
      await api("PATCH", `/api/v1/users/${user.id}`, fields);
      toast(`${user.email}: ${what}`);
    } catch (error) {
      toast(error.message);
    }
    await refresh();
  };
  const toggle = (name, label) => h("input", {
    type: "checkbox", checked: user[name], "aria-label": `${label}: ${user.email}`,
    onchange: (event) => change({ [name]: event.target.checked }, `${label} ${event.target.checked ? "on" : "off"}`),
  });
  const budget = h("input", {
    type: "number", min: 0, step: 1000, value: user.monthly_token_budget ?? "", placeholder: "unlimited",
    "aria-label": `Monthly token budget: ${user.email}`,
    onchange: (event) => {
      const raw = event.target.value.trim();
      change({ monthly_token_budget: raw === "" ? null : Number(raw) }, raw === "" ? "unlimited" : `budget ${raw}`);
    },
  });
  return h("tr", {}, h("td", {}, user.email), h("td", {}, toggle("is_active", "Active")),
    h("td", {}, toggle("is_superuser", "Superuser")), h("td", {}, budget));
}

export async function showAudit() {
  const entries = await api("GET", "/api/v1/audit?limit=200");
  const rows = entries.map((entry) => h("tr", {},
    h("td", {}, new Date(entry.at).toLocaleString()), h("td", {}, entry.action), h("td", {}, entry.target ?? ""),
    h("td", {}, entry.actor_id ?? ""), h("td", {}, entry.ip ?? "")));
  await formDialog({
    title: "Audit log (newest 200)",
    fields: [h("table", { class: "admin-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "Action"), h("th", {}, "Target"), h("th", {}, "By"), h("th", {}, "Address"))),
      h("tbody", {}, rows))],
    confirm: "Done",
    submit: () => true,
  });
}
