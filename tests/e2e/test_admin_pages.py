"""The dashboard, communication, users and logs pages in Chromium against the real app.

Before the browser arrives, a few requests of the demo project "Mahler 5" are sent and delivered (simulated)
and one is answered, through the services on the server's own data directory: the pages then have something
to show. Every page must load without a console error; a user (not an admin) reaches the dashboard and the
communication page but is sent away from the users and logs pages.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import services_on
from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e

DASHBOARD_RE = re.compile(r".*/dashboard/?$")


@pytest.fixture(scope="module")
def mahler_sent(server):
    """Mahler 5's requests sent and delivered (simulated); the first one accepted by staff on the phone."""
    from services import dispatch, outbox, project_views, tenancy

    with services_on(server.data_dir):
        acme = tenancy.get_orchestra("acme")
        project_id = next(row["projectId"] for row in project_views.projects_overview(acme.id)
                          if row["name"] == "Mahler 5")
        sent = dispatch.send_project(acme, project_id, actor="acme-admin")["sent"]
        outbox.deliver_due(acme)
        first = dispatch.list_requests(acme, project_id)[0]
        dispatch.respond_on_behalf(acme, first["requestId"], "accept", staff="acme-admin", note="telefon")
        outbox.deliver_due(acme)
    return {"projectId": project_id, "sent": sent}


