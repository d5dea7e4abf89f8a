"""What a screen reader hears: only the reply being written is a live region, every message says
who speaks, and focus comes back to the control that opened a dialog."""
from selenium.webdriver.common.keys import Keys

from chat_page import (all_of, conversation_titles, dialog_button, find, menu_item, new_email, open_conversation_menu,
                       release, reply_text, send, sign_up, wait, wait_for_reply)

LIVE = "return [...document.querySelectorAll('#message-column [aria-live], #message-column [role=status]:not([hidden]), #message-column [role=log]')].length"


def test_only_the_reply_being_written_is_announced(page, fake_provider):
    sign_up(page, new_email("live"))
    send(page, "Count for the screen reader [gate live 3]")
    wait(page).until(lambda d: reply_text(d) == "one two three")
    assert page.execute_script(LIVE) == 1
    live = find(page, "#message-column [aria-live]")
    assert live.get_attribute("aria-live") == "polite" and "assistant" in live.get_attribute("class")
    assert all_of(page, "#messages[aria-live], #message-column[aria-live], .user-turn [aria-live]") == []
    release(fake_provider, "live")
    wait_for_reply(page)
    # Once written, the reply is an ordinary message: nothing more is announced from the column.
    wait(page).until(lambda d: d.execute_script(LIVE) == 0)


def test_each_message_says_who_speaks(page):
    sign_up(page, new_email("speaker"))
    send(page, "Who is speaking?")
    wait_for_reply(page)
    speakers = page.execute_script("""
        return [...document.querySelectorAll('#message-column .user-turn, #message-column .message.assistant')]
          .map((turn) => turn.querySelector('.speaker')?.textContent ?? null);
    """)
    assert speakers == ["You said:", "Parley said:"]
    # Said to a screen reader only: the message's text is what was written.
    assert find(page, ".message.user").text == "Who is speaking?"


def test_focus_comes_back_to_the_conversation_menu_after_its_dialog(page):
    sign_up(page, new_email("focus"))
    send(page, "Focus stays here")
    wait_for_reply(page)
    wait(page).until(lambda d: conversation_titles(d) == ["Focus stays here"])

    open_conversation_menu(page, "Focus stays here")
    menu_item(page, "Rename").send_keys(Keys.ENTER)
    find(page, "dialog[open] input[name=title]").send_keys(Keys.ESCAPE)
    wait(page).until(lambda d: not all_of(d, "dialog[open]"))
    assert page.switch_to.active_element.get_attribute("aria-label") == "Options for Focus stays here"

    open_conversation_menu(page, "Focus stays here")
    menu_item(page, "Rename").send_keys(Keys.ENTER)
    title = find(page, "dialog[open] input[name=title]")
    title.send_keys(Keys.CONTROL, "a")
    title.send_keys("Renamed with the keyboard", Keys.ENTER)
    wait(page).until(lambda d: conversation_titles(d) == ["Renamed with the keyboard"])
    # The list was drawn again: focus is on the new ⋯ button of the same conversation.
    wait(page).until(lambda d: d.switch_to.active_element.get_attribute("aria-label") == "Options for Renamed with the keyboard")

    open_conversation_menu(page, "Renamed with the keyboard")
    menu_item(page, "Delete").send_keys(Keys.ENTER)
    dialog_button(page, "Cancel").click()
    wait(page).until(lambda d: not all_of(d, "dialog[open]"))
    assert page.switch_to.active_element.get_attribute("aria-label") == "Options for Renamed with the keyboard"
