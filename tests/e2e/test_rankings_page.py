"""The ranking lists page in Chromium against the real app (demo orchestra "acme").

Journeys: build an A list (clear it with the typed name, add from the qualified pool, order by drag and drop);
reorder with the keyboard and remove one musician; a change made behind the page's back (through the service)
makes the page's next change a conflict: the list is reloaded and the user is told. What the page shows is
checked against the database through ``services.rankings``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LOGIN_URL_RE, acme_services
from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e

CONFLICT_TEXT = "Listan ändrades av någon annan – den har laddats om"


def position_id(server, instrument: str, position: str) -> str:
    from services import staff_views

    with acme_services(server) as ref:
        for item in staff_views.instruments_for_orchestra(ref.id):
            if item["name"] == instrument:
                return next(p["positionId"] for p in item["positions"] if p["name"] == position)
    raise AssertionError(f"no {instrument} / {position}")


def stored_list(server, position: str, list_type: str) -> dict:
    from services import rankings

    with acme_services(server) as ref:
        return rankings.position_page(ref, position, list_type)


def names_shown(page) -> list[str]:
    return page.get_by_test_id("rank-name").all_inner_texts()


def stored_names(server, position: str, list_type: str = "A") -> list[str]:
    return [m["name"] for m in stored_list(server, position, list_type)["list"]["musicians"]]


def choose(page, select_id: str, option: str) -> None:
    page.locator(f"#{select_id}").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_build_an_a_list_by_drag_and_drop(page, server):
    violin = position_id(server, "Violin", "Tutti violin 1")
    log_in(page, server, "acme-user")
    expect(page.get_by_test_id("nav-rankings")).to_be_visible()  # logged in (on the home page)
    page.get_by_test_id("nav-rankings").click()
    expect(page).to_have_url(re.compile(r".*/rankings/?$"))
    expect(page.locator("h1")).to_have_text("Rankningslistor")

    choose(page, "rankings-instrument", "Violin")
    choose(page, "rankings-position", "Tutti violin 1")
    before = stored_list(server, violin, "A")
    a_count = len(before["list"]["musicians"])
    assert a_count >= 2
    expect(page.locator("#rankings-list-heading")).to_have_text("A-lista Tutti violin 1")
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(3)
    expect(tabs.nth(0)).to_have_accessible_name(f"A-lista ({a_count})")
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(tabs.nth(1)).to_have_accessible_name(re.compile(r"^B-lista \(\d+\)$"))
    expect(page.get_by_test_id("rank-row")).to_have_count(a_count)

    # Clear it: the dialog's button stays disabled until the list's name is typed exactly.
    page.locator("#clear-list").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Töm hela listan?")
    expect(dialog.get_by_test_id("clear-expected")).to_have_text("A-lista Tutti violin 1")
    dialog.get_by_label("Listans namn").fill("a-lista tutti violin 1")
    expect(dialog.locator("#confirm-clear")).to_be_disabled()
    dialog.get_by_label("Listans namn").fill("A-lista Tutti violin 1")
    expect(dialog.locator("#confirm-clear")).to_be_enabled()
    dialog.locator("#confirm-clear").click()
    expect(page.get_by_test_id("rank-list-empty")).to_be_visible()
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    expect(tabs.nth(0)).to_have_accessible_name("A-lista (0)")
    assert stored_names(server, violin) == []

    # Add three from the qualified pool (search narrows it; select, then add).
    pool = page.get_by_test_id("pool-row")
    expect(pool.first).to_be_visible()
    pool_names = [text.split("\n")[0] for text in pool.all_inner_texts()]
    assert len(pool_names) >= 3
    chosen = pool_names[:3]
    page.get_by_label("Sök i poolen").fill(chosen[0].split()[-1])
    expect(pool.filter(has_text=chosen[0])).to_have_count(1)
    pool.filter(has_text=chosen[0]).get_by_role("checkbox").click()
    page.get_by_label("Sök i poolen").fill("")
    for name in chosen[1:]:
        pool.filter(has_text=name).get_by_role("checkbox").click()
    expect(page.locator("#add-selected")).to_have_text("Lägg till valda (3)")
    page.locator("#add-selected").click()
    expect(page.get_by_test_id("rank-row")).to_have_count(3)
    expect(page.get_by_test_id("rank-name")).to_have_text(chosen)  # added in pool order, at the end
    expect(pool.filter(has_text=chosen[0])).to_have_count(0)
    expect(tabs.nth(0)).to_have_accessible_name("A-lista (3)")
    assert stored_names(server, violin) == chosen

    # Drag the third onto the first one's place, then the (new) second onto the third's.
    rows = page.get_by_test_id("rank-row")
    rows.nth(2).drag_to(rows.nth(0))
    expect(page.get_by_test_id("rank-name")).to_have_text([chosen[2], chosen[0], chosen[1]])
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    expect(page.get_by_test_id("rank-number")).to_have_text(["1.", "2.", "3."])
    rows.nth(1).drag_to(rows.nth(2))
    expect(page.get_by_test_id("rank-name")).to_have_text([chosen[2], chosen[1], chosen[0]])
    assert stored_names(server, violin) == [chosen[2], chosen[1], chosen[0]]

    # Saved for real: a reload shows the same order.
    page.reload()
    expect(page.get_by_test_id("rank-name")).to_have_text([chosen[2], chosen[1], chosen[0]])


def test_reorder_with_the_keyboard_and_remove_one(page, server):
    viola = position_id(server, "Viola", "Tutti")
    start = stored_names(server, viola, "C")
    assert len(start) >= 4
    log_in(page, server, "acme-admin")
    expect(page).not_to_have_url(LOGIN_URL_RE)  # logged in, sent on to the home page
    page.goto(server.url(f"/rankings?position={viola}", "acme"))
    page.get_by_role("tab", name=re.compile(r"^C-lista")).click()
    expect(page.locator("#rankings-list-heading")).to_have_text("C-lista Tutti")
    expect(page.get_by_test_id("rank-name")).to_have_text(start)

    # Move the first one down twice with Enter on its button: focus stays on the moved musician's row.
    first = start[0]
    down = page.get_by_role("button", name=f"Flytta ner {first}")
    down.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("rank-name")).to_have_text([start[1], first, *start[2:]])
    expect(page.get_by_role("button", name=f"Flytta ner {first}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("rank-name")).to_have_text([start[1], start[2], first, *start[3:]])
    expect(page.get_by_role("button", name=f"Flytta ner {first}")).to_be_focused()
    # Tab from "down" back to "up" is Shift+Tab; Space moves it up again.
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name=f"Flytta upp {first}")).to_be_focused()
    page.keyboard.press(" ")
    expect(page.get_by_test_id("rank-name")).to_have_text([start[1], first, start[2], *start[3:]])
    expected = [start[1], first, start[2], *start[3:]]
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    assert stored_names(server, viola, "C") == expected
    # The top row cannot move further up.
    expect(page.get_by_role("button", name=f"Flytta upp {start[1]}")).to_be_disabled()

    # Remove one (cancel first: nothing happens).
    page.get_by_role("button", name=f"Ta bort från listan: {first}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(first)
    dialog.get_by_role("button", name="Avbryt").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_test_id("rank-name")).to_have_text(expected)
    page.get_by_role("button", name=f"Ta bort från listan: {first}").click()
    page.get_by_role("alertdialog").get_by_test_id("confirm-remove").click()
    remaining = [name for name in expected if name != first]
    expect(page.get_by_test_id("rank-name")).to_have_text(remaining)
    expect(page.get_by_test_id("rank-number")).to_have_text([f"{n}." for n in range(1, len(remaining) + 1)])
    assert stored_names(server, viola, "C") == remaining
    expect(page.get_by_test_id("pool-row").filter(has_text=first)).to_have_count(1)


def test_a_change_made_elsewhere_meanwhile_is_not_overwritten(page, server):
    from services import rankings

    leader = position_id(server, "Viola", "Stämledare")
    start = stored_names(server, leader)
    assert len(start) >= 3
    log_in(page, server, "acme-admin")
    expect(page).not_to_have_url(LOGIN_URL_RE)  # logged in, sent on to the home page
    page.goto(server.url(f"/rankings?position={leader}", "acme"))
    expect(page.locator("#rankings-list-heading")).to_have_text("A-lista Stämledare")
    expect(page.get_by_test_id("rank-name")).to_have_text(start)

    # Someone else moves the last musician to the top (the page does not know).
    with acme_services(server) as ref:
        shown = stored_list(server, leader, "A")["list"]
        rankings.move_musician(ref, shown["rankingListId"], shown["musicians"][-1]["musicianId"], 0,
                               shown["version"])
    theirs = stored_names(server, leader)
    assert theirs == [start[-1], *start[:-1]]

    # The page's own change, based on the old list, is refused and the list reloaded with a notice.
    page.get_by_role("button", name=f"Flytta ner {start[0]}").click()
    expect(page.get_by_test_id("rankings-conflict")).to_contain_text(CONFLICT_TEXT)
    expect(page.get_by_test_id("rank-name")).to_have_text(theirs)
    assert stored_names(server, leader) == theirs
    expect(page.get_by_test_id("save-status")).not_to_have_text("Sparat")

    # Redone on the fresh list, it is saved; the notice goes away.
    page.get_by_role("button", name=f"Flytta ner {start[0]}").click()
    expected = [start[-1], start[1], start[0], *start[2:-1]]
    expect(page.get_by_test_id("rank-name")).to_have_text(expected)
    expect(page.get_by_test_id("rankings-conflict")).to_have_count(0)
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    assert stored_names(server, leader) == expected
