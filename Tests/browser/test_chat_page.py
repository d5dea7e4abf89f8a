"""The chat page in headless Chromium against a real Parley and a fake provider."""
import re
import time

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_page import (all_of, conversation_titles, dialog_button, find, menu_item, new_email, open_conversation_menu,
                       record_reply_text, reply_text, shown_texts, send, sign_in, sign_out, sign_up, text_of, wait, wait_for_reply)
from conftest import console_errors, screenshot


def test_sign_up_sign_out_and_sign_in_with_the_keyboard(page):
    email = new_email("ann")
    screenshot(page, "sign-in")
    sign_up(page, email)
    assert find(page, "#empty-chat").text == "How can I help?"
    assert text_of(page, ".account-email") == email
    sign_out(page)

    # Keyboard only: the email field has focus, Tab moves on, Enter submits.
    active = page.switch_to.active_element
    assert active.get_attribute("name") == "email"
    active.send_keys(email, Keys.TAB, "correct horse", Keys.ENTER)
    find(page, "#prompt")
    assert page.switch_to.active_element.get_attribute("id") == "prompt"


def test_wrong_password_shows_the_servers_message(page):
    email = new_email("bob")
    sign_up(page, email)
    sign_out(page)
    sign_in(page, email, "not the password")
    assert find(page, "#signin-form .error").text == "Incorrect email or password"
    screenshot(page, "sign-in-error")


def test_sign_up_errors_are_the_servers(page):
    email = new_email("cat")
    sign_up(page, email)
    sign_out(page)
    find(page, "#to-signup button").click()
    form = find(page, "#signup-form")
    form.find_element(By.NAME, "email").send_keys(email.upper())
    form.find_element(By.NAME, "password").send_keys("short")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "password" in find(page, "#signup-form .error").text  # the 422 names the field
    screenshot(page, "sign-up-error")
    form.find_element(By.NAME, "password").send_keys(" but long enough")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(page).until(lambda d: "already exists" in text_of(d, "#signup-form .error"))


def test_sign_up_is_hidden_when_registration_is_closed(browser, closed_parley):
    browser.get(closed_parley + "/")
    browser.execute_script("localStorage.clear()")
    browser.get(closed_parley + "/")
    assert "Registration is closed" in find(browser, "#signup-closed").text
    assert not browser.find_element(By.ID, "to-signup").is_displayed()


def test_reply_arrives_in_parts_with_markdown_model_and_usage(page):
    sign_up(page, new_email("dan"))
    record_reply_text(page)
    send(page, "Hello there")
    reply = wait_for_reply(page)
    seen = [text for text in shown_texts(page) if text]
    assert len(seen) >= 3, f"the reply came in {len(seen)} parts: {seen}"
    assert all(later.startswith(earlier.rstrip()[:5]) for earlier, later in zip(seen, seen[1:]))

    assert reply.find_element(By.CSS_SELECTOR, "strong").text == "short"
    assert [li.text for li in reply.find_elements(By.CSS_SELECTOR, "ul li")] == ["first point", "second point"]
    assert reply.find_element(By.CSS_SELECTOR, "pre code").text == "print('hi')"
    usage = reply.find_element(By.CSS_SELECTOR, ".message-meta .usage")
    assert usage.text == "fake"
    assert usage.get_attribute("title") == "12 prompt + 9 completion tokens"
    assert find(page, "#model-name").text == "fake"
    # The new conversation is in the address and the list, titled from the first message.
    assert re.search(r"#/c/[0-9a-f-]{36}$", page.current_url)
    wait(page).until(lambda d: conversation_titles(d) == ["Hello there"])
    assert find(page, "#chat-title").text == "Hello there"

    copy = reply.find_element(By.CSS_SELECTOR, ".copy")
    copy.click()
    wait(page).until(lambda d: copy.text in ("Copied", "Copy failed"))
    screenshot(page, "chat")


def test_enter_sends_and_shift_enter_adds_a_line(page):
    sign_up(page, new_email("eve"))
    prompt = find(page, "#prompt")
    prompt.send_keys("line one")
    ActionChains(page).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    prompt.send_keys("line two")
    assert all_of(page, ".message.user") == []
    prompt.send_keys(Keys.ENTER)
    assert find(page, ".message.user").text == "line one\nline two"
    assert prompt.get_attribute("value") == ""
    wait_for_reply(page)


