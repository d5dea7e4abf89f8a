"""Every screen at desktop and phone width, light and dark: screenshots, and no sideways scroll."""
import time

import pytest
from selenium.webdriver.common.by import By

from chat_page import find, menu_item, new_email, send, sign_out, sign_up, wait, wait_for_reply
from conftest import screenshot

SIZES = {"desktop": (1280, 860, False), "phone": (390, 844, True)}


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_each_screen(page, size, scheme):
    width, height, mobile = SIZES[size]
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
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
