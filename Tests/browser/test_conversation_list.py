"""The conversation list: read a page at a time as it scrolls, grouped by date (Today, Yesterday,
Previous 7 days, Older, in the reader's time zone), nothing skipped or shown twice while the list
changes under it."""
from datetime import datetime, timedelta, timezone

import pytest

from chat_page import (all_of, call_api, dated_conversation, dialog_button, find, import_conversations, listed_conversations, menu_item,
                       new_email, open_conversation_menu, scroll_conversations_to_end, sign_up, token_of, wait)
from conftest import console_errors, screenshot
from test_screens import SIZES, emulate, no_sideways_scroll

# The group a time falls in, worked out here from the browser's own calendar (not the page's code).
EXPECTED_GROUPS = """
    const today = new Date();
    today.setHours(0, 0, 0, 0);
    return arguments[0].map((time) => {
      const day = new Date(time);
      day.setHours(0, 0, 0, 0);
      const days = Math.round((today - day) / 864e5);
      return days <= 0 ? 'Today' : days === 1 ? 'Yesterday' : days <= 7 ? 'Previous 7 days' : 'Older';
    });
"""


def dated(count: int) -> list[dict]:
    """`count` conversations newest first, one second to days apart: a few today, a few yesterday,
    some in the week before, the rest older (going back about a year)."""
    now = datetime.now(timezone.utc)
    conversations = []
    for index in range(count):
        if index < 4:
            updated = now - timedelta(minutes=index + 1)
        elif index < 8:
            updated = now - timedelta(days=1, minutes=index)
        elif index < 20:
            updated = now - timedelta(days=2 + (index - 8) // 3, minutes=index)
        else:
            updated = now - timedelta(days=9, hours=index * 16)
        conversations.append(dated_conversation(f"Chat {index:03d}", updated, [f"Question {index}", f"Answer {index}"]))
    return conversations


def signed_up_with_dated(driver, parley: str, label: str, count: int) -> tuple[str, list[dict]]:
    """A new account with `count` dated conversations (see dated), the page showing it."""
    sign_up(driver, new_email(label))
    token = token_of(driver)
    conversations = dated(count)
    import_conversations(parley, token, conversations)
    driver.refresh()
    return token, conversations


def shown_count(driver) -> int:
    return len(all_of(driver, "#conversation-list li"))


def test_500_conversations_scroll_to_the_end_each_once_in_order_and_grouped(page, parley):
    token, conversations = signed_up_with_dated(page, parley, "many", 500)

    # The first page only, until the list is scrolled.
    wait(page).until(lambda d: shown_count(d) == 50)
    assert [title for title, _ in listed_conversations(page)] == [c["title"] for c in conversations[:50]]

    # Scrolled part way, the list changes elsewhere (another tab, another client): a new
    # conversation goes to the top (everything moves down one), then one already shown is
    # deleted (everything moves up one). The list reads on without skipping or doubling any.
    wait(page, 20).until(lambda d: scroll_conversations_to_end(d) >= 100)
    call_api(parley, token, "POST", "/api/v1/conversations/", {"title": "Fresh"})
    wait(page, 20).until(lambda d: scroll_conversations_to_end(d) >= 150)
    listed = call_api(parley, token, "GET", "/api/v1/conversations/?limit=100")
    gone = next(c for c in listed if c["title"] == "Chat 020")
    call_api(parley, token, "DELETE", f"/api/v1/conversations/{gone['id']}")
    wait(page, 60).until(lambda d: scroll_conversations_to_end(d) == 500 and not d.execute_script(
        "return document.getElementById('conversations-end').checkVisibility()"))

    shown = listed_conversations(page)
    titles = [title for title, _ in shown]
    expected = ["Fresh"] + [c["title"] for c in conversations if c["title"] != "Chat 020"]
    assert len(titles) == len(set(titles)), "a conversation is shown twice"
    assert titles == expected
    groups = page.execute_script(EXPECTED_GROUPS, [datetime.now(timezone.utc).isoformat()]
                                 + [c["updated_at"] for c in conversations if c["title"] != "Chat 020"])
    assert [group for _, group in shown] == groups
    # Each heading once, in order, each a heading a screen reader can jump to.
    headings = [h.get_attribute("textContent") for h in all_of(page, "#conversation-list h2")]
    assert headings == list(dict.fromkeys(groups))
    assert set(headings) == {"Today", "Yesterday", "Previous 7 days", "Older"}
    # The page read pages, never the whole list at once.
    reads = page.execute_script("""
        return performance.getEntriesByType('resource').map((entry) => entry.name)
          .filter((name) => name.includes('/api/v1/conversations/?'));
    """)
    assert reads and all("limit=1000" not in name and "limit=500" not in name for name in reads), reads
    assert console_errors(page) == []


def test_renaming_and_deleting_far_down_the_list_keeps_the_scrolled_list_whole(page, parley):
    token, conversations = signed_up_with_dated(page, parley, "moving", 120)
    wait(page, 20).until(lambda d: scroll_conversations_to_end(d) >= 100)

    # Rename one far down through its menu: it moves to the top, Today.
    open_conversation_menu(page, "Chat 090")
    menu_item(page, "Rename").click()
    field = find(page, "dialog[open] input[name=title]")
    field.clear()
    field.send_keys("Renamed far down\n")
    wait(page).until(lambda d: listed_conversations(d)[0] == ["Renamed far down", "Today"])
    # The list read again what it showed, not only its first page: the reader's place is kept.
    assert len(listed_conversations(page)) >= 100

    # Delete another one far down through its menu: it leaves, the rest stay.
    open_conversation_menu(page, "Chat 095")
    menu_item(page, "Delete").click()
    dialog_button(page, "Delete").click()
    wait(page).until(lambda d: "Chat 095" not in [title for title, _ in listed_conversations(d)])
    assert len(listed_conversations(page)) >= 100

    wait(page, 20).until(lambda d: scroll_conversations_to_end(d) == 119)
    titles = [title for title, _ in listed_conversations(page)]
    assert titles == ["Renamed far down"] + [c["title"] for c in conversations if c["title"] not in ("Chat 090", "Chat 095")]
    assert console_errors(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_the_grouped_list_at_each_width_and_scheme(page, parley, size, scheme):
    emulate(page, size, scheme)
    page.refresh()
    signed_up_with_dated(page, parley, f"groups-{size}-{scheme}", 30)
    wait(page).until(lambda d: len(listed_conversations(d)) == 30)
    if SIZES[size][2]:
        find(page, "#menu-button").click()
        wait(page).until(lambda d: d.execute_script(
            "const box = document.getElementById('sidebar').getBoundingClientRect(); return box.left === 0 && box.width > 0"))
    # Scrolled into the Older group: its heading stays at the top of the list, readable.
    page.execute_script("document.querySelectorAll('#conversation-list li')[14].scrollIntoView({block: 'start'})")
    shown = page.execute_script("""
        const list = document.querySelector('.conversations').getBoundingClientRect();
        const heading = [...document.querySelectorAll('#conversation-list h2')]
          .find((h) => Math.abs(h.getBoundingClientRect().top - list.top) < 8);
        if (!heading) return null;
        const style = getComputedStyle(heading);
        return [heading.textContent, style.color, style.backgroundColor];
    """)
    assert shown is not None and shown[0] in ("Previous 7 days", "Older"), shown
    assert shown[1] != shown[2], "the heading's text is the colour of its background"
    assert no_sideways_scroll(page)
    screenshot(page, f"{size}-{scheme}-10-conversation-groups")
