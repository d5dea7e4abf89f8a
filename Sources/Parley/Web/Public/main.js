// Starts the page: sign-in when there is no valid token, else the app. The address names the
// open conversation (#/c/<id>), so a reload or a bookmark comes back to it.
import { api, onUnauthorized, session } from "./api.js";
import { hideAuth, showAuth } from "./auth.js";
import { showAccount } from "./account.js";
import { openConversation, setTitle, setUpChat, showModel } from "./chat.js";
import { byId } from "./dom.js";
import { setUpSearch } from "./search.js";
import { closeMenu } from "./dialog.js";
import { conversationPath, markActive, refreshConversations, setDrawer, setUpSidebar, titleOf } from "./sidebar.js";

const appView = byId("app");
const ROUTE = /^#\/c\/([0-9a-f-]{36})$/;

const routeID = () => ROUTE.exec(location.hash)?.[1] ?? null;

function showRoute() {
  const id = routeID();
  markActive(id);
  setDrawer(false);
  openConversation(id, titleOf(id));
}

async function start() {
  let user;
  try {
    user = await api("GET", "/api/v1/users/me");
  } catch (error) {
    if (error.status !== 401) showAuth(start, error.message);
    return; // a 401 already went back to sign-in
  }
  hideAuth();
  appView.hidden = false;
  showAccount(user, () => signOut(""));
  showRoute();
  await Promise.all([
    refreshConversations().then(() => markActive(routeID())).catch(() => {}),
    api("GET", "/api/v1/models").then((models) => showModel(models[0]?.id)).catch(() => showModel("")),
  ]);
}

function signOut(note) {
  closeMenu();
  document.querySelector("dialog[open]")?.close();
  appView.hidden = true;
  openConversation(null);
  showAuth(start, note);
}

setUpSearch();

onUnauthorized(() => signOut("Your session has ended. Please sign in again."));

setUpChat({
  adopted(id) {
    // The new chat now has a conversation (or, null, no longer has one): say so in the address
    // without reloading it.
    history.replaceState(null, "", id ? conversationPath(id) : location.pathname + location.search);
    markActive(id);
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
