"""Every screen at desktop and phone width, light and dark: screenshots, and no sideways scroll."""
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from chat_page import (dialog_button, enter_adds_a_line, find, menu_item, new_email, open_conversation_menu, send, sign_out,
                       sign_up, wait, wait_for_reply)
from conftest import screenshot

SIZES = {"desktop": (1280, 860, False), "phone": (390, 844, True)}


def emulate(driver, size: str, scheme: str) -> None:
    """A screen of SIZES in a colour scheme (the page is not reloaded)."""
    width, height, mobile = SIZES[size]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_each_screen(page, size, scheme):
    mobile = SIZES[size][2]
    emulate(page, size, scheme)
    page.refresh()

    def shot(name):
        assert no_sideways_scroll(page), f"{name} scrolls sideways at {size} width"
        screenshot(page, f"{size}-{scheme}-{name}")

    find(page, "#signin-form")
    shot("1-sign-in")
    find(page, "#to-signup button").click()
    find(page, "#signup-form")
    shot("2-sign-up")
    find(page, "#to-signin").click()

    sign_up(page, new_email(f"{size}-{scheme}"))
    shot("3-new-chat")
    send(page, "Hello there, could you show me a list and some code? " + "This line is long. " * 8)
    wait_for_reply(page)
    send(page, "a_very_long_unbroken_word_" * 8 + " https://example.com/" + "x" * 120)
    wait_for_reply(page)
    shot("4-chat")

    if mobile:
        find(page, "#menu-button").click()
        wait(page).until(lambda d: d.find_element(By.ID, "sidebar").is_displayed())
        time.sleep(0.3)  # the drawer slides in
        shot("5-conversations")
    find(page, "#account-button").click()
    menu_item(page, "Change password").click()
    find(page, "dialog[open]")
    shot("6-change-password")
    page.find_element(By.CSS_SELECTOR, "dialog[open] button[type=button]").click()
    sign_out(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_right_to_left_a_message_too_long_and_a_toast(page, size, scheme):
    mobile = SIZES[size][2]
    emulate(page, size, scheme)
    page.refresh()

    def shot(name):
        assert no_sideways_scroll(page), f"{name} scrolls sideways at {size} width"
        screenshot(page, f"{size}-{scheme}-{name}")

    sign_up(page, new_email(f"rtl-{size}-{scheme}"))
    send(page, "שלום! אפשר רשימה וקצת קוד, בבקשה?")
    wait_for_reply(page)
    shot("7-right-to-left")

    prompt = find(page, "#prompt")
    page.execute_script("arguments[0].value = 'x'.repeat(100001); arguments[0].dispatchEvent(new Event('input'))", prompt)
    if enter_adds_a_line(page):
        find(page, "#send-button").click()
    else:
        prompt.send_keys(Keys.END, Keys.ENTER)
    find(page, "#composer-error")
    shot("8-message-too-long")
    page.execute_script("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'))", prompt)

    if mobile:
        find(page, "#menu-button").click()
        time.sleep(0.3)
    open_conversation_menu(page, "שלום! אפשר רשימה וקצת קוד, בבקשה?")
    menu_item(page, "Delete").click()
    dialog_button(page, "Delete").click()
    find(page, "#toast")
    shot("9-toast")