def watch_console(page) -> list[str]:
    """Collect console errors and uncaught page errors of ``page``."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_admin_uses_dashboard_communication_users_and_logs(page, server, mahler_sent):
    errors = watch_console(page)
    log_in(page, server, "acme-admin")

    # The dashboard is the staff home.
    expect(page).to_have_url(DASHBOARD_RE)
    expect(page.locator("h1")).to_have_text("Översikt")
    expect(page.get_by_test_id("nav-dashboard")).to_have_attribute("aria-current", "page")
    upcoming = page.get_by_test_id("upcoming-row")
    expect(upcoming).to_have_count(2)
    expect(upcoming.filter(has_text="Mahler 5")).to_contain_text("1/3")
    expect(page.get_by_test_id("stat-waiting")).to_have_text(str(mahler_sent["sent"] - 1))  # one was answered
    expect(page.get_by_test_id("waiting-row").first).to_be_visible()
    activity = page.get_by_test_id("activity-row")
    expect(activity).to_have_count(1)
    expect(activity).to_contain_text("Tackat ja")
    expect(activity).to_contain_text("registrerat av personal")
    upcoming.filter(has_text="Mahler 5").get_by_role("link", name="Mahler 5").click()
    expect(page).to_have_url(re.compile(r".*/projects/PROJ\d+/?$"))

    # Communication: the delivered requests and the confirmation; one opens as it was sent.
    page.get_by_test_id("nav-communication").click()
    expect(page).to_have_url(re.compile(r".*/communication/?$"))
    expect(page.locator("h1")).to_have_text("Kommunikation")
    rows = page.get_by_test_id("message-row")
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_text="Bekräftelse")).to_have_count(1)
    expect(page.get_by_test_id("messages-paging")).to_contain_text("Sida 1 av 1")
    rows.filter(has_text="Förfrågan").first.get_by_role("button", name=re.compile("^Visa")).click()
    dialog = page.get_by_test_id("message-dialog")
    expect(dialog).to_be_visible()
    frame = dialog.locator("iframe")
    expect(frame).to_have_attribute("sandbox", "")
    expect(dialog.get_by_test_id("message-text")).to_contain_text("/respond/")
    dialog.get_by_role("button", name="Stäng").click()
    expect(dialog).to_have_count(0)
    # Filter by status: nothing has failed.
    page.locator("#comm-status").click()
    page.get_by_role("option", name="Misslyckades").click()
    expect(page.get_by_test_id("messages-empty")).to_contain_text("Inga meddelanden matchar filtren")
    page.locator("#comm-clear").click()
    expect(rows.first).to_be_visible()
    page.get_by_role("tab", name="Gruppmail").click()
    expect(page.get_by_test_id("group-empty")).to_be_visible()

    # Users: create an account (password shown once), then deactivate it after confirming.
    page.get_by_test_id("nav-users").click()
    expect(page).to_have_url(re.compile(r".*/users/?$"))
    users = page.get_by_test_id("user-row")
    expect(users).to_have_count(2)
    expect(users.filter(has_text="acme-admin")).to_contain_text("Det här är du")
    page.get_by_label("Användarnamn").fill("kansli-test")
    page.get_by_label("E-post").fill("kansli-test@acme.test")
    page.locator("#create-user").click()
    expect(page.get_by_test_id("password-notice")).to_contain_text("kansli-test")
    assert re.fullmatch(r"[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}", page.locator("#new-password").inner_text())
    expect(users).to_have_count(3)
    page.locator("#password-noted").click()
    expect(page.get_by_test_id("password-notice")).to_have_count(0)
    new_row = users.filter(has_text="kansli-test")
    new_row.get_by_role("button", name="Inaktivera: kansli-test").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Inaktivera kontot?")
    confirm.get_by_role("button", name="Ja, fortsätt").click()
    expect(new_row).to_contain_text("Inaktiverad")
    expect(page.locator("#users-ok")).to_contain_text("inaktiverat")
    # A wrong e-mail is refused at the field, in Swedish; nothing is created.
    page.get_by_label("Användarnamn").fill("ny-person")
    page.get_by_label("E-post").fill("inte-en-adress@x")
    page.locator("#create-user").click()
    expect(page.locator("#new-user-email-error")).to_have_text("E-postadressen är inte giltig.")
    expect(users).to_have_count(3)

    # Logs: the logins of this orchestra, the audit trail of the send and the phone answer.
    page.get_by_test_id("nav-logs").click()
    expect(page).to_have_url(re.compile(r".*/logs/?$"))
    log_rows = page.get_by_test_id("system-log-row")
    expect(log_rows.filter(has_text="Inloggning").first).to_be_visible()  # stored as "Login"
    expect(log_rows.filter(has_text="Användaren inaktiverades")).to_have_count(1)
    page.locator("#log-search").fill("inaktiverades")  # found by the text shown, stored as "User deactivated"
    expect(log_rows).to_have_count(1)
    page.locator("#log-search").fill("")
    expect(log_rows.filter(has_text="Inloggning").first).to_be_visible()
    page.get_by_role("tab", name="Ändringslogg").click()
    audit = page.get_by_test_id("audit-row")
    expect(audit.filter(has_text="send_requests")).to_have_count(1)
    expect(audit.filter(has_text="staff_response")).to_have_count(1)

    # English: the new pages are translated, the log's texts too.
    page.locator("#lang-en").click()
    expect(page.locator("h1")).to_have_text("Logs")
    page.get_by_role("tab", name="System log").click()
    expect(log_rows.filter(has_text="User deactivated")).to_have_count(1)
    page.get_by_test_id("nav-dashboard").click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.get_by_test_id("dashboard-upcoming")).to_contain_text("Upcoming projects")
    page.locator("#lang-sv").click()
    expect(page.locator("h1")).to_have_text("Översikt")

    assert errors == [], errors


def test_user_reaches_staff_pages_but_not_the_admin_pages(page, server, mahler_sent):
    errors = watch_console(page)
    log_in(page, server, "acme-user")
    expect(page).to_have_url(DASHBOARD_RE)
    expect(page.locator("h1")).to_have_text("Översikt")
    expect(page.get_by_test_id("nav-communication")).to_be_visible()
    expect(page.get_by_test_id("nav-users")).to_have_count(0)
    expect(page.get_by_test_id("nav-logs")).to_have_count(0)

    page.goto(server.url("/communication?status=simulated", "acme"))
    expect(page.locator("h1")).to_have_text("Kommunikation")
    expect(page.get_by_test_id("message-row").first).to_be_visible()
    expect(page.locator("#comm-status")).to_contain_text("Simulerat")

    for path in ("/users", "/logs"):
        page.goto(server.url(path, "acme"))
        expect(page).to_have_url(DASHBOARD_RE)
        expect(page.locator("h1")).to_have_text("Översikt")

    assert errors == [], errors
