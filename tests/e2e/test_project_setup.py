"""Setting a project up from the UI alone, in Chromium against the real app (issue 5, page 5).

Staff (acme-admin) create a project (a field error first), add two needs (the strategy explained in words),
preview, send; the flautist answers through the response link in a browser context of their own and the
staff page, never reloaded, shows it; staff then answer for a cellist who phoned. Also: the list filters,
editing the project, and a need whose list is too short.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT_MS = 15_000
DASHBOARD_RE = re.compile(r".*/dashboard/?$")


def _log_in(page, server, username: str) -> None:
    """``log_in``, once more when the click came before the login page was hydrated (the browser then sent
    the form as a plain GET and stayed on /login)."""
    for _ in range(3):
        log_in(page, server, username)
        try:
            expect(page).to_have_url(DASHBOARD_RE, timeout=10_000)
            return
        except AssertionError:
            continue
    expect(page).to_have_url(DASHBOARD_RE)


def _choose_position(dialog, label: str) -> None:
    option = dialog.locator("#need-positionId option").filter(has_text=re.compile(rf"^{re.escape(label)} \("))
    expect(option).to_have_count(1)
    dialog.locator("#need-positionId").select_option(option.get_attribute("value"))


def _add_need(page, label: str, strategy: str, quantity: str) -> None:
    # While a dialog is still closing the page behind it is hidden from the accessibility tree, and the
    # button name below would find the closing dialog's own submit button instead.
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("button", name="Lägg till behov").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Nytt behov")
    _choose_position(dialog, label)
    expect(dialog.locator("#need-list")).to_have_value(re.compile(r"^list:"))  # the A list comes first
    dialog.locator("#need-requestStrategy").select_option(strategy)
    dialog.locator("#need-quantity").fill(quantity)
    dialog.locator("#need-responseTimeHours").select_option(label="2 dagar")
    dialog.get_by_role("button", name="Lägg till behov").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_create_project_add_needs_send_and_follow_the_answers(page, server, browser):
    _log_in(page, server, "acme-admin")
    page.get_by_test_id("nav-projects").click()
    expect(page.get_by_test_id("project-row")).to_have_count(2)

    # Filters: name search, week, past (the demo projects are upcoming).
    page.get_by_label("Sök på namn").fill("mahler")
    expect(page.get_by_test_id("project-row")).to_have_count(1)
    page.get_by_label("Sök på namn").fill("")
    page.locator("#projects-when").select_option("past")
    expect(page.get_by_test_id("projects-filtered-empty")).to_be_visible()
    page.get_by_role("button", name="Rensa filter").click()
    expect(page.get_by_test_id("project-row")).to_have_count(2)

    # A new project: the missing name is reported at its field, the week follows the date.
    page.get_by_role("button", name="Nytt projekt").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Startdatum").fill("2027-03-10")
    expect(dialog.get_by_label("Vecka")).to_have_value("10")
    dialog.get_by_label("Starttid").fill("18:30")
    dialog.get_by_role("button", name="Skapa projekt").click()
    expect(dialog.locator("#project-name-error")).to_have_text(re.compile("Fyll i fältet"))
    dialog.get_by_label("Namn").fill("Vårens kammarkonsert")
    dialog.get_by_label("Konsertinformation").fill("Lördag 18.30, Stora salen")
    dialog.get_by_role("button", name="Skapa projekt").click()
    expect(page).to_have_url(re.compile(r".*/projects/PROJ\d+/?$"))
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("h1")).to_have_text("Vårens kammarkonsert")
    expect(page.get_by_text("2027-03-10 18:30")).to_be_visible()
    expect(page.get_by_text("Lördag 18.30, Stora salen")).to_be_visible()
    expect(page.get_by_test_id("needs-empty")).to_be_visible()

    # Edit the project: a new week number typed by hand.
    page.get_by_role("button", name="Redigera projekt").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Namn")).to_have_value("Vårens kammarkonsert")
    dialog.get_by_label("Anteckningar").fill("Frack")
    dialog.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_text("Frack", exact=True)).to_be_visible()

    # A need whose list is too short: the reason is shown at the quantity field, nothing is added.
    page.get_by_role("button", name="Lägg till behov").click()
    dialog = page.get_by_role("dialog")
    _choose_position(dialog, "Flöjt – Soloflöjt")
    dialog.locator("#need-requestStrategy").select_option("first_come")
    expect(dialog.get_by_test_id("strategy-help")).not_to_be_empty()
    expect(dialog.get_by_label("Max antal mottagare")).to_be_visible()
    dialog.locator("#need-quantity").fill("60")
    dialog.get_by_role("button", name="Lägg till behov").click()
    expect(dialog.locator("#need-quantity-error")).to_contain_text("Listan räcker inte")
    dialog.get_by_role("button", name="Avbryt", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("needs-empty")).to_be_visible()

    # Two needs.
    _add_need(page, "Flöjt – Soloflöjt", "sequential", "1")
    _add_need(page, "Cello – Tutti", "parallel", "2")
    needs = page.get_by_test_id("need-row")
    expect(needs).to_have_count(2)
    expect(needs.filter(has_text="Cello – Tutti")).to_contain_text("Parallell")
    expect(needs.filter(has_text="Flöjt – Soloflöjt")).to_contain_text("Sekventiell")

    # Preview, then send (confirmed).
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_test_id("preview-need")).to_have_count(2)
    page.locator("#send-requests").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.locator("#send-result")).to_contain_text("Antal skickade förfrågningar: 3")
    expect(page.get_by_test_id("request-row")).to_have_count(3)
    expect(page.locator("#delete-project")).to_be_disabled()
    page.evaluate("window.__stagesub_no_reload = true")

    # After sending: only the quantity may change.
    needs.filter(has_text="Flöjt – Soloflöjt").get_by_test_id("edit-need").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("need-locked-note")).to_contain_text("bara antalet kan ändras")
    expect(dialog.locator("#need-requestStrategy")).to_be_disabled()
    dialog.get_by_role("button", name="Avbryt", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # The flautist's response link, from the simulated outbox.
    outbox_page = page.context.new_page()
    outbox_page.set_default_timeout(15_000)
    outbox_page.goto(server.url("/dev/outbox", "acme"))
    outbox_page.get_by_role("button", name="Kör schemaläggaren nu").click()
    expect(outbox_page.locator("#tick-result")).to_contain_text("Levererade: 3")
    flute_mail = outbox_page.get_by_test_id("outbox-message").filter(has_text="Soloflöjt")
    expect(flute_mail).to_have_count(1)
    href = flute_mail.get_by_test_id("response-link").get_attribute("href")
    assert href and "/respond/" in href
    outbox_page.close()

    musician = browser.new_context(locale="sv-SE")
    try:
        answer_page = musician.new_page()
        answer_page.set_default_timeout(15_000)
        answer_page.goto(href)
        expect(answer_page.locator("main")).to_contain_text("Vårens kammarkonsert")
        answer_page.locator("button[name=answer][value=accept]").click()
        expect(answer_page.locator("h1")).to_have_text(re.compile(r"Tack – du har tackat ja!"))
    finally:
        musician.close()

    requests = page.get_by_test_id("request-row")
    flute_request = requests.filter(has_text="Flöjt – Soloflöjt")
    expect(flute_request.get_by_test_id("request-status")).to_have_text("Tackat ja", timeout=LIVE_TIMEOUT_MS)
    expect(flute_request.get_by_test_id("answer-on-behalf")).to_have_count(0)
    expect(page.get_by_test_id("project-staffing")).to_contain_text("1/3", timeout=LIVE_TIMEOUT_MS)

    # A cellist phoned: staff answer on their behalf (cancel first: nothing happens).
    cello_request = requests.filter(has_text="Cello – Tutti").first
    cellist = cello_request.locator("th").inner_text().split("\n")[0]
    cello_request.get_by_test_id("answer-on-behalf").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(cellist)
    dialog.get_by_role("button", name="Avbryt", exact=True).click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    cello_request.get_by_test_id("answer-on-behalf").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_role("radio", name="Tackar ja").click()
    dialog.get_by_label("Anteckning (valfri)").fill("Ringde kl. 14")
    dialog.get_by_role("button", name="Registrera svaret").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    answered = requests.filter(has_text=cellist)
    expect(answered.get_by_test_id("request-status")).to_have_text("Tackat ja")
    expect(page.get_by_test_id("project-staffing")).to_contain_text("2/3")
    assert page.evaluate("window.__stagesub_no_reload === true")


def test_cancel_a_need_and_delete_a_project_without_requests(page, server):
    _log_in(page, server, "acme-user")
    page.get_by_test_id("nav-projects").click()
    page.get_by_role("button", name="Nytt projekt").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Namn").fill("Att radera")
    dialog.get_by_label("Startdatum").fill("2027-05-05")
    expect(dialog.get_by_label("Vecka")).to_have_value("18")
    dialog.get_by_role("button", name="Skapa projekt").click()
    try:
        expect(page).to_have_url(re.compile(r".*/projects/PROJ\d+/?$"), timeout=10_000)
    except AssertionError:
        raise AssertionError(f"still on the form: {dialog.inner_text()!r}\n{server.log_tail()}") from None
    expect(page.get_by_role("heading", level=1)).to_have_text("Att radera")
    _add_need(page, "Cello – Solocellist", "sequential", "1")
    need = page.get_by_test_id("need-row")
    expect(need).to_have_count(1)

    need.get_by_test_id("cancel-need").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Avbryt behovet").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(need).to_contain_text("Avbruten")
    expect(need.get_by_test_id("cancel-need")).to_have_count(0)

    page.locator("#delete-project").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Radera projektet?")
    dialog.get_by_role("button", name="Behåll").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_role("heading", level=1, name="Att radera")).to_be_visible()
    page.locator("#delete-project").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Radera", exact=True).click()
    expect(page).to_have_url(re.compile(r".*/projects/?$"))
    page.get_by_label("Sök på namn").fill("Att radera")
    expect(page.get_by_test_id("projects-filtered-empty")).to_be_visible()


def test_one_need_added_to_several_positions_at_once(page, server):
    _log_in(page, server, "acme-admin")
    page.get_by_test_id("nav-projects").click()
    page.get_by_role("button", name="Nytt projekt").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Namn").fill("Stråkförstärkning")
    dialog.get_by_label("Startdatum").fill("2027-06-02")
    dialog.get_by_role("button", name="Skapa projekt").click()
    expect(page).to_have_url(re.compile(r".*/projects/PROJ\d+/?$"))
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Lägg till behov").click()
    dialog = page.get_by_role("dialog")
    _choose_position(dialog, "Violin – Tutti violin 1")
    summary = dialog.locator("#also-summary")
    expect(summary).to_contain_text("(0 valda)")
    summary.click()
    boxes = dialog.get_by_test_id("also-position")
    total = boxes.count()
    assert total > 10  # every other position with an A list
    dialog.get_by_role("button", name="Markera alla", exact=True).click()
    expect(summary).to_contain_text(f"({total} valda)")
    dialog.get_by_role("button", name="Avmarkera alla", exact=True).click()
    expect(summary).to_contain_text("(0 valda)")
    for label in (r"^Viola – Tutti \(", r"^Cello – Tutti \("):  # the box shows the server's state: click, then wait
        box = dialog.get_by_label(re.compile(label))
        box.click()
        expect(box).to_be_checked()
    expect(summary).to_contain_text("(2 valda)")
    dialog.get_by_role("button", name="Lägg till behov").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    needs = page.get_by_test_id("need-row")
    expect(needs).to_have_count(3)
    for label in ("Violin – Tutti violin 1", "Viola – Tutti", "Cello – Tutti"):
        expect(needs.filter(has_text=label)).to_have_count(1)
