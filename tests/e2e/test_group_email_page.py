"""Group e-mail journey: a project's accepted musicians, a message, progress to the end, and the history."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import LOGIN_URL_RE, services_on
from tests.e2e.serving import send_demo_project
from tests.e2e.test_login_shell import log_in


def test_group_email_reaches_the_accepted_musician_with_progress_and_history(page, server):
    send_demo_project(server.data_dir)  # Mahler 5 sent; its first request accepted (by staff, on the phone)
    log_in(page, server, "acme-admin")
    expect(page).not_to_have_url(LOGIN_URL_RE)

    page.goto(server.url("/group-email", "acme"))
    expect(page.locator("h1")).to_have_text("Gruppmail")
    page.locator("#group-email-project").click()
    page.get_by_role("option", name=re.compile("Mahler 5")).click()
    recipients = page.get_by_test_id("recipient-list")
    expect(recipients).to_be_visible()
    expect(page.locator("#group-email-subject")).to_have_value(re.compile(r"^Projekt Mahler 5, vecka \d+: $"))

    page.locator("#group-email-subject").fill("Projekt Mahler 5: repetitionstider")
    page.locator("#group-email-message").fill("Repetitionen börjar 10.00 i stora salen.\nVälkomna!")
    page.locator("#group-email-send").click()
    expect(page.get_by_test_id("group-email-progress")).to_be_visible()

    # The scheduler is off in these tests: deliver (simulated) as it would, and the page's progress follows.
    from services import clock, outbox, tenancy

    clock.reset()  # the server wrote the messages on the wall clock, not on the tests' 10:00
    with services_on(server.data_dir):
        assert outbox.deliver_due(tenancy.get_orchestra("acme"))["delivered"] >= 1
    expect(page.locator("#group-email-result")).to_be_visible(timeout=20_000)
    expect(page.locator("#group-email-result")).to_contain_text("1")
    expect(page.get_by_test_id("group-email-history-table")).to_contain_text("repetitionstider")