def test_stop_keeps_what_arrived_and_the_history_keeps_it_too(page):
    sign_up(page, new_email("fay"))
    send(page, "Tell me a slow story")
    wait(page).until(lambda d: len(reply_text(d).split()) >= 3)
    stop = find(page, "#send-button")
    assert stop.text == "Stop"
    stop.click()
    wait(page).until(lambda d: text_of(d, ".message.assistant .message-meta .reply-state") == "Stopped")
    shown = reply_text(page)
    assert find(page, "#send-button").text == "Send"
    time.sleep(1)
    assert reply_text(page) == shown, "text kept arriving after Stop"
    screenshot(page, "chat-stopped")

    # After a reload the same conversation shows the message and the reply as far as it went.
    wait(page).until(lambda d: re.search(r"#/c/[0-9a-f-]{36}$", d.current_url))
    page.refresh()
    wait(page).until(lambda d: len(all_of(d, ".message")) == 2)
    assert find(page, ".message.user").text == "Tell me a slow story"
    stored = reply_text(page)
    assert stored.startswith(shown.strip())
    assert 3 <= len(stored.split()) < 120
    assert conversation_titles(page) == ["Tell me a slow story"]


def test_leaving_a_reply_mid_stream_stays_where_you_went(page):
    sign_up(page, new_email("fin"))
    send(page, "Tell me a slow story")
    wait(page).until(lambda d: len(reply_text(d).split()) >= 2)
    find(page, "#new-chat").click()
    # The click changes the address at once; the page follows at its hashchange event, a moment later.
    wait(page).until(lambda d: text_of(d, "#chat-title") == "New chat")
    # The reply goes on, listed, but the page stays on the new chat it was asked for.
    wait(page).until(lambda d: conversation_titles(d) == ["Tell me a slow story"])
    assert text_of(page, "#chat-title") == "New chat"
    assert not re.search(r"#/c/", page.current_url)
    assert all_of(page, ".message") == []
    assert find(page, "#send-button").text == "Send"


def test_a_failed_reply_shows_the_error_and_retry_sends_it_once(page):
    sign_up(page, new_email("gus"))
    send(page, "please fail once")
    error = find(page, ".turn-error .error")
    assert error.text  # the server's message for a provider failure
    screenshot(page, "chat-error")
    retry = page.find_element(By.CSS_SELECTOR, ".turn-error button")
    assert page.switch_to.active_element == retry
    retry.click()
    wait_for_reply(page)
    assert all_of(page, ".turn-error") == []
    # The failed first turn took its new conversation along; the retry made one, and only one.
    wait(page).until(lambda d: conversation_titles(d) == ["please fail once"])
    page.refresh()
    wait(page).until(lambda d: len(all_of(d, ".message")) == 2)
    assert [m.text for m in all_of(page, ".message.user")] == ["please fail once"]

    # A later turn that fails is retried in the same conversation, after the turns before it.
    send(page, "please fail once more")
    find(page, ".turn-error button").click()
    wait(page).until(lambda d: len(all_of(d, ".message.assistant .message-meta")) == 2)
    page.refresh()
    wait(page).until(lambda d: len(all_of(d, ".message")) == 4)
    assert [m.text for m in all_of(page, ".message.user")] == ["please fail once", "please fail once more"]
    assert conversation_titles(page) == ["please fail once"]


