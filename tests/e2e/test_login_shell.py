"""Login, the staff shell (Swedish first, English on request), the instruments page and logout, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LOGIN_URL_RE, PASSWORDS

pytestmark = pytest.mark.e2e


def log_in(page, server, username: str, subdomain: str | None = "acme") -> None:
    page.goto(server.url("/login", subdomain))
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORDS[username])
    page.locator("#login-submit").click()


def test_wrong_password_shows_a_clear_swedish_message(page, server):
    page.goto(server.url("/login", "acme"))
    expect(page.get_by_label("Användarnamn")).to_be_visible()
    page.get_by_label("Användarnamn").fill("acme-admin")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.locator("#login-submit").click()
    expect(page.locator("#login-error")).to_have_text("Fel användarnamn eller lösenord.")
    expect(page.locator("#login-error")).to_have_attribute("role", "alert")
    expect(page).to_have_url(LOGIN_URL_RE)


def test_a_login_refused_before_the_script_ran_is_reported(page, server):
    # A form posted natively (clicked before hydration) and refused comes back as /login?failed=1.
    page.goto(server.url("/login?failed=1", "acme"))
    notice = page.locator("#login-failed")
    expect(notice).to_have_text(re.compile(r"^Inloggningen misslyckades"))
    expect(notice).to_have_attribute("role", "alert")
    # The next attempt (through the script) replaces it with the server's own message.
    page.get_by_label("Användarnamn").fill("acme-admin")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.locator("#login-submit").click()
    expect(page.locator("#login-error")).to_have_text("Fel användarnamn eller lösenord.")
    expect(notice).to_be_hidden()
    page.goto(server.url("/login", "acme"))
    expect(page.get_by_label("Användarnamn")).to_be_visible()
    expect(page.locator("#login-failed")).to_have_count(0)


def test_admin_sees_the_shell_switches_language_and_logs_out(page, server):
    log_in(page, server, "acme-admin")
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))  # staff land on the dashboard
    expect(page.locator("h1")).to_have_text("Översikt")
    page.get_by_test_id("nav-instruments").click()
    expect(page).to_have_url(re.compile(r".*/instruments/?$"))

    # The shell, in Swedish: orchestra name, navigation, the page heading, instrument cards.
    expect(page.locator("#orchestra-name")).to_have_text("Testorkestern")
    expect(page.get_by_test_id("nav-instruments")).to_have_text("Instrument")
    expect(page.get_by_test_id("nav-account")).to_have_text("Mitt konto")
    expect(page.get_by_test_id("nav-projects")).to_have_text("Projekt")
    expect(page.get_by_test_id("nav-dev-outbox")).to_have_text("Utkorg (simulerad)")  # STAGESUB_ENV=test
    expect(page.get_by_test_id("nav-dashboard")).to_have_text("Översikt")
    expect(page.locator("h1")).to_have_text("Instrument")
    cards = page.get_by_test_id("instrument-card")
    expect(cards).to_have_count(13)  # Harpa is archived
    expect(cards.first).to_contain_text("Violin")
    assert "stagesub_session" not in page.evaluate("document.cookie")  # HttpOnly

    page.get_by_label("Visa arkiverade instrument").click()
    expect(cards).to_have_count(14)

    # English, remembered for the user.
    page.locator("#lang-en").click()
    expect(page.get_by_test_id("nav-instruments")).to_have_text("Instruments")
    expect(page.get_by_test_id("nav-account")).to_have_text("My account")
    expect(page.locator("h1")).to_have_text("Instruments")
    page.get_by_test_id("nav-account").click()
    expect(page).to_have_url(re.compile(r".*/account/?$"))
    expect(page.locator("h1")).to_have_text("My account")
    page.locator("#lang-sv").click()
    expect(page.locator("h1")).to_have_text("Mitt konto")

    page.locator("#logout").click()
    expect(page).to_have_url(LOGIN_URL_RE)
    expect(page.locator("#login-form")).to_be_visible()
    page.goto(server.url("/instruments", "acme"))
    expect(page).to_have_url(LOGIN_URL_RE)


def test_superadmin_sees_the_orchestras(page, server):
    log_in(page, server, "root", subdomain=None)
    expect(page).to_have_url(re.compile(r".*/superadmin/?$"))
    expect(page.get_by_test_id("orchestra-row")).to_have_count(2)
    expect(page.get_by_test_id("nav-orchestras")).to_be_visible()
    expect(page.get_by_test_id("nav-instruments")).to_have_count(0)
    page.goto(server.url("/instruments"))
    expect(page).to_have_url(re.compile(r".*/superadmin/?$"))
