// Starts the page: sign-in when there is no valid token, else the app. The address names the
// open conversation (#/c/<id>), so a reload or a bookmark comes back to it.
import { api, onTokenChange, onUnauthorized, session } from "./api.js";
import { hideAuth, showAuth } from "./auth.js";
import { showAccount } from "./account.js";
import { closeChat, openConversation, setTitle, setUpChat, showModel } from "./chat.js";
import { byId } from "./dom.js";
import { setUpSearch } from "./search.js";
import { closeMenu } from "./dialog.js";
import { adoptModel, setUpModelPicker, showConversationModel } from "./model-picker.js";
import { conversationPath, forgetConversations, markActive, refreshConversations, setDrawer, setUpSidebar, titleOf } from "./sidebar.js";
import "./shortcuts.js";

const appView = byId("app");
const ROUTE = /^#\/c\/([0-9a-f-]{36})$/;

const routeID = () => ROUTE.exec(location.hash)?.[1] ?? null;

function showRoute() {
  const id = routeID();
  markActive(id);
  setDrawer(false);
  openConversation(id, titleOf(id));
  showConversationModel(id);
}

let shown = null; // the account the app shows

async function start() {
  let user;
  try {
    user = await api("GET", "/api/v1/users/me");
  } catch (error) {
    if (error.status !== 401) showAuth(start, error.message);
    return; // a 401 already went back to sign-in
  }
  shown = user;
  hideAuth();
  appView.hidden = false;
  showAccount(user, () => signOut(""));
  showRoute();
  await Promise.all([
    refreshConversations().then(() => markActive(routeID())).catch(() => {}),
    api("GET", "/api/v1/models").then((models) => { showModel(models[0]?.id); setUpModelPicker(models); }).catch(() => showModel("")),
  ]);
}

function signOut(note) {
  shown = null;
  closeMenu();
  document.querySelector("dialog[open]")?.close();
  appView.hidden = true;
  closeChat();
  forgetConversations();
  showAuth(start, note);
}

setUpSearch();

onUnauthorized(() => signOut("Your session has ended. Please sign in again."));

// Another tab signed out or in (maybe as someone else): this tab follows, so it never shows one
// account while its requests go to another's.
onTokenChange(async (token) => {
  if (!token) return signOut("You signed out in another tab.");
  if (shown) {
    let user;
    try {
      user = await api("GET", "/api/v1/users/me");
    } catch {
      return; // a 401 went back to sign-in; a failure to reach the server changes nothing yet
    }
    if (user.id === shown.id) return; // the same person: a new password, nothing to redraw
    signOut("");
    history.replaceState(null, "", location.pathname + location.search); // the other account's chat
  }
  hideAuth();
  start();
});

setUpChat({
  adopted(id) {
    // The new chat now has a conversation (or, null, no longer has one): say so in the address
    // without reloading it.
    history.replaceState(null, "", id ? conversationPath(id) : location.pathname + location.search);
    markActive(id);
    adoptModel(id);
  },
  async finished(id) {
    await refreshConversations().catch(() => {});
    if (routeID() === id && titleOf(id)) setTitle(titleOf(id));
    return titleOf(id) !== undefined;
  },
});

setUpSidebar((change) => {
  if (change.id !== routeID()) return;
  if (change.deleted) location.hash = "";
  else setTitle(change.title);
});

addEventListener("hashchange", () => {
  if (!appView.hidden) showRoute();
});

if (session.token) start();
else showAuth(start);
