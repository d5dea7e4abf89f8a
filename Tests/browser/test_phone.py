"""The chat page on a phone: a touch keyboard can type a new line, every button is a tap target
of at least 44×44 px, and a toast does not cover the composer."""
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_page import (all_of, dialog_button, find, menu_item, new_email, open_conversation_menu, phone, send, sign_up,
                       wait, wait_for_reply)
from conftest import screenshot

# Every button, link-button and menu item that is showing, with its size.
SMALL_TARGETS = """
    return [...document.querySelectorAll('button, .button, [role=menuitem]')]
      .filter((el) => el.checkVisibility({visibilityProperty: true, opacityProperty: false}))
      .map((el) => [el.getAttribute('aria-label') || el.textContent.trim(), el.getBoundingClientRect()])
      .filter(([, box]) => box.width < 44 || box.height < 44)
      .map(([name, box]) => `${name}: ${Math.round(box.width)}×${Math.round(box.height)}`);
"""


def test_enter_adds_a_line_on_a_phone_and_send_sends(page):
    phone(page)
    sign_up(page, new_email("touch"))
    prompt = find(page, "#prompt")
    prompt.send_keys("line one", Keys.ENTER, "line two")
    assert all_of(page, ".message.user") == [], "Enter sent the message on a phone"
    assert prompt.get_attribute("value") == "line one\nline two"
    find(page, "#send-button").click()
    assert find(page, ".message.user").text == "line one\nline two"
    wait_for_reply(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_button_is_a_44_px_tap_target_on_a_phone(page, scheme):
    phone(page, scheme)
    assert page.execute_script(SMALL_TARGETS) == [], "the sign-in screen"
    sign_up(page, new_email(f"taps-{scheme}"))
    send(page, "Hello there, a list and some code please")
    wait_for_reply(page)
    find(page, 'button[aria-label="Regenerate reply"]').click()
    wait(page).until(lambda d: all_of(d, ".message-meta .versions") and all_of(d, ".message-meta"))
    wait_for_reply(page)
    find(page, ".copy")
    assert page.execute_script(SMALL_TARGETS) == [], "the chat"
    screenshot(page, f"phone-{scheme}-tap-targets-chat")

    find(page, "#menu-button").click()
    wait(page).until(lambda d: d.find_element(By.ID, "sidebar").is_displayed())
    time.sleep(0.3)  # the drawer slides in
    assert page.execute_script(SMALL_TARGETS) == [], "the conversations"
    screenshot(page, f"phone-{scheme}-tap-targets-conversations")
    open_conversation_menu(page, "Hello there, a list and some code please")
    menu_item(page, "Rename")
    assert page.execute_script(SMALL_TARGETS) == [], "a conversation's menu"
    screenshot(page, f"phone-{scheme}-tap-targets-menu")
    menu_item(page, "Rename").click()
    find(page, "dialog[open]")
    assert page.execute_script(SMALL_TARGETS) == [], "the rename dialog"
    dialog_button(page, "Cancel").click()


def overlap(driver, one: str, other: str) -> bool:
    return driver.execute_script("""
        const [a, b] = [arguments[0], arguments[1]].map((s) => document.querySelector(s).getBoundingClientRect());
        return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    """, one, other)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_toast_leaves_the_composer_free(page, size):
    if size == "phone":
        phone(page)
    sign_up(page, new_email(f"toast-{size}"))
    send(page, "A chat to delete")
    wait_for_reply(page)
    if size == "phone":
        find(page, "#menu-button").click()
        time.sleep(0.3)
    open_conversation_menu(page, "A chat to delete")
    menu_item(page, "Delete").click()
    dialog_button(page, "Delete").click()
    assert find(page, "#toast").text == "Conversation deleted"
    assert not overlap(page, "#toast", "#composer"), "the toast covers the composer"
    assert not overlap(page, "#toast", ".chat-head h1"), "the toast covers the chat's title"
