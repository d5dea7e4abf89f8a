// Sign in and sign up. Errors are the server's own messages. The sign-up form is offered only
// when the server says registration is open (the page's <meta name="parley-signup">).
import { api, signIn } from "./api.js";
import { byId } from "./dom.js";

const signinForm = byId("signin-form");
const signupForm = byId("signup-form");
const signupOpen = document.querySelector('meta[name="parley-signup"]')?.content !== "closed";

let signedIn = () => {};

/** Shows the sign-in screen; `done()` runs once a token is stored. `note` explains why we are here. */
export function showAuth(done, note = "") {
  signedIn = done;
  byId("auth").hidden = false;
  byId("to-signup").hidden = !signupOpen;
  byId("signup-closed").hidden = signupOpen;
  const noteElement = byId("signin-note");
  noteElement.textContent = note;
  noteElement.hidden = !note;
  switchTo(signinForm);
}

export function hideAuth() {
  byId("auth").hidden = true;
  for (const form of [signinForm, signupForm]) {
    form.reset();
    showError(form, "");
  }
}

function switchTo(form) {
  signinForm.hidden = form !== signinForm;
  signupForm.hidden = form !== signupForm;
  form.querySelector("input").focus();
}

function showError(form, message) {
  const error = form.querySelector(".error");
  error.textContent = message;
  error.hidden = !message;
}

/** Runs `action` with the form's button disabled, showing what failed. */
async function busy(form, action) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  showError(form, "");
  try {
    await action();
  } catch (error) {
    showError(form, error.message);
  } finally {
    button.disabled = false;
  }
}

signinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const { email, password } = signinForm.elements;
  busy(signinForm, async () => {
    await signIn(email.value.trim(), password.value);
    signedIn();
  });
});

signupForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const { email, password, full_name: fullName } = signupForm.elements;
  busy(signupForm, async () => {
    const account = { email: email.value.trim(), password: password.value };
    if (fullName.value.trim()) account.full_name = fullName.value.trim();
    await api("POST", "/api/v1/users/signup", account);
    await signIn(account.email, account.password);
    signedIn();
  });
});

byId("to-signup").querySelector("button").addEventListener("click", () => switchTo(signupForm));
byId("to-signin").addEventListener("click", () => switchTo(signinForm));
