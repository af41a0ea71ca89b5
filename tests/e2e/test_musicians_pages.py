"""The musicians pages in Chromium against the real app (acme's 69 demo musicians).

Staff search as they type, create a musician (a field error first, then fixed), edit the qualifications, add
and delete a blockout, archive and restore; a musician who has answered requests shows statistics and history.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import acme_services
from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e


def open_roster(page, server) -> None:
    log_in(page, server, "acme-admin")
    page.get_by_test_id("nav-musicians").click()  # from the staff home page, whichever it is
    expect(page).to_have_url(re.compile(r".*/musicians/?$"))
    expect(page.locator("h1")).to_have_text("Musiker")


def test_search_as_you_type_narrows_the_list(page, server):
    from services import musicians, staff_views

    with acme_services(server) as ref:
        counts = musicians.musician_counts(ref)
        instruments = staff_views.instruments_for_orchestra(ref.id)
        trumpet = next(i["instrumentId"] for i in instruments if i["name"] == "Trumpet")
        trumpeters = musicians.list_musicians(ref, status="current", instrument_id=trumpet)[1]
    total = counts["total"]  # the demo's musicians who are not archived (the list's default)
    assert total > 50 and 0 < trumpeters < 50

    open_roster(page, server)
    rows = page.get_by_test_id("musician-row")
    expect(rows).to_have_count(50)  # 50 to a page
    expect(page.get_by_test_id("count-total")).to_have_text(str(total))
    expect(page.get_by_test_id("count-archived")).to_have_text(str(counts["archived"]))
    expect(page.locator("#musician-summary")).to_have_text(f"Visar 1–50 av {total}")
    first_name = rows.first.get_by_test_id("musician-link").inner_text()

    search = page.get_by_label("Sök", exact=True)
    started = time.monotonic()
    search.press_sequentially(first_name, delay=30)
    expect(rows.first.get_by_test_id("musician-link")).to_have_text(first_name)
    expect(page.locator("#musician-summary")).not_to_have_text(re.compile(f"av {total}$"))
    narrowed = rows.count()
    assert 1 <= narrowed < 50, narrowed
    for i in range(narrowed):
        assert first_name.split()[0].lower() in rows.nth(i).inner_text().lower()
    print(f"search typed and shown in {time.monotonic() - started:.2f} s")

    search.fill("ingen-sådan-musiker")
    expect(page.get_by_test_id("musicians-empty")).to_contain_text("Ingen musiker matchar")
    expect(rows).to_have_count(0)
    page.locator("#clear-filters").click()
    expect(rows).to_have_count(50)
    expect(search).to_have_value("")

    # The second page, and the instrument filter.
    page.locator("#page-next").click()
    expect(rows).to_have_count(total - 50)
    page.locator("#filter-instrument").click()
    page.get_by_role("option", name="Trumpet", exact=True).click()
    expect(rows).to_have_count(trumpeters)
    for i in range(trumpeters):
        expect(rows.nth(i)).to_contain_text("Trumpet")

    # Import and export are one click away.
    expect(page.locator("#musicians-import")).to_have_attribute("href", "/musicians/import")
    expect(page.locator("#musicians-export-csv")).to_have_attribute("href", "/musicians/export.csv")
    expect(page.locator("#musicians-export-xlsx")).to_have_attribute("href", "/musicians/export.xlsx")


def test_create_edit_blockout_archive_restore(page, server):
    open_roster(page, server)

    # Create: the phone number is refused at its field, nothing is written; fixed, the musician is created.
    page.locator("#new-musician").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Ny musiker")
    dialog.get_by_label("Förnamn").fill("Greta")
    dialog.get_by_label("Efternamn").fill("Gustavsson")
    dialog.get_by_label("E-post").fill("greta.gustavsson@example.se")
    dialog.get_by_label("Telefon").fill("ring mig")
    dialog.get_by_role("radio", name="Engelska").click()
    dialog.get_by_role("group", name="Violin").get_by_label("Tutti violin 1").click()
    dialog.get_by_role("button", name="Skapa musiker").click()
    expect(page.locator("#musician-phone-error")).to_contain_text("ser inte ut som ett telefonnummer")
    expect(dialog.get_by_label("Telefon")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#musician-form-error")).to_contain_text("Rätta de markerade fälten")
    expect(dialog.get_by_label("Förnamn")).to_have_value("Greta")  # what was typed stays
    dialog.get_by_label("Telefon").fill("070-765 43 21")
    dialog.get_by_role("button", name="Skapa musiker").click()

    expect(page).to_have_url(re.compile(r".*/musicians/MUS\d+/?$"))
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", level=1, name="Greta Gustavsson")).to_be_visible()
    expect(page.get_by_test_id("qualification")).to_have_text("Violin: Tutti violin 1")
    expect(page.locator("main")).to_contain_text("Engelska")
    expect(page.get_by_test_id("stat-asked")).to_have_text("0")
    expect(page.get_by_test_id("history-empty")).to_be_visible()

    # Edit the qualifications: Violin off, Viola on.
    page.locator("#edit-musician").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("E-post")).to_have_value("greta.gustavsson@example.se")
    dialog.get_by_role("group", name="Violin").get_by_label("Tutti violin 1").click()
    dialog.get_by_role("group", name="Viola").get_by_label("Tutti").click()
    dialog.get_by_role("button", name="Spara").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#profile-ok")).to_have_text("Ändringarna är sparade.")
    expect(page.get_by_test_id("qualification")).to_have_text("Viola: Tutti")

    # A blockout: the end before the start is refused at its field; then added; then deleted after confirming.
    page.get_by_label("Från och med").fill("2031-07-31")
    page.get_by_label("Till och med").fill("2031-07-01")
    page.locator("#add-blockout").click()
    expect(page.locator("#blockout-endDate-error")).to_contain_text("Slutdatumet får inte vara före startdatumet")
    page.get_by_label("Från och med").fill("2031-07-01")
    page.get_by_label("Till och med").fill("2031-07-31")
    page.get_by_label("Anledning (valfri)").fill("Sommarturné")
    page.locator("#add-blockout").click()
    blockouts = page.get_by_test_id("blockout-row")
    expect(blockouts).to_have_count(1)
    expect(blockouts.first).to_contain_text("2031-07-01")
    expect(blockouts.first).to_contain_text("2031-07-31")
    expect(blockouts.first).to_contain_text("Sommarturné")
    expect(page.get_by_label("Från och med")).to_have_value("")  # a fresh form for the next one
    blockouts.first.get_by_role("button", name="Ta bort spärrperioden").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Ta bort spärrperioden?")
    confirm.get_by_role("button", name="Avbryt").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(blockouts).to_have_count(1)
    blockouts.first.get_by_role("button", name="Ta bort spärrperioden").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Ta bort spärrperioden").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_test_id("blockouts-empty")).to_be_visible()

    # Archive (confirmed), then restore (confirmed).
    page.locator("#archive-musician").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Arkivera musikern?")
    page.locator("#confirm-archive").click()
    expect(page.locator("#profile-ok")).to_have_text("Musikern är arkiverad.")
    expect(page.locator("main").get_by_text("Arkiverad", exact=True).first).to_be_visible()
    page.locator("#restore-musician").click()
    page.locator("#confirm-restore").click()
    expect(page.locator("#profile-ok")).to_have_text("Musikern är återställd och aktiv.")
    expect(page.locator("#archive-musician")).to_be_visible()

    # Back on the roster the new musician is found by phone, in another spelling.
    page.get_by_role("link", name="Alla musiker").click()
    expect(page).to_have_url(re.compile(r".*/musicians/?$"))
    page.get_by_label("Sök", exact=True).fill("+46 70 765")
    expect(page.get_by_test_id("musician-row")).to_have_count(1)
    expect(page.get_by_test_id("musician-row")).to_contain_text("Greta Gustavsson")


def test_profile_shows_statistics_and_history(page, server):
    from services import dispatch, musicians

    with acme_services(server) as ref:
        [project] = [p for p in dispatch_projects(ref) if p["name"] == "Mahler 5"]
        dispatch.send_project(ref, project["projectId"])
        request = dispatch.list_requests(ref, project["projectId"])[0]
        dispatch.respond_on_behalf(ref, request["requestId"], "accept", staff="acme-admin")
        musician = musicians.get_musician(ref, request["musicianId"])

    log_in(page, server, "acme-user")
    expect(page.get_by_test_id("nav-musicians")).to_be_visible()
    page.goto(server.url(f"/musicians/{musician['musicianId']}", "acme"))
    expect(page.locator("h1")).to_have_text(f"{musician['firstName']} {musician['lastName']}")
    expect(page.get_by_test_id("stat-asked")).to_have_text("1")
    expect(page.get_by_test_id("stat-accepted")).to_have_text("1")
    expect(page.get_by_test_id("stat-rate")).to_have_text("100 %")
    expect(page.get_by_test_id("stat-average")).to_have_text(re.compile(r"^\d+,\d h$"))
    history = page.get_by_test_id("history-row")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Mahler 5")
    expect(history.first).to_contain_text("Tackat ja")
    expect(page.get_by_test_id("ranking-row").first).to_contain_text("A")
    history.first.get_by_role("link", name="Mahler 5").click()
    expect(page).to_have_url(re.compile(r".*/projects/PROJ\d+/?$"))

    # An unknown id says so instead of showing an empty profile.
    page.goto(server.url("/musicians/MUS999", "acme"))
    expect(page.locator("h1")).to_have_text("Musikern hittades inte")


def dispatch_projects(ref) -> list[dict]:
    from services import project_views

    return project_views.projects_overview(ref.id)
