"""Replies that outlive the connection, and branches: the chat page attaches to a reply being
written (after a reload, a switch, in a second tab, after a dropped connection), stops it, edits
a question and regenerates a reply. Replies are held mid-way by the fake provider's gates
("[gate NAME N]": N words, then wait for release), so every step waits for a state, not a time."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_page import (all_of, find, never_took_back, new_email, record_reply_text, release, reply_state, reply_text,
                       send, shown_texts, sign_up, stored_messages, text_of, wait, wait_for_reply)
from conftest import console_errors, screenshot

WHOLE = "one two three four five six seven eight nine ten."
CONVERSATION = re.compile(r"#/c/[0-9a-f-]{36}$")


def button(driver, label: str, within: str = ""):
    return find(driver, f'{within} button[aria-label="{label}"]'.strip())


def press(driver, element) -> None:
    """Presses a button with the keyboard (the edit button shows only on hover or focus)."""
    driver.execute_script("arguments[0].focus()", element)
    element.send_keys(Keys.ENTER)


def shown_in_order(driver) -> bool:
    """Every text the reply showed began the final one: nothing dropped, nothing shown twice."""
    texts = shown_texts(driver)
    return bool(texts) and never_took_back(texts) and all(WHOLE.startswith(text) for text in texts)


def last_reply_is_whole_and_stored(driver) -> None:
    wait_for_reply(driver)
    assert reply_text(driver) == WHOLE
    stored = stored_messages(driver)[-1]
    assert (stored["role"], stored["status"], stored["content"]) == ("assistant", "complete", WHOLE)


def test_a_reload_mid_reply_attaches_and_ends_with_the_stored_text(page, fake_provider):
    sign_up(page, new_email("reload"))
    send(page, "Count to ten [gate reload 3]")
    wait(page).until(lambda d: reply_text(d) == "one two three")
    wait(page).until(lambda d: CONVERSATION.search(d.current_url))
    page.refresh()
    # The reply is still being written: the page shows what was written and follows it.
    wait(page).until(lambda d: reply_text(d) == "one two three")
    assert find(page, "#send-button").text == "Stop"
    assert find(page, ".message.user").text == "Count to ten [gate reload 3]"
    record_reply_text(page)
    release(fake_provider, "reload")
    last_reply_is_whole_and_stored(page)
    assert shown_in_order(page), shown_texts(page)
    assert find(page, "#send-button").text == "Send"
    assert console_errors(page) == []


def test_switching_away_and_back_attaches_again(page, fake_provider):
    sign_up(page, new_email("switch"))
    send(page, "Count to ten [gate switch 3]")
    wait(page).until(lambda d: reply_text(d) == "one two three")
    find(page, "#new-chat").click()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "New chat" and not all_of(d, ".message"))
    assert find(page, "#send-button").text == "Send"
    find(page, "#conversation-list a").click()
    wait(page).until(lambda d: reply_text(d) == "one two three")
    assert find(page, "#send-button").text == "Stop"
    record_reply_text(page)
    release(fake_provider, "switch")
    last_reply_is_whole_and_stored(page)
    assert shown_in_order(page), shown_texts(page)


def test_a_second_tab_sees_the_same_reply_grow_and_can_stop_it(page, fake_provider):
    sign_up(page, new_email("tabs"))
    send(page, "Count to ten [gate tabs 3]")
    wait(page).until(lambda d: reply_text(d) == "one two three")
    first = page.current_window_handle
    address = page.current_url
    page.switch_to.new_window("tab")
    try:
        page.get(address)
        wait(page).until(lambda d: reply_text(d) == "one two three")
        record_reply_text(page)
        release(fake_provider, "tabs")
        last_reply_is_whole_and_stored(page)
        assert shown_in_order(page), shown_texts(page)
        page.switch_to.window(first)
        last_reply_is_whole_and_stored(page)

        # A reply started in the first tab is stopped from the second: both say so.
        send(page, "Count again [gate tabs-stop 2]")
        wait(page).until(lambda d: reply_text(d) == "one two")
        second = next(handle for handle in page.window_handles if handle != first)
        page.switch_to.window(second)
        page.refresh()
        wait(page).until(lambda d: reply_text(d) == "one two")
        find(page, "#send-button").click()
        wait(page).until(lambda d: reply_state(d) == "Stopped")
        assert reply_text(page) == "one two"
        screenshot(page, "reply-stopped-from-another-tab")
        page.switch_to.window(first)
        wait(page).until(lambda d: reply_state(d) == "Stopped")
        assert reply_text(page) == "one two"
        assert find(page, "#send-button").text == "Send"
        assert stored_messages(page)[-1]["status"] == "stopped"
    finally:
        release(fake_provider, "tabs-stop")
        for handle in page.window_handles:
            if handle != first:
                page.switch_to.window(handle)
                page.close()
        page.switch_to.window(first)


def test_stop_before_the_first_word_then_send_again(page, fake_provider):
    sign_up(page, new_email("early"))
    send(page, "Wait for it [gate early 0]")
    # The server took the turn (the new conversation is in the address): no word has come yet.
    wait(page).until(lambda d: CONVERSATION.search(d.current_url))
    assert reply_text(page) == ""
    page.switch_to.active_element.send_keys(Keys.ESCAPE)  # Escape stops, like the Stop button
    wait(page).until(lambda d: reply_state(d) == "Stopped")
    release(fake_provider, "early")
    assert reply_text(page) == ""
    assert find(page, "#send-button").text == "Send"

    send(page, "Hello again")
    reply = wait_for_reply(page)
    assert reply.find_element(By.CSS_SELECTOR, ".usage").text == "fake"
    assert all_of(page, "#message-column .error") == []
    assert [message["status"] for message in stored_messages(page)] == ["complete", "stopped", "complete", "complete"]
    page.refresh()
    wait(page).until(lambda d: len(all_of(d, ".message")) == 4)
    assert [m.text for m in all_of(page, ".message.user")] == ["Wait for it [gate early 0]", "Hello again"]
    assert text_of(page, ".message.assistant .reply-state") == "Stopped"


def test_edit_a_question_makes_a_new_version_and_the_old_one_stays(page):
    sign_up(page, new_email("edit"))
    send(page, "First question")
    wait_for_reply(page)
    send(page, "Second question")
    wait_for_reply(page)
    first_turn = find(page, ".user-turn")
    press(page, first_turn.find_element(By.CSS_SELECTOR, 'button[aria-label="Edit message"]'))
    editor = find(page, ".edit-form textarea")
    assert page.switch_to.active_element == editor
    assert editor.get_attribute("value") == "First question"
    screenshot(page, "edit-question")
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("First question, asked better", Keys.ENTER)

    # A new branch: the edited question and its reply, nothing after them.
    wait(page).until(lambda d: len(all_of(d, ".message")) == 2 and all_of(d, ".message.assistant .message-meta"))
    assert find(page, ".message.user").text == "First question, asked better"
    assert text_of(page, ".user-turn .versions .count") == "2/2"
    assert find(page, ".user-turn .versions").get_attribute("aria-label") == "Version 2 of 2"
    screenshot(page, "edit-question-version-2")

    press(page, button(page, "Previous version", ".user-turn"))
    wait(page).until(lambda d: [m.text for m in all_of(d, ".message.user")] == ["First question", "Second question"])
    assert len(all_of(page, ".message.assistant .message-meta")) == 2  # the old replies, as they were
    assert text_of(page, ".user-turn .versions .count") == "1/2"
    # Focus stays on the switch (here its other arrow, the first being disabled now).
    assert page.switch_to.active_element.get_attribute("aria-label") == "Next version"
    page.refresh()
    wait(page).until(lambda d: [m.text for m in all_of(d, ".message.user")] == ["First question", "Second question"])
    press(page, button(page, "Next version", ".user-turn"))
    wait(page).until(lambda d: [m.text for m in all_of(d, ".message.user")] == ["First question, asked better"])
    assert len(stored_messages(page, "all")) == 6


def test_regenerate_a_reply_and_switch_between_the_two(page):
    sign_up(page, new_email("again"))
    send(page, "count me")
    wait_for_reply(page)
    assert reply_text(page) == "Answer number 1."
    assert all_of(page, ".versions") == []
    press(page, button(page, "Regenerate reply"))
    wait(page).until(lambda d: text_of(d, ".message.assistant .versions .count") == "2/2")
    assert reply_text(page) == "Answer number 2."
    assert len(all_of(page, ".message")) == 2
    screenshot(page, "regenerated-reply")

    press(page, button(page, "Previous version", ".message.assistant"))
    wait(page).until(lambda d: reply_text(d) == "Answer number 1.")
    assert text_of(page, ".message.assistant .versions .count") == "1/2"
    page.refresh()
    wait(page).until(lambda d: reply_text(d) == "Answer number 1.")
    assert text_of(page, ".message.assistant .versions .count") == "1/2"


def test_a_dropped_connection_reconnects_and_loses_and_repeats_nothing(page, fake_provider, cutting_proxy):
    # The page is loaded through a proxy that can cut its connections.
    page.get(cutting_proxy.url + "/")
    sign_up(page, new_email("drop"))
    send(page, "Count to ten [gate drop 3]")
    wait(page).until(lambda d: reply_text(d) == "one two three")
    record_reply_text(page)
    # The network goes away: the browser is offline, and the stream it was reading is cut.
    page.execute_cdp_cmd("Network.enable", {})
    offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    try:
        page.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
        cutting_proxy.cut()
        waiting = find(page, ".message.assistant .reply-status")
        assert waiting.text == "reconnecting…"
        screenshot(page, "reply-reconnecting")
        release(fake_provider, "drop")  # the reply goes on without the page
    finally:
        page.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})
        page.execute_cdp_cmd("Network.disable", {})
    last_reply_is_whole_and_stored(page)
    assert shown_in_order(page), shown_texts(page)
    assert all_of(page, "#message-column .error, #message-column .reply-status:not([hidden])") == []
    assert "network error" not in page.find_element(By.TAG_NAME, "body").text.lower()


def test_a_stream_cut_by_a_proxy_resumes_after_the_last_event(page, fake_provider, cutting_proxy):
    page.get(cutting_proxy.url + "/")
    sign_up(page, new_email("cut"))
    send(page, "Count to ten [gate cut 3]")
    wait(page).until(lambda d: reply_text(d) == "one two three")
    record_reply_text(page)
    cutting_proxy.cut()  # the browser is online: it attaches again at once, after event 4 (start, three words)
    release(fake_provider, "cut")
    last_reply_is_whole_and_stored(page)
    assert shown_in_order(page), shown_texts(page)
    assert all_of(page, "#message-column .error") == []


def test_the_new_controls_at_phone_width(page):
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    page.refresh()
    sign_up(page, new_email("phone"))
    send(page, "count me at phone width, with a question long enough to wrap onto a second line")
    wait_for_reply(page)
    press(page, button(page, "Regenerate reply"))
    wait(page).until(lambda d: text_of(d, ".message.assistant .versions .count") == "2/2")
    press(page, find(page, '.user-turn button[aria-label="Edit message"]'))
    editor = find(page, ".edit-form textarea")
    editor.send_keys(" (edited)")
    find(page, ".edit-form button[type=submit]").click()  # on a phone Enter adds a line
    wait(page).until(lambda d: text_of(d, ".user-turn .versions .count") == "2/2" and all_of(d, ".message-meta"))
    assert page.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "phone-versions")
    press(page, find(page, '.user-turn button[aria-label="Edit message"]'))
    find(page, ".edit-form textarea")
    assert page.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "phone-edit-question")
    find(page, ".edit-form textarea").send_keys(Keys.ESCAPE)
    wait(page).until(lambda d: not all_of(d, ".edit-form"))
    assert find(page, "#send-button").text == "Send"  # Escape in the editor cancelled it, nothing else
