"""Details of the chat page: right-to-left text, titles without Markdown marks, drafts that stay
with their conversation, a reply's footer after a reload, a message that is too long, Escape
and the new-chat shortcut."""
import re
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_page import (all_of, conversation_titles, find, new_email, reply_state, reply_text, send, sign_up, text_of,
                       wait, wait_for_reply)
from conftest import screenshot

HEBREW = "שלום, מה שלומך היום?"


def direction(driver, selector: str) -> str:
    return driver.execute_script("return getComputedStyle(document.querySelector(arguments[0])).direction", selector)


def test_right_to_left_messages_and_titles_read_right_to_left(page):
    sign_up(page, new_email("rtl"))
    send(page, HEBREW)
    wait_for_reply(page)
    wait(page).until(lambda d: conversation_titles(d) == [HEBREW])
    wait(page).until(lambda d: text_of(d, "#chat-title") == HEBREW)
    assert direction(page, ".message.user") == "rtl"
    assert direction(page, "#chat-title") == "rtl"
    assert direction(page, "#conversation-list a") == "rtl"
    assert direction(page, ".message.assistant .reply-body") == "ltr"  # the reply is in English
    assert find(page, ".message.assistant .reply-body").get_attribute("dir") == "auto"
    find(page, "#prompt").send_keys("עוד שאלה")
    assert direction(page, "#prompt") == "rtl"
    screenshot(page, "chat-right-to-left")


def test_a_title_shows_without_its_markdown(page):
    sign_up(page, new_email("heading"))
    send(page, "# Heading ## and a question under it")
    wait_for_reply(page)
    wait(page).until(lambda d: conversation_titles(d) == ["Heading and a question under it"])
    assert text_of(page, "#chat-title") == "Heading and a question under it"
    assert page.title == "Heading and a question under it · Parley"


def test_a_draft_stays_with_its_conversation(page):
    sign_up(page, new_email("draft"))
    send(page, "The first conversation")
    wait_for_reply(page)
    wait(page).until(lambda d: conversation_titles(d) == ["The first conversation"])
    prompt = find(page, "#prompt")
    prompt.send_keys("half a thought")
    find(page, "#new-chat").click()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "New chat")
    assert prompt.get_attribute("value") == "", "the draft followed into the new chat"
    prompt.send_keys("a new chat's own draft")
    find(page, "#conversation-list a").click()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "The first conversation")
    assert prompt.get_attribute("value") == "half a thought"
    find(page, "#new-chat").click()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "New chat")
    assert prompt.get_attribute("value") == "a new chat's own draft"


def test_a_replys_footer_is_the_same_after_a_reload(page):
    sign_up(page, new_email("footer"))
    send(page, "Hello there")
    wait_for_reply(page)
    send(page, "Tell me a slow story")
    wait(page).until(lambda d: len(reply_text(d).split()) >= 3)
    find(page, "#send-button").click()
    wait(page).until(lambda d: reply_state(d) == "Stopped")
    wait(page).until(lambda d: re.search(r"#/c/[0-9a-f-]{36}$", d.current_url))
    page.refresh()
    wait(page).until(lambda d: len(all_of(d, ".message-meta")) == 2)
    assert reply_state(page) == "Stopped"
    usage = find(page, ".message.assistant .message-meta .usage")
    assert (usage.text, usage.get_attribute("title")) == ("fake", "12 prompt + 9 completion tokens")


def test_a_message_that_is_too_long_is_explained_and_kept(page):
    sign_up(page, new_email("long"))
    prompt = find(page, "#prompt")
    page.execute_script("""
        arguments[0].value = 'x'.repeat(100001);
        arguments[0].dispatchEvent(new Event('input'));
    """, prompt)
    prompt.send_keys(Keys.END, Keys.ENTER)
    error = find(page, "#composer-error")
    assert "too long" in error.text and "100,000" in error.text
    assert "messages.0.content" not in page.find_element(By.TAG_NAME, "body").text
    assert all_of(page, ".message.user") == [] and all_of(page, ".turn-error button") == []  # nothing sent, no Retry
    assert page.execute_script("return arguments[0].value.length", prompt) == 100001  # kept, to be shortened
    screenshot(page, "message-too-long")
    prompt.send_keys(Keys.BACKSPACE)
    wait(page).until(lambda d: not d.find_element(By.ID, "composer-error").is_displayed())


def test_escape_stops_a_reply(page):
    sign_up(page, new_email("escape"))
    send(page, "Tell me a slow story")
    wait(page).until(lambda d: len(reply_text(d).split()) >= 2)
    find(page, "#prompt").send_keys(Keys.ESCAPE)
    wait(page).until(lambda d: reply_state(d) == "Stopped")
    assert find(page, "#send-button").text == "Send"


def test_ctrl_shift_o_starts_a_new_chat(page):
    sign_up(page, new_email("shortcut"))
    assert "Ctrl+Shift+O" in find(page, "#new-chat").get_attribute("title")
    send(page, "Before the shortcut")
    wait_for_reply(page)
    wait(page).until(lambda d: "#/c/" in d.current_url)
    page.find_element(By.TAG_NAME, "body").click()
    ActionChains(page).key_down(Keys.CONTROL).key_down(Keys.SHIFT).send_keys("o").key_up(Keys.SHIFT).key_up(Keys.CONTROL).perform()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "New chat")
    assert "#/c/" not in page.current_url
    assert all_of(page, ".message") == []
    assert page.switch_to.active_element.get_attribute("id") == "prompt"
    time.sleep(0.2)
    assert conversation_titles(page) == ["Before the shortcut"]
