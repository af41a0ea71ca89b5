"""The instruments page in Chromium: an admin creates an instrument with a position, reorders, is told why a
delete is refused, archives, restores and deletes; a user sees the same page without any edit buttons."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e


def headings(page) -> list[str]:
    return page.get_by_test_id("instrument-card").locator("h2").all_inner_texts()


def open_instruments(page, server, username: str) -> None:
    # The machine may be busy with other builds: give the first paint of the login page more time.
    page.goto(server.url("/login", "acme"))
    expect(page.locator("#login-username")).to_be_visible(timeout=60_000)
    log_in(page, server, username)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto(server.url("/instruments", "acme"))
    expect(page.locator("h1")).to_have_text("Instrument")
    expect(page.get_by_test_id("instrument-card").first).to_be_visible()


def test_user_sees_the_page_read_only(page, server):
    open_instruments(page, server, "acme-user")
    expect(page.locator("#instruments-read-only")).to_be_visible()
    expect(page.locator("#create-instrument")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^(Flytta|Radera|Arkivera|Byt namn|Lägg till)"))).to_have_count(0)
    # The position names still lead to their ranking lists.
    expect(page.get_by_role("link", name=re.compile("^Öppna rankningslistorna för")).first).to_be_visible()


def test_admin_manages_instruments_and_positions(page, server):
    open_instruments(page, server, "acme-admin")

    # Create an instrument: an empty name is refused at the field, then it is created last.
    page.locator("#create-instrument").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Nytt instrument")
    page.locator("#instrument-form-name").fill("   ")
    page.locator("#instrument-form-save").click()
    expect(page.locator("#instrument-form-name-error")).to_have_text("Ange ett namn.")
    expect(page.locator("#instrument-form-name")).to_have_attribute("aria-invalid", "true")
    page.locator("#instrument-form-name").fill("Theremin")
    page.locator("#instrument-form-save").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#instruments-ok")).to_contain_text("Instrumentet har skapats.")
    expect(page.get_by_test_id("instrument-card").last.locator("h2")).to_have_text("Theremin")
    before = headings(page)

    # A name already in use is refused in the dialog, which stays open.
    page.locator("#create-instrument").click()
    page.locator("#instrument-form-name").fill("violin")
    page.locator("#instrument-form-save").click()
    expect(page.locator("#instrument-form-name-error")).to_have_text("Namnet används redan.")
    page.get_by_role("dialog").get_by_role("button", name="Avbryt").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Add a position: it gets its A, B and C lists and links to the rankings page.
    theremin = page.get_by_test_id("instrument-card").filter(has=page.locator("h2", has_text="Theremin"))
    theremin.get_by_role("button", name="Lägg till tjänst för Theremin").click()
    expect(page.get_by_role("dialog")).to_contain_text("Theremin")
    page.locator("#instrument-form-name").fill("Solo")
    page.locator("#instrument-form-save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#instruments-ok")).to_contain_text("Tjänsten har skapats")
    row = theremin.get_by_test_id("position-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Solo")
    expect(row.locator("td").filter(has_text=re.compile(r"^0$"))).to_have_count(4)  # qualified, A, B, C
    link = row.get_by_role("link", name="Öppna rankningslistorna för Solo")
    expect(link).to_have_attribute("href", re.compile(r"/rankings\?position=POS\d+$"))

    # Reorder with the keyboard: focus "move up" and press Enter.
    move_up = page.get_by_role("button", name="Flytta upp Theremin")
    move_up.focus()
    page.keyboard.press("Enter")
    expected = before[:-2] + ["Theremin", before[-2]]
    expect(page.get_by_test_id("instrument-card").locator("h2")).to_have_text(expected)
    expect(page.get_by_role("button", name=f"Flytta upp {before[0]}")).to_be_disabled()

    # Deleting an instrument that musicians play is refused, and the dialog says why.
    page.get_by_role("button", name="Radera instrumentet Violin").click()
    alert = page.get_by_role("alertdialog")
    expect(alert).to_contain_text("Kan inte raderas")
    expect(alert.get_by_test_id("blocked-reasons")).to_contain_text("Kvalifikationer")
    expect(alert.get_by_role("button", name="Ja, fortsätt")).to_have_count(0)
    alert.get_by_role("button", name="Stäng").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_test_id("instrument-card").locator("h2", has_text="Violin")).to_have_count(1)

    # Archive after confirming: hidden until "show archived", then restored.
    page.get_by_role("button", name="Arkivera instrumentet Theremin").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Ja, fortsätt").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.locator("#instruments-ok")).to_contain_text("Instrumentet har arkiverats.")
    expect(page.locator("h2", has_text="Theremin")).to_have_count(0)
    page.locator("#show-archived").click()
    expect(theremin).to_contain_text("Arkiverat")
    page.get_by_role("button", name="Återställ instrumentet Theremin").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Ja, fortsätt").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.locator("#instruments-ok")).to_contain_text("Instrumentet har återställts.")
    expect(theremin.get_by_text("Arkiverat")).to_have_count(0)
    page.locator("#show-archived").click()
    expect(page.locator("h2", has_text="Theremin")).to_have_count(1)

    # Nothing uses the new instrument, so it can be deleted (with its position) after confirming.
    page.get_by_role("button", name="Radera instrumentet Theremin").click()
    alert = page.get_by_role("alertdialog")
    expect(alert).to_contain_text("Radera instrumentet?")
    expect(alert.get_by_role("button", name="Ja, fortsätt")).to_be_disabled()
    alert.get_by_label("Skriv RADERA för att bekräfta").fill("RADERA")
    alert.get_by_role("button", name="Ja, fortsätt").click()
    expect(page.locator("#instruments-ok")).to_contain_text("Instrumentet har raderats.")
    expect(page.locator("h2", has_text="Theremin")).to_have_count(0)
