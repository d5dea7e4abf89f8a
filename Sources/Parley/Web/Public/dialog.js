// Modal dialogs and pop-up menus, keyboard-first: a <dialog> traps focus and closes on Escape;
// a menu is reached with the arrow keys and gives focus back to the button that opened it.
import { h } from "./dom.js";

/**
 * Shows a form in a modal dialog. `submit(form)` may throw: its message is shown in the dialog
 * and the dialog stays open. Resolves to what `submit` returned, or null when cancelled.
 */
export function formDialog({ title, fields = [], text, confirm, danger = false, submit }) {
  return new Promise((resolve) => {
    // Focus goes back where it was when the dialog closes (a menu gave it back to its button
    // first): not to <body>, where a screen reader or keyboard user would be lost.
    const opener = document.activeElement;
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const confirmButton = h("button", { type: "submit", class: danger ? "danger" : "primary" }, confirm);
    const form = h("form", { class: "stack", method: "dialog" },
      h("h2", {}, title),
      text ? h("p", {}, text) : null,
      fields,
      error,
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
        confirmButton));
    const dialog = h("dialog", { "aria-label": title }, form);
    let result = null;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      confirmButton.disabled = true;
      error.hidden = true;
      try {
        result = (await submit(form)) ?? true;
        dialog.close();
      } catch (failure) {
        error.textContent = failure.message;
        error.hidden = false;
      } finally {
        confirmButton.disabled = false;
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener?.isConnected && opener !== document.body) opener.focus();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

let openMenu = null;

/** Opens a menu of `[label, action, {danger}]` below `button`. */
export function showMenu(button, items) {
  closeMenu();
  const buttons = items.map(([label, action, options = {}]) =>
    h("button", {
      type: "button", role: "menuitem", class: options.danger ? "danger-item" : null,
      onclick: () => { closeMenu(true); action(); },
    }, label));
  const menu = h("ul", { class: "menu", role: "menu" }, buttons.map((item) => h("li", { role: "none" }, item)));
  document.body.append(menu);
  const box = button.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  menu.style.left = `${Math.max(8, Math.min(box.right - width, innerWidth - width - 8))}px`;
  const below = box.bottom + 4;
  menu.style.top = `${below + height > innerHeight - 8 ? Math.max(8, box.top - height - 4) : below}px`;
  button.setAttribute("aria-expanded", "true");
  openMenu = { menu, button };
  menu.addEventListener("keydown", (event) => {
    const index = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      buttons[(index + step + buttons.length) % buttons.length].focus();
    } else if (event.key === "Escape" || event.key === "Tab") {
      event.preventDefault();
      closeMenu(true);
    }
  });
  buttons[0].focus();
}

export function closeMenu(refocus = false) {
  if (!openMenu) return;
  const { menu, button } = openMenu;
  openMenu = null;
  menu.remove();
  button.setAttribute("aria-expanded", "false");
  if (refocus) button.focus();
}

document.addEventListener("pointerdown", (event) => {
  if (openMenu && !openMenu.menu.contains(event.target) && !openMenu.button.contains(event.target)) closeMenu();
});
addEventListener("resize", () => closeMenu());

let toastTimer;
/** A short message at the bottom of the screen. */
export function toast(message) {
  const element = document.getElementById("toast");
  element.textContent = message;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { element.hidden = true; }, 2500);
}
