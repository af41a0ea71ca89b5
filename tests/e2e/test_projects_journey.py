"""A substitute search end to end, in Chromium against the real app (STAGESUB_ENV=test, scheduler loop off).

Staff (acme-admin): projects list → Mahler 5 → preview → send (confirmed) → the simulated outbox → run the
scheduler. The musician: opens the response link in a browser context of their own (no login) and accepts.
The staff member's project page, never reloaded, shows the answer by itself.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT_MS = 15_000  # the page re-reads every 3 s


def test_send_requests_and_see_the_answer_arrive(page, server, browser):
    log_in(page, server, "acme-admin")
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))

    # The projects list: both demo projects, nothing sent yet.
    page.get_by_test_id("nav-projects").click()
    expect(page).to_have_url(re.compile(r".*/projects/?$"))
    expect(page.locator("h1")).to_have_text("Projekt")
    rows = page.get_by_test_id("project-row")
    expect(rows).to_have_count(2)
    mahler_row = rows.filter(has_text="Mahler 5")
    expect(mahler_row).to_contain_text("0/3")
    expect(mahler_row).to_contain_text("Förfrågningar ej startade")

    # The project page.
    mahler_row.get_by_role("link", name="Mahler 5").click()
    expect(page).to_have_url(re.compile(r".*/projects/PROJ\d+/?$"))
    expect(page.locator("h1")).to_have_text("Mahler 5")
    needs = page.get_by_test_id("need-row")
    expect(needs).to_have_count(2)
    expect(needs.filter(has_text="Trumpet – Solotrumpet")).to_contain_text("Sekventiell")
    expect(needs.filter(has_text="Violin – Tutti violin 1")).to_contain_text("Parallell")
    expect(page.get_by_test_id("requests-empty")).to_be_visible()
    expect(page.get_by_text("Uppdateras automatiskt")).to_be_visible()

    # Preview: who is asked now (1 trumpeter, 2 violinists), who is next; nothing is sent.
    page.get_by_role("button", name="Förhandsgranska").click()
    previews = page.get_by_test_id("preview-need")
    expect(previews).to_have_count(2)
    trumpet_preview = previews.filter(has_text="Trumpet – Solotrumpet")
    expect(trumpet_preview.get_by_test_id("preview-to-ask").locator("li")).to_have_count(1)
    trumpeter = trumpet_preview.get_by_test_id("preview-to-ask").locator("li").first.inner_text().split(" (")[0]
    expect(previews.filter(has_text="Violin – Tutti violin 1").get_by_test_id("preview-to-ask")
           .locator("li")).to_have_count(2)
    expect(page.get_by_test_id("requests-empty")).to_be_visible()

    # Send, after confirming in the dialog (cancel first: nothing happens).
    page.locator("#send-requests").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Skicka förfrågningar?")
    expect(dialog).to_contain_text("3")
    dialog.get_by_role("button", name="Avbryt").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("requests-empty")).to_be_visible()
    page.locator("#send-requests").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Skicka", exact=True).click()
    expect(page.locator("#send-result")).to_contain_text("Antal skickade förfrågningar: 3")
    requests = page.get_by_test_id("request-row")
    expect(requests).to_have_count(3)
    expect(page.get_by_test_id("request-status").filter(has_text="Väntar på svar")).to_have_count(3)
    trumpet_request = requests.filter(has_text="Trumpet – Solotrumpet")
    expect(trumpet_request).to_contain_text(trumpeter)
    expect(page.get_by_test_id("project-status")).to_contain_text("Pågående")
    # Marks this document: a reload would lose it.
    page.evaluate("window.__stagesub_no_reload = true")

    # The simulated outbox, in a second tab of the same browser: three request e-mails waiting for delivery.
    outbox_page = page.context.new_page()
    outbox_page.set_default_timeout(15_000)
    outbox_page.goto(server.url("/dev/outbox", "acme"))
    expect(outbox_page.locator("h1")).to_have_text("Utkorg (simulerad)")
    messages = outbox_page.get_by_test_id("outbox-message")
    expect(messages).to_have_count(3)
    expect(messages.filter(has_text="Väntar på leverans")).to_have_count(3)
    outbox_page.get_by_role("button", name="Kör schemaläggaren nu").click()
    expect(outbox_page.locator("#tick-result")).to_contain_text("Levererade: 3")
    expect(messages.filter(has_text="Levererad (simulerad)")).to_have_count(3)

    # The trumpeter's response link: a plain anchor to the server's response page, opening in a new tab.
    trumpet_mail = messages.filter(has_text="Solotrumpet")
    expect(trumpet_mail).to_have_count(1)
    link = trumpet_mail.get_by_test_id("response-link")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href is not None and re.fullmatch(rf"http://acme\.localhost:{server.port}/respond/[\w.-]+", href), href
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    with outbox_page.expect_popup() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == href
    expect(popup.locator("button[name=answer][value=accept]")).to_be_visible()  # server-rendered, GET only
    popup.close()

    # The musician, in a browser context of their own (no StageSub login), accepts.
    musician = browser.new_context(locale="sv-SE")
    try:
        answer_page = musician.new_page()
        answer_page.set_default_timeout(15_000)
        answer_page.goto(href)
        expect(answer_page.locator("main")).to_contain_text("Mahler 5")
        answer_page.locator("button[name=answer][value=accept]").click()
        expect(answer_page.locator("h1")).to_have_text(
            re.compile(r"Tack – du har tackat ja!|Thank you – you said yes!"))
    finally:
        musician.close()

    # Back on the project page, which was never reloaded: the answer arrives by itself.
    expect(trumpet_request.get_by_test_id("request-status")).to_have_text("Tackat ja", timeout=LIVE_TIMEOUT_MS)
    expect(needs.filter(has_text="Trumpet – Solotrumpet")).to_contain_text("Färdig", timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_test_id("project-staffing")).to_contain_text("1/3", timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_test_id("request-status").filter(has_text="Väntar på svar")).to_have_count(2)
    assert page.evaluate("window.__stagesub_no_reload === true")

    # The confirmation e-mail is now the newest message of the outbox.
    outbox_page.get_by_role("button", name="Uppdatera").click()
    expect(messages).to_have_count(4)
    expect(messages.first).to_contain_text(re.compile("Bekräftelse"))

    # The projects list shows the progress.
    page.get_by_role("navigation", name="Du är här").get_by_role("link", name="Projekt").click()
    expect(page.get_by_test_id("project-row").filter(has_text="Mahler 5")).to_contain_text("1/3")
    expect(page.get_by_test_id("project-row").filter(has_text="Mahler 5")).to_contain_text("Pågående")


def test_pause_and_resume_a_need(page, server):
    log_in(page, server, "acme-user")  # daily work: a user, not only an admin
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.get_by_test_id("nav-projects").click()
    page.get_by_test_id("project-row").filter(has_text="Julkonsert").get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Julkonsert")
    need = page.get_by_test_id("need-row")
    expect(need).to_have_count(1)
    page.get_by_role("button", name="Pausa: Viola – Tutti").click()
    expect(need).to_contain_text("Pausad")
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_test_id("preview-need")).to_contain_text("behovet är inte aktivt")
    page.get_by_role("button", name="Återuppta: Viola – Tutti").click()
    expect(need).to_contain_text("Ej startad")
    expect(page.get_by_test_id("preview-need").get_by_test_id("preview-to-ask")).to_be_visible()


def test_unknown_project_and_the_outbox_for_another_orchestra(page, server):
    log_in(page, server, "beta-admin", subdomain="beta")
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto(server.url("/projects", "beta"))
    expect(page.get_by_test_id("projects-empty")).to_be_visible()
    page.goto(server.url("/projects/PROJ001", "beta"))  # acme's project id: not beta's
    expect(page.get_by_test_id("project-not-found")).to_be_visible()
    page.goto(server.url("/dev/outbox", "beta"))
    expect(page.get_by_test_id("outbox-empty")).to_be_visible()
