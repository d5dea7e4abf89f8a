"""What a person does on the chat page, as steps the tests share."""
import itertools
import json
import urllib.request
from datetime import datetime, timedelta, timezone

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as visible
from selenium.webdriver.support.ui import WebDriverWait

_emails = itertools.count(1)


def new_email(label: str) -> str:
    return f"{label}-{next(_emails)}@example.com"


def wait(driver, seconds: float = 10) -> WebDriverWait:
    # The list is redrawn after each change: an element read mid-redraw is looked up again.
    return WebDriverWait(driver, seconds, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException])


def find(driver, selector: str):
    return wait(driver).until(visible.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def all_of(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def text_of(driver, selector: str) -> str:
    return driver.execute_script("return document.querySelector(arguments[0])?.innerText ?? ''", selector)


def sign_up(driver, email: str, password: str = "correct horse") -> None:
    find(driver, "#to-signup button").click()
    form = find(driver, "#signup-form")
    form.find_element(By.NAME, "email").send_keys(email)
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    find(driver, "#prompt")


def sign_in(driver, email: str, password: str) -> None:
    form = find(driver, "#signin-form")
    for name, value in (("email", email), ("password", password)):
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def sign_out(driver) -> None:
    find(driver, "#account-button").click()
    menu_item(driver, "Sign out").click()
    find(driver, "#signin-form")


def menu_item(driver, label: str):
    return wait(driver).until(lambda d: next((b for b in all_of(d, ".menu button") if b.text == label), None))


def dialog_button(driver, label: str):
    return wait(driver).until(lambda d: next((b for b in all_of(d, "dialog[open] button") if b.text == label), None))


def enter_adds_a_line(driver) -> bool:
    """On a phone (a touch screen, or a narrow one) Enter adds a line and the Send button sends."""
    return driver.execute_script("return matchMedia('(pointer: coarse), (max-width: 720px)').matches")


def send(driver, text: str) -> None:
    prompt = find(driver, "#prompt")
    prompt.send_keys(text)
    if enter_adds_a_line(driver):
        find(driver, "#send-button").click()
    else:
        prompt.send_keys(Keys.ENTER)


def phone(driver, scheme: str = "light") -> None:
    """The phone viewport (390×844, touch), in a colour scheme; reloads the page."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.refresh()


def reply_text(driver) -> str:
    return text_of(driver, ".message.assistant:last-child .reply-body")


def wait_for_reply(driver, seconds: float = 30):
    """Waits for the last reply's footer (model name, or Stopped) and returns the reply element.
    Looked up in one step inside the wait: the page may redraw the reply as it ends."""
    def reply(d):
        meta = next(iter(all_of(d, ".message.assistant:last-child .message-meta")), None)
        return meta.find_element(By.XPATH, "..") if meta else None
    return wait(driver, seconds).until(reply)


def open_conversation_menu(driver, title: str):
    item = wait(driver).until(lambda d: next(
        (li for li in all_of(d, "#conversation-list li") if li.find_element(By.TAG_NAME, "a").text == title), None))
    button = item.find_element(By.CSS_SELECTOR, ".more")
    driver.execute_script("arguments[0].focus()", button)
    button.send_keys(Keys.ENTER)
    return item


def conversation_titles(driver) -> list[str]:
    return driver.execute_script("return [...document.querySelectorAll('#conversation-list a')].map(a => a.innerText)")


def reply_state(driver) -> str:
    """How the last reply ended, as its footer says ("Stopped", "Interrupted"; "" when complete)."""
    return text_of(driver, ".message.assistant:last-child .message-meta .reply-state")


def release(fake_provider: str, gate: str) -> None:
    """Lets the fake provider go on with a reply held at "[gate NAME N]"."""
    base = fake_provider.removesuffix("/v1")
    with urllib.request.urlopen(urllib.request.Request(f"{base}/gates/{gate}", method="POST"), timeout=5):
        pass


def stored_messages(driver, branch: str = "") -> list[dict]:
    """The open conversation's messages as the API lists them (its current branch, or `branch=all`)."""
    return driver.execute_async_script("""
        const [branch, done] = arguments;
        const id = location.hash.replace('#/c/', '');
        fetch(`/api/v1/conversations/${id}/messages` + (branch ? `?branch=${branch}` : ''),
              {headers: {Authorization: 'Bearer ' + localStorage.getItem('parley.token')}})
          .then((response) => response.json()).then(done, (error) => done(String(error)));
    """, branch)


def record_reply_text(driver) -> None:
    """From now on, every text the last reply shows is kept in order (read with shown_texts)."""
    driver.execute_script("""
        window.shownTexts = [];
        const read = () => {
          const body = document.querySelector('.message.assistant:last-child .reply-body');
          const text = body ? body.innerText.trim() : null;
          if (text !== null && window.shownTexts.at(-1) !== text) window.shownTexts.push(text);
        };
        window.shownObserver?.disconnect();
        window.shownObserver = new MutationObserver(read);
        window.shownObserver.observe(document.getElementById('message-column'), {childList: true, subtree: true, characterData: true});
        read();
    """)


def shown_texts(driver) -> list[str]:
    return driver.execute_script("return window.shownTexts")


def never_took_back(texts: list[str]) -> bool:
    """Each text shown begins with the one shown before: nothing shown was dropped or replaced."""
    return all(later.startswith(earlier) for earlier, later in zip(texts, texts[1:]))


def token_of(driver) -> str:
    """The signed-in account's token, as the page keeps it."""
    return driver.execute_script("return localStorage.getItem('parley.token')")


def call_api(base: str, token: str, method: str, path: str, body=None):
    """The API straight from the test (not through the page): parsed JSON, None for a 204."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dated_conversation(title: str, updated: datetime, texts: list[str]) -> dict:
    """One conversation in Parley's export form, its messages a chain of turns (user, assistant,
    …) a second apart, ending at `updated`: the import keeps these times."""
    start = updated - timedelta(seconds=len(texts))
    messages = [{"id": f"m{index}", "parent_id": f"m{index - 1}" if index else None,
                 "role": "user" if index % 2 == 0 else "assistant", "content": text,
                 "created_at": rfc3339(start + timedelta(seconds=index + 1))} for index, text in enumerate(texts)]
    return {"title": title, "created_at": rfc3339(start), "updated_at": rfc3339(updated), "messages": messages}


def import_conversations(base: str, token: str, conversations: list[dict]) -> dict:
    """Stores conversations with their own times, as the import endpoint does (no page involved)."""
    result = call_api(base, token, "POST", "/api/v1/conversations/import", conversations)
    assert result["conversations"] == len(conversations) and not result["failed"], result
    return result


def listed_conversations(driver) -> list[tuple[str, str]]:
    """The list as shown: each conversation's title and the heading of its date group (the one
    its list is labelled by, as a screen reader hears it). textContent: a closed drawer counts."""
    return driver.execute_script("""
        return [...document.querySelectorAll('#conversation-list li')].map((li) => [
          li.querySelector('a').textContent,
          document.getElementById(li.closest('ul').getAttribute('aria-labelledby'))?.textContent ?? null]);
    """)


def scroll_conversations_to_end(driver) -> int:
    """Scrolls the conversation list to its end; returns how many conversations it shows."""
    return driver.execute_script("""
        const list = document.querySelector('.conversations');
        list.scrollTop = list.scrollHeight;
        return document.querySelectorAll('#conversation-list li').length;
    """)