def test_rename_and_delete_a_conversation(page):
    sign_up(page, new_email("hal"))
    send(page, "First chat")
    wait_for_reply(page)
    find(page, "#new-chat").click()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "New chat")
    send(page, "Second chat")
    wait_for_reply(page)
    wait(page).until(lambda d: conversation_titles(d) == ["Second chat", "First chat"])  # newest first

    open_conversation_menu(page, "First chat")
    screenshot(page, "conversation-menu")
    menu_item(page, "Rename").click()
    title = find(page, "dialog[open] input[name=title]")
    screenshot(page, "rename-dialog")
    title.send_keys(Keys.CONTROL, "a")
    title.send_keys("Renamed chat", Keys.ENTER)
    wait(page).until(lambda d: "Renamed chat" in conversation_titles(d))

    # Delete asks first; Cancel keeps it.
    open_conversation_menu(page, "Second chat")
    menu_item(page, "Delete").click()
    assert "Second chat" in find(page, "dialog[open]").text
    screenshot(page, "delete-dialog")
    dialog_button(page, "Cancel").click()
    assert "Second chat" in conversation_titles(page)

    # With the keyboard: Enter opens the menu, arrows move, Enter picks.
    open_conversation_menu(page, "Second chat")
    page.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert page.switch_to.active_element.text == "Export as JSON"
    page.switch_to.active_element.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert page.switch_to.active_element.text == "Delete"
    page.switch_to.active_element.send_keys(Keys.ENTER)
    dialog_button(page, "Delete").click()
    wait(page).until(lambda d: conversation_titles(d) == ["Renamed chat"])
    # It was the open conversation: the page is back to a new chat.
    wait(page).until(lambda d: text_of(d, "#chat-title") == "New chat")

    page.find_element(By.CSS_SELECTOR, "#conversation-list a").click()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "Renamed chat")
    assert find(page, ".message.user").text == "First chat"


def test_markup_in_a_reply_is_shown_as_text_and_runs_nothing(page):
    sign_up(page, new_email("ida"))
    page.get_log("browser")
    send(page, "show me some markup <b>bold?</b> <img src=x onerror=alert('user')>")
    reply = wait_for_reply(page)
    time.sleep(0.5)  # time for anything that would load or run

    assert "<script>alert('script ran')</script>" in reply.text
    assert "<img src=x onerror=alert('image ran')>" in reply.text
    assert "[a trap](javascript:alert('link ran'))" in reply.text
    user = find(page, ".message.user")
    assert user.text == "show me some markup <b>bold?</b> <img src=x onerror=alert('user')>"
    for message in (reply, user):
        assert message.find_elements(By.CSS_SELECTOR, "script, img, b, iframe, object") == []
    links = reply.find_elements(By.TAG_NAME, "a")
    assert [(a.get_attribute("href"), a.get_attribute("rel"), a.get_attribute("target")) for a in links] == [
        ("https://example.com/page", "noopener noreferrer", "_blank")]
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert
    assert console_errors(page) == []
    screenshot(page, "chat-markup")


def test_the_page_refuses_html_sinks(page):
    """Trusted Types are enforced by the page's policy: assigning a string to innerHTML throws."""
    sign_up(page, new_email("jon"))
    outcome = page.execute_script("""
        try { document.body.appendChild(document.createElement('div')).innerHTML = '<b>x</b>'; return 'allowed'; }
        catch (e) { return e.name; }
    """)
    assert outcome == "TypeError"


def test_an_expired_or_revoked_token_returns_to_sign_in(page):
    email = new_email("kim")
    sign_up(page, email)
    page.execute_script("localStorage.setItem('parley.token', 'not-a-valid-token')")
    page.refresh()
    assert "session has ended" in find(page, "#signin-note").text
    assert page.execute_script("return localStorage.getItem('parley.token')") is None


def test_change_password_keeps_you_signed_in_and_the_new_one_works(page):
    email = new_email("lou")
    sign_up(page, email)
    find(page, "#account-button").click()
    screenshot(page, "account-menu")
    menu_item(page, "Change password").click()
    dialog = find(page, "dialog[open]")
    dialog.find_element(By.NAME, "current_password").send_keys("wrong password")
    dialog.find_element(By.NAME, "new_password").send_keys("a new password")
    dialog_button(page, "Change password").click()
    assert find(page, "dialog[open] .error").text == "Incorrect password"
    screenshot(page, "change-password")
    current = dialog.find_element(By.NAME, "current_password")
    current.clear()
    current.send_keys("correct horse", Keys.ENTER)
    assert find(page, "#toast").text == "Password changed"
    page.refresh()
    find(page, "#prompt")  # the token taken after the change works
    sign_out(page)
    sign_in(page, email, "a new password")
    find(page, "#prompt")
