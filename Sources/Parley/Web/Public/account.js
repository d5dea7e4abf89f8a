// The account menu: API keys, usage, export and import, change password, sign out; for a
// superuser, users and audit.
import { api, session, signIn } from "./api.js";
import { manageKeys, showUsage } from "./api-keys.js";
import { manageUsers, showAudit } from "./admin.js";
import { byId, h } from "./dom.js";
import { closeMenu, formDialog, showMenu, toast } from "./dialog.js";
import { exportAll, importConversations } from "./transfer.js";

const button = byId("account-button");
let user = null;
let signedOut = () => {};

export function showAccount(current, onSignOut) {
  user = current;
  signedOut = onSignOut;
  button.querySelector(".avatar").textContent = (current.full_name || current.email).trim().charAt(0);
  button.querySelector(".account-email").textContent = current.email;
  button.setAttribute("aria-label", `Account: ${current.email}`);
}

button.addEventListener("click", () => {
  if (button.getAttribute("aria-expanded") === "true") return closeMenu();
  const failed = (error) => toast(error.message);
  showMenu(button, [
    ["API keys", () => manageKeys().catch(failed)],
    ["Usage this month", () => showUsage().catch(failed)],
    ...(user?.is_superuser ? [["Users", () => manageUsers().catch(failed)], ["Audit log", () => showAudit().catch(failed)]] : []),
    ["Export all conversations", exportAll],
    ["Import conversations…", importConversations],
    ["Change password", changePassword],
    ["Sign out", () => { session.token = null; signedOut(); }],
  ]);
});

async function changePassword() {
  const field = (label, name, autocomplete) =>
    h("label", {}, label, h("input", { name, type: "password", autocomplete, required: true }));
  const changed = await formDialog({
    title: "Change password",
    fields: [
      field("Current password", "current_password", "current-password"),
      field("New password (8 characters or more)", "new_password", "new-password"),
    ],
    confirm: "Change password",
    submit: async (form) => {
      const { current_password: current, new_password: next } = form.elements;
      await api("PATCH", "/api/v1/users/me/password", { current_password: current.value, new_password: next.value });
      // The change revokes every earlier token, this one too: sign in again with the new password.
      await signIn(user.email, next.value);
    },
  });
  if (changed) toast("Password changed");
}
