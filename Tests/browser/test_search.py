"""Search (Ctrl+K) and export/import in the chat page."""
import json
from datetime import datetime, timezone

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_page import (all_of, call_api, dated_conversation, find, import_conversations, menu_item, new_email,
                       open_conversation_menu, send, sign_up, token_of, wait, wait_for_reply)
from conftest import console_errors, screenshot


def test_search_with_ctrl_k_marks_matches_and_opens_the_conversation(page):
    sign_up(page, new_email("sam"))
    send(page, "Parsing crème brûlée recipes")
    wait_for_reply(page)
    wait(page).until(lambda d: "#/c/" in d.current_url)
    conversation = page.current_url.split("#/c/")[1]
    find(page, "#new-chat").click()
    wait(page).until(lambda d: "#/c/" not in d.current_url)

    ActionChains(page).key_down(Keys.CONTROL).send_keys("k").key_up(Keys.CONTROL).perform()
    box = find(page, "dialog.search-dialog input[type=search]")
    assert page.switch_to.active_element == box
    box.send_keys("pars creme")
    wait(page).until(lambda d: all_of(d, ".search-results mark"))
    marks = [mark.text for mark in all_of(page, ".search-results li:first-child mark")]
    assert marks == ["Parsing", "crème"]
    screenshot(page, "search")
    # Arrow down to the first result, Enter opens its conversation.
    box.send_keys(Keys.ARROW_DOWN)
    page.switch_to.active_element.send_keys(Keys.ENTER)
    wait(page).until(lambda d: d.current_url.endswith("#/c/" + conversation))
    assert not all_of(page, "dialog.search-dialog")
    assert console_errors(page) == []


def test_a_conversation_exports_as_markdown_and_the_menu_offers_import(page):
    sign_up(page, new_email("exp"))
    send(page, "Export me please")
    wait_for_reply(page)
    # Downloads go through fetch and a blob link: watch the link the page makes.
    page.execute_script("""
        window.downloads = [];
        const click = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function () {
          if (this.download) { window.downloads.push(this.download); return; }
          return click.call(this);
        };""")
    open_conversation_menu(page, "Export me please")
    menu_item(page, "Export as Markdown").click()
    wait(page).until(lambda d: d.execute_script("return window.downloads.length") == 1)
    assert page.execute_script("return window.downloads[0]") == "Export me please.md"  # the UTF-8 name (filename*)
    find(page, "#account-button").click()
    menu_item(page, "Import conversations…").click()
    find(page, "dialog[open] input[type=file]")
    assert console_errors(page) == []


def search_for(driver, words: str) -> None:
    """Ctrl+K, the words, and Enter on the first result once it is there."""
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("k").key_up(Keys.CONTROL).perform()
    box = find(driver, "dialog.search-dialog input[type=search]")
    box.send_keys(words)
    wait(driver).until(lambda d: all_of(d, ".search-results a"))
    box.send_keys(Keys.ENTER)
    wait(driver).until(lambda d: not all_of(d, "dialog.search-dialog"))


def found_in_view(driver, message_id: str) -> bool:
    """The message is drawn, marked as found, and inside the visible part of the chat."""
    return driver.execute_script("""
        const element = document.querySelector(`#message-column [data-id="${arguments[0]}"]`);
        if (!element?.classList.contains('found')) return false;
        const box = element.getBoundingClientRect();
        const view = document.getElementById('messages').getBoundingClientRect();
        return box.top >= view.top && box.bottom <= view.bottom;
    """, message_id)


def message_id_of(base: str, token: str, word: str) -> str:
    return call_api(base, token, "GET", f"/api/v1/search?q={word}")[0]["message_id"]


def test_a_search_result_opens_a_long_conversation_at_the_message(page, parley):
    sign_up(page, new_email("long"))
    token = token_of(page)
    # 1 100 messages: more than one page of the API (1000). The word is in the fifth one.
    texts = [f"Question {n // 2}" if n % 2 == 0 else f"Answer {n // 2}" for n in range(1100)]
    texts[4] = "An early question about quokkas"
    texts[700] = "A later question about wombats"
    import_conversations(parley, token, [dated_conversation("A long talk", datetime.now(timezone.utc), texts)])
    early, later = message_id_of(parley, token, "quokkas"), message_id_of(parley, token, "wombats")
    page.refresh()
    find(page, "#prompt")

    search_for(page, "quokkas")
    wait(page, 20).until(lambda d: found_in_view(d, early))
    # The whole conversation is there, its newest messages too.
    assert page.execute_script("""
        const turns = document.querySelectorAll('#message-column .user-turn, #message-column .message.assistant');
        return [turns.length, turns[turns.length - 1].querySelector('.reply-body').textContent];
    """) == [1100, "Answer 549"]
    # Focus is on the message found (a screen reader reads on from it).
    assert page.switch_to.active_element.get_attribute("data-id") == early
    screenshot(page, "search-found-message")
    # The mark goes after a moment.
    wait(page).until(lambda d: not all_of(d, "#message-column .found"))

    # Another result in the conversation already open: the page scrolls to it.
    search_for(page, "wombats")
    wait(page).until(lambda d: found_in_view(d, later))
    assert console_errors(page) == []


def test_a_search_result_on_another_version_of_a_turn_switches_to_it(page, parley):
    sign_up(page, new_email("versions"))
    token = token_of(page)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = lambda key, parent, role, text: {"id": key, "parent_id": parent, "role": role, "content": text, "created_at": now}
    import_conversations(parley, token, [{"title": "Two versions", "updated_at": now, "current_message_id": "a2", "messages": [
        message("q0", None, "user", "Where do they live?"),
        message("a1", "q0", "assistant", "A first answer about platypuses"),
        message("a2", "q0", "assistant", "A second answer about echidnas"),
    ]}])
    first = message_id_of(parley, token, "platypuses")
    page.refresh()
    find(page, "#prompt")

    search_for(page, "platypuses")
    wait(page).until(lambda d: found_in_view(d, first))
    assert find(page, ".message.assistant .versions").get_attribute("aria-label") == "Version 1 of 2"
    assert console_errors(page) == []
