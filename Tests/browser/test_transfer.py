"""Export and import through the page: the files Chromium downloads from the account menu and a
conversation's menu, and files chosen in the import dialog (a ChatGPT conversations.json with a
branch, and Parley's own export), with the dialog's progress line."""
import json
from pathlib import Path

import pytest

from chat_page import (all_of, conversation_titles, dialog_button, find, menu_item, new_email, open_conversation_menu,
                       send, sign_up, text_of, wait, wait_for_reply)
from conftest import console_errors, screenshot

# A conversations.json as ChatGPT's data export writes it: a mapping tree under an empty root,
# two answers to the first question (the second is the branch shown), a picture in the last one.
CHATGPT = [{
    "title": "Trip to Lisbon", "create_time": 1700000000.0, "update_time": 1700000100.0, "current_node": "n4",
    "mapping": {
        "root": {"id": "root", "message": None, "parent": None, "children": ["n1"]},
        "n1": {"id": "n1", "parent": "root", "children": ["n2", "n3"], "message": {
            "author": {"role": "user"}, "create_time": 1700000001.0,
            "content": {"content_type": "text", "parts": ["Plan a day in Lisbon"]}}},
        "n2": {"id": "n2", "parent": "n1", "children": [], "message": {
            "author": {"role": "assistant"}, "create_time": 1700000002.0,
            "content": {"content_type": "text", "parts": ["Take the tram up to the castle"]}}},
        "n3": {"id": "n3", "parent": "n1", "children": ["n4"], "message": {
            "author": {"role": "assistant"}, "create_time": 1700000003.0,
            "content": {"content_type": "text", "parts": ["Take the ferry across the river"]}}},
        "n4": {"id": "n4", "parent": "n3", "children": [], "message": {
            "author": {"role": "user"}, "create_time": 1700000004.0,
            "content": {"content_type": "multimodal_text", "parts": ["Thanks, and here is my map", {"content_type": "image_asset_pointer"}]}}},
    },
}]


@pytest.fixture
def downloads(page, tmp_path):
    """Chromium saves downloads in a folder of the test's own."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    page.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    try:
        yield folder
    finally:
        page.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "default"})


def downloaded(driver, folder: Path, name: str):
    """The file once Chromium finished writing it, parsed when it is JSON."""
    path = folder / name
    wait(driver, 20).until(lambda d: path.exists() and not list(folder.glob("*.crdownload")))
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def record_progress(driver) -> None:
    """Keeps every text the import dialog's progress line shows (read with shown_progress)."""
    driver.execute_script("""
        window.progressTexts = [];
        const line = document.querySelector('dialog[open] .progress-line');
        new MutationObserver(() => window.progressTexts.push(line.textContent))
          .observe(line, {childList: true, characterData: true, subtree: true});
    """)


def import_file(driver, path: Path) -> str:
    """Imports a file through the account menu; returns what the page said it did."""
    find(driver, "#account-button").click()
    menu_item(driver, "Import conversations…").click()
    find(driver, "dialog[open] input[type=file]").send_keys(str(path))
    record_progress(driver)
    dialog_button(driver, "Import").click()
    wait(driver, 30).until(lambda d: not all_of(d, "dialog[open]"))
    return find(driver, "#toast").text


def test_export_all_and_one_then_import_chatgpt_and_parley_files(page, downloads, tmp_path):
    sign_up(page, new_email("transfer"))
    send(page, "Export me please")
    wait_for_reply(page)
    wait(page).until(lambda d: conversation_titles(d) == ["Export me please"])

    # Everything, from the account menu: the account's conversations with their messages.
    find(page, "#account-button").click()
    menu_item(page, "Export all conversations").click()
    everything = downloaded(page, downloads, "parley-export.json")
    assert [c["title"] for c in everything] == ["Export me please"]
    assert [m["role"] for m in everything[0]["messages"]] == ["user", "assistant"]
    assert everything[0]["messages"][0]["content"] == "Export me please"

    # One conversation, from its menu: named after it, every message with its parent.
    open_conversation_menu(page, "Export me please")
    menu_item(page, "Export as JSON").click()
    one = downloaded(page, downloads, "Export me please.json")
    question, answer = one["messages"]
    assert one["title"] == "Export me please" and answer["parent_id"] == question["id"]
    assert answer["content"] == everything[0]["messages"][1]["content"]

    # ChatGPT's conversations.json, chosen in the import dialog: the progress line says what is
    # happening, the page says what was imported, the list and the chat show it.
    chatgpt = tmp_path / "conversations.json"
    chatgpt.write_text(json.dumps(CHATGPT), encoding="utf-8")
    said = import_file(page, chatgpt)
    assert said == "Imported 1 conversation (4 messages); 1 part left out (not text)"
    progress = page.execute_script("return window.progressTexts")
    assert progress[0].startswith("Sending conversations.json (") and "Importing the conversations of conversations.json" in progress[-1], progress
    wait(page).until(lambda d: "Trip to Lisbon" in conversation_titles(d))
    next(link for link in all_of(page, "#conversation-list a") if link.text == "Trip to Lisbon").click()
    wait(page).until(lambda d: text_of(d, "#chat-title") == "Trip to Lisbon")
    wait(page).until(lambda d: len(all_of(d, "#message-column .user-turn, #message-column .message.assistant")) == 3)
    assert text_of(page, ".message.assistant .reply-body") == "Take the ferry across the river"
    assert find(page, ".message.assistant .versions").get_attribute("aria-label") == "Version 2 of 2"
    assert text_of(page, ".user-turn:last-child .message.user") == "Thanks, and here is my map"
    screenshot(page, "import-chatgpt")

    # Parley's own export, back in: a copy of each conversation (importing makes new ones).
    said = import_file(page, downloads / "parley-export.json")
    assert said == "Imported 1 conversation (2 messages)"
    wait(page).until(lambda d: conversation_titles(d).count("Export me please") == 2)
    assert console_errors(page) == []


def test_an_import_the_server_refuses_says_why_in_the_dialog(page, tmp_path):
    sign_up(page, new_email("refused"))
    broken = tmp_path / "broken.json"
    broken.write_text("this is not JSON", encoding="utf-8")
    find(page, "#account-button").click()
    menu_item(page, "Import conversations…").click()
    find(page, "dialog[open] input[type=file]").send_keys(str(broken))
    dialog_button(page, "Import").click()
    error = find(page, "dialog[open] .error")
    assert "Expected a JSON array of conversations or one conversation" in error.text
    # The progress line is cleared: the dialog stays open for another file.
    assert text_of(page, "dialog[open] .progress-line") == ""
    dialog_button(page, "Cancel").click()
    wait(page).until(lambda d: not all_of(d, "dialog[open]"))
    assert conversation_titles(page) == []
