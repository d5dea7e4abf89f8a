// The API client: the same public HTTP API any other client uses, with the token in a header.
import { readEvents } from "./sse.js";

// The token is kept in localStorage so a reload or a new tab stays signed in (README: "The chat
// page"). Signing out, a 401, or a password change forgets it. Each tab also keeps the token it
// is showing the account of: its requests carry that one, never one that another tab stored for
// somebody else in the meantime (the storage event tells it to follow, see onTokenChange).
const TOKEN_KEY = "parley.token";
let held = localStorage.getItem(TOKEN_KEY);

export const session = {
  get token() {
    return held;
  },
  set token(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    // Forget only our own token: another tab may have stored a newer one (another account).
    else if (localStorage.getItem(TOKEN_KEY) === held) localStorage.removeItem(TOKEN_KEY);
    held = value || null;
  },
};

/** `changed(token)` hears when another tab stored a token (signed in, maybe as someone else)
 * or removed it (signed out): this tab then holds the stored one, null when there is none. */
export function onTokenChange(changed) {
  addEventListener("storage", (event) => {
    if (event.key !== TOKEN_KEY && event.key !== null) return; // null: storage was cleared
    const stored = localStorage.getItem(TOKEN_KEY);
    if (stored === held) return;
    held = stored;
    changed(stored);
  });
}

let unauthorized = () => {};
/** Called when the server rejects the stored token (expired, revoked, user gone). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The server's own words: `{"detail": "…"}`, or a 422's list of `{loc, msg}`. */
export function describeError(body, status) {
  const detail = body?.detail;
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail) && detail.length) {
    return detail
      .map((issue) => {
        const field = (issue.loc ?? []).filter((part) => part !== "body").join(".");
        return field ? `${field}: ${issue.msg}` : String(issue.msg);
      })
      .join("\n");
  }
  return `The server answered with status ${status}.`;
}

async function send(method, path, body, { signal, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal };
  const token = session.token;
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new APIError(0, "Parley cannot be reached. Check that the server is running, then try again.");
  }
  if (response.ok) return response;
  const payload = await response.json().catch(() => null);
  // A 401 ends the session, even one whose token is already gone (only the sign-in's own 401,
  // a wrong password, does not): the answer is the sign-in screen, never an error and a Retry.
  if (response.status === 401 && path !== "/token") {
    session.token = null;
    unauthorized();
  }
  throw new APIError(response.status, describeError(payload, response.status));
}

/** A JSON request; resolves to the parsed body (null for 204). */
export async function api(method, path, body) {
  const response = await send(method, path, body);
  return response.status === 204 ? null : response.json();
}

/** A page of a list route (`?skip&limit`): its items and the total the server counted
 * (`X-Total-Count`; without the header, what the page itself tells). */
export async function apiPage(path, { skip = 0, limit }) {
  const separator = path.includes("?") ? "&" : "?";
  const response = await send("GET", `${path}${separator}skip=${skip}&limit=${limit}`);
  const items = await response.json();
  const counted = Number.parseInt(response.headers.get("X-Total-Count") ?? "", 10);
  const total = Number.isFinite(counted) ? counted : items.length < limit ? skip + items.length : Infinity;
  return { items, total };
}

/** The first `count` items of a list route (all of them without a count), a page of at most
 * 1000 (the API's largest) at a time, and the total counted. A list that changed between two
 * pages (its total moved) is read again from the start, so no item is missed or doubled; after a
 * few tries, what was read is kept without doubles. */
export async function apiFirst(path, count = Infinity) {
  let items = [];
  let total = 0;
  for (let attempt = 0, steady = false; attempt < 3 && !steady; attempt++) {
    ({ items, total } = await apiPage(path, { limit: Math.min(count, 1000) }));
    steady = true;
    while (steady && items.length < Math.min(count, total)) {
      const next = await apiPage(path, { skip: items.length, limit: Math.min(count - items.length, 1000) });
      items = items.concat(next.items);
      steady = next.total === total && next.items.length > 0;
      total = next.total;
    }
  }
  const seen = new Set();
  items = items.filter((item) => !seen.has(item.id) && seen.add(item.id));
  return { items, total: Math.max(total, items.length) };
}

/** Every item of a list route (see apiFirst). */
export async function apiAll(path) {
  return (await apiFirst(path)).items;
}

export async function signIn(email, password) {
  const { access_token: token } = await api("POST", "/token", { username: email, password });
  session.token = token;
}

/** A random key for `Idempotency-Key` (crypto.randomUUID needs a secure context; this does not). */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Starts a chat turn, streamed. Resolves once the server answered (a failed request rejects
 * with an APIError) to its events: `{id, data}` with start, delta, and one of done, stopped,
 * interrupted or error. A retry with the same `key` attaches to the same reply, never a second. */
export async function streamChat(request, { signal, key, onBytes }) {
  const response = await send("POST", "/api/chat", { ...request, stream: true }, {
    signal,
    headers: { Accept: "text/event-stream", "Idempotency-Key": key },
  });
  return readEvents(response.body, { onBytes });
}

/** Attaches to a reply (in progress or ended): its events after event `after` (all without it). */
export async function attachReply(messageID, { after, signal, onBytes }) {
  const headers = { Accept: "text/event-stream" };
  if (after != null) headers["Last-Event-ID"] = after;
  const response = await send("GET", `/api/chat/${messageID}/stream`, undefined, { signal, headers });
  return readEvents(response.body, { onBytes });
}

/** Asks the server to stop a reply; resolves to the message as stored (its final status). */
export function stopReply(messageID) {
  return api("POST", `/api/chat/${messageID}/stop`);
}
