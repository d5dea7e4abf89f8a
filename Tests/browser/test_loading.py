"""The page before its script has run: a calm loading state, never a blank page."""
import pytest

from chat_page import find, new_email, sign_up
from conftest import screenshot
from test_screens import SIZES, emulate


def block_scripts(driver, blocked: bool) -> None:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*main.js"] if blocked else []})


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_the_page_shows_it_is_loading_before_its_script_runs(page, parley, size, scheme):
    emulate(page, size, scheme)
    block_scripts(page, True)
    try:
        page.get(parley + "/")
        loading = find(page, "#loading")
        assert "Parley" in loading.text
        screenshot(page, f"{size}-{scheme}-0-loading")
    finally:
        block_scripts(page, False)
    # Once the script chose a screen, the loading state is gone: sign-in, then the app.
    page.get(parley + "/")
    find(page, "#signin-form")
    assert not page.find_element("id", "loading").is_displayed()
    sign_up(page, new_email(f"loading-{size}-{scheme}"))
    assert not page.find_element("id", "loading").is_displayed()
