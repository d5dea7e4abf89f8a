"""Two tabs of one browser share one stored token: when one tab signs out, or in as somebody
else, the other follows (the storage event) and never shows one account while it writes to another."""
from chat_page import conversation_titles, find, new_email, send, sign_out, sign_up, text_of, wait, wait_for_reply
from conftest import screenshot


def test_a_second_tab_follows_a_sign_out_and_a_sign_up_as_someone_else(page, parley):
    first, second = new_email("tab-first"), new_email("tab-second")
    sign_up(page, first)
    tab_a = page.current_window_handle
    page.switch_to.new_window("tab")
    tab_b = page.current_window_handle
    try:
        page.get(parley + "/")
        wait(page).until(lambda d: text_of(d, ".account-email") == first)

        page.switch_to.window(tab_a)
        sign_out(page)
        page.switch_to.window(tab_b)
        # The token was dropped: the sign-in screen, not the first account's chat (whose next
        # request would have said "Not authenticated" and offered a Retry).
        find(page, "#signin-form")
        assert "another tab" in text_of(page, "#signin-note")
        screenshot(page, "tab-signed-out-in-another-tab")

        page.switch_to.window(tab_a)
        sign_up(page, second)
        page.switch_to.window(tab_b)
        wait(page).until(lambda d: text_of(d, ".account-email") == second)
        send(page, "Written in the second tab")
        wait_for_reply(page)
        wait(page).until(lambda d: conversation_titles(d) == ["Written in the second tab"])

        # The chat is the second account's, and the first account has nothing.
        page.switch_to.window(tab_a)
        page.refresh()
        wait(page).until(lambda d: conversation_titles(d) == ["Written in the second tab"])
        assert text_of(page, ".account-email") == second
    finally:
        page.switch_to.window(tab_b)
        page.close()
        page.switch_to.window(tab_a)


def test_a_tab_showing_a_chat_switches_to_the_account_signed_in_elsewhere(page, parley):
    """Tab B shows the first account's conversation while tab A signs out and, at once, in as
    someone else (B never had a moment on the sign-in screen to look at)."""
    first, second = new_email("swap-first"), new_email("swap-second")
    sign_up(page, second)
    sign_out(page)
    sign_up(page, first)
    send(page, "The first account's chat")
    wait_for_reply(page)
    tab_a = page.current_window_handle
    page.switch_to.new_window("tab")
    tab_b = page.current_window_handle
    try:
        page.get(parley + "/")
        wait(page).until(lambda d: conversation_titles(d) == ["The first account's chat"])
        page.switch_to.window(tab_a)
        # Another sign-in stores another token without a sign-out in between.
        page.execute_async_script("""
            const [email, done] = arguments;
            fetch('/token', {method: 'POST', headers: {'Content-Type': 'application/json'},
                             body: JSON.stringify({username: email, password: 'correct horse'})})
              .then((r) => r.json()).then((body) => { localStorage.setItem('parley.token', body.access_token); done(); });
        """, second)
        page.switch_to.window(tab_b)
        wait(page).until(lambda d: text_of(d, ".account-email") == second)
        wait(page).until(lambda d: conversation_titles(d) == [] and text_of(d, "#chat-title") == "New chat")
        assert "#/c/" not in page.current_url
    finally:
        page.switch_to.window(tab_b)
        page.close()
        page.switch_to.window(tab_a)
