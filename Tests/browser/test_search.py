"""Search (Ctrl+K) and export/import in the chat page."""
import json

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_page import all_of, find, menu_item, new_email, open_conversation_menu, send, sign_up, wait, wait_for_reply
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
