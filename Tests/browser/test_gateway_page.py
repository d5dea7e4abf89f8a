"""The account menu's API keys and usage, the model picker, and the superuser's views."""
import json
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from chat_page import find, menu_item, new_email, send, sign_in, sign_up, wait, wait_for_reply
from conftest import console_errors, running_parley, screenshot


def dialog_named(driver, title: str):
    return find(driver, f"dialog[open][aria-label='{title}']")


def button_in(dialog, label: str):
    return next(b for b in dialog.find_elements(By.TAG_NAME, "button") if b.text == label)


def status_with_key(base: str, key: str) -> int:
    request = urllib.request.Request(base + "/api/v1/users/me", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_api_key_is_shown_once_listed_and_revoked(page, parley):
    sign_up(page, new_email("kay"))
    find(page, "#account-button").click()
    menu_item(page, "API keys").click()
    keys = dialog_named(page, "API keys")
    assert "No API keys yet." in keys.text
    button_in(keys, "Create a key…").click()
    create = dialog_named(page, "Create an API key")
    create.find_element(By.NAME, "name").send_keys("my editor", Keys.ENTER)
    shown = dialog_named(page, "Your new key")
    key = shown.find_element(By.CSS_SELECTOR, ".key-secret").get_attribute("value")
    assert key.startswith("pk-")
    assert status_with_key(parley, key) == 200
    screenshot(page, "api-key-created")
    button_in(shown, "Done").click()
    wait(page).until(lambda d: "my editor" in dialog_named(d, "API keys").text)
    assert key not in dialog_named(page, "API keys").text  # only its prefix is listed
    button_in(dialog_named(page, "API keys"), "Revoke").click()
    button_in(dialog_named(page, "Revoke this key?"), "Revoke").click()
    wait(page).until(lambda d: "No API keys yet." in dialog_named(d, "API keys").text)
    assert status_with_key(parley, key) == 401
    assert console_errors(page) == []


def picked_model(driver) -> str:
    return Select(find(driver, "#model-picker")).first_selected_option.get_attribute("value")


def reply_model(driver) -> str:
    return wait_for_reply(driver).find_element(By.CSS_SELECTOR, ".message-meta .usage").text


def test_the_model_picker_sets_the_conversations_model(page):
    sign_up(page, new_email("mo"))
    send(page, "Hello there")
    assert reply_model(page) == "fake"
    Select(find(page, "#model-picker")).select_by_value("fake-large")
    assert "now uses fake-large" in find(page, "#toast").text
    page.refresh()
    wait(page).until(lambda d: picked_model(d) == "fake-large")
    send(page, "And again")
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".message.assistant .message-meta")) == 2)
    assert reply_model(page) == "fake-large"


def test_a_model_picked_for_a_new_chat_answers_its_first_message_and_stays(page):
    sign_up(page, new_email("mia"))
    wait(page).until(lambda d: len(Select(find(d, "#model-picker")).options) == 3)  # the default and two models
    Select(find(page, "#model-picker")).select_by_value("fake-large")
    send(page, "Hello there")
    assert reply_model(page) == "fake-large"
    page.refresh()
    wait(page).until(lambda d: picked_model(d) == "fake-large")
    # The next new chat starts from the server's default again.
    find(page, "#new-chat").click()
    wait(page).until(lambda d: picked_model(d) == "")


@pytest.fixture(scope="module")
def admin_parley(fake_provider):
    with running_parley(fake_provider, FIRST_SUPERUSER="root@example.com", FIRST_SUPERUSER_PASSWORD="root password") as base:
        yield base


def test_a_superuser_sets_a_budget_and_reads_the_audit_log(browser, admin_parley):
    browser.get(admin_parley + "/")
    browser.execute_script("localStorage.clear()")
    browser.get(admin_parley + "/")
    sign_in(browser, "root@example.com", "root password")
    find(browser, "#prompt")
    find(browser, "#account-button").click()
    menu_item(browser, "Users").click()
    users = dialog_named(browser, "Users")
    budget = users.find_element(By.CSS_SELECTOR, "input[type=number]")
    budget.send_keys("5000", Keys.TAB)
    assert "budget 5000" in find(browser, "#toast").text
    button_in(dialog_named(browser, "Users"), "Done").click()
    find(browser, "#account-button").click()
    menu_item(browser, "Usage this month").click()
    assert "of 5,000 tokens" in dialog_named(browser, "Usage").text
    button_in(dialog_named(browser, "Usage"), "Done").click()
    find(browser, "#account-button").click()
    menu_item(browser, "Audit log").click()
    log = dialog_named(browser, "Audit log (newest 200)")
    assert "user.budget" in log.text and "login.ok" in log.text
    screenshot(browser, "audit-log")
