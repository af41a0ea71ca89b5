"""Every staff page, for an admin and for a user, in Chromium against the real app; and the whole UI in English.

The page list is ``routes.pages()`` itself, so a page added later is checked without touching this file. Before
the browser arrives, the demo project "Mahler 5" gets its requests sent and delivered (simulated) and one answer,
through the services on the server's data directory, so the pages show real rows rather than empty states.

* Admin and user: each staff page loads, shows its h1 and logs no console error and no uncaught page error.
* A user is sent to the dashboard from the admin-only pages, without their heading ever showing on the way.
* An anonymous visitor is sent to the login page from every page that needs a login.
* English: after switching the language, no Swedish UI text is left on the main pages (checked against the
  Swedish catalog, and for å/ä/ö in the page's labels and headings, with the stored data allowed).

No console message is ignored: every page, as built today, logs no error at all.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from stagesub_ui import routes
from stagesub_ui.i18n import CATALOGS, translate
from tests.e2e.conftest import LOGIN_URL_RE, services_on
from tests.e2e.serving import loaded_mark, send_demo_project
from tests.e2e.test_admin_pages import watch_console
from tests.e2e.test_login_shell import log_in

pytestmark = pytest.mark.e2e

DASHBOARD_RE = re.compile(r".*/dashboard/?$")
# A page's first render waits for its websocket, guard and on_load; on a busy two-core machine (several test
# servers building at once) that took more than Playwright's default 5 s. Passing pages take well under 1 s.
LOAD_MS = 20_000

# Records every h1 text the document shows, so a page that flashes before its guard redirects is caught.
H1_RECORDER = """
window.__stagesub_h1s = [];
new MutationObserver(() => {
  for (const h1 of document.querySelectorAll('h1')) {
    const text = (h1.textContent || '').trim();
    if (text && !window.__stagesub_h1s.includes(text)) window.__stagesub_h1s.push(text);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

# The texts that belong to the UI rather than to the data: labels, headings, buttons, tabs, navigation,
# table headers, and the placeholders and ARIA labels of fields.
CHROME_TEXT_JS = """
() => {
  const out = [];
  const sel = 'h1, h2, h3, h4, label, legend, th, button, [role=tab], nav a, [role=columnheader]';
  for (const el of document.querySelectorAll(sel)) out.push(el.innerText || '');
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    for (const name of ['placeholder', 'aria-label', 'title']) out.push(el.getAttribute(name) || '');
  }
  return out.join('\\n');
}
"""

# The shell's wrapper carries the UI language, and so does ``<html lang>`` (set on every page load).
SHELL_LANG = "xpath=//main[@id='main']/ancestor::*[@lang][1]"
SWEDISH_LETTERS_RE = re.compile(r"[\wåäöÅÄÖ'-]*[åäöÅÄÖ][\wåäöÅÄÖ'-]*")
PLACEHOLDER_RE = re.compile(r"\{[^}]*\}")


@pytest.fixture(scope="module")
def data(server):
    """Mahler 5 sent and delivered (one answer by staff); ids and names of a project and a musician, and
    every word with å, ä or ö stored in the orchestra's data (names, places, message texts...)."""
    import sqlalchemy as sa

    from services import musicians, tenancy

    project_id = send_demo_project(server.data_dir)
    with services_on(server.data_dir):
        acme = tenancy.get_orchestra("acme")
        musician = musicians.list_musicians(acme, limit=1)[0][0]
        stored = [acme.name]
        with tenancy.orchestra_session(acme) as session:
            connection = session.connection()
            for table in sa.inspect(connection).get_table_names():
                for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                    stored.extend(value for value in row if isinstance(value, str))
    return {
        "project_id": project_id,
        "project_name": "Mahler 5",
        "musician_id": musician["musicianId"],
        "musician_name": f"{musician['firstName']} {musician['lastName']}",
        "data_text": "\n".join(stored),
        "data_words": {word.lower() for text in stored for word in SWEDISH_LETTERS_RE.findall(text)},
    }


def staff_pages(data) -> list[tuple[routes.PageSpec, str, str]]:
    """(spec, path, expected h1 in Swedish) of every page a staff member may open, dynamic ones with real ids."""
    found = []
    for spec in routes.pages(include_dev=True):  # the server runs with STAGESUB_ENV=test
        if spec.redirect_only or spec.roles is None or not set(spec.roles) & set(routes.STAFF_ROLES):
            continue
        if spec.route == routes.PROJECT:
            path, heading = routes.project(data["project_id"]), data["project_name"]
        elif spec.route == routes.PROJECT_LISTS:
            path, heading = routes.project_lists(data["project_id"]), translate(spec.title_key, "sv")
        elif spec.route == routes.MUSICIAN:
            path, heading = routes.musician(data["musician_id"]), data["musician_name"]
        else:
            assert "[" not in spec.route, f"a dynamic page this test does not know how to fill: {spec.route}"
            path, heading = spec.route, translate(spec.title_key, "sv")
        found.append((spec, path, heading))
    return found


def visit_every_staff_page(page, server, data, role: str) -> list[str]:
    """Open each staff page ``role`` may see; returns the paths visited."""
    visited = []
    for spec, path, heading in staff_pages(data):
        if role not in spec.roles:
            continue
        page.goto(server.url(path, "acme"))
        expect(page).to_have_url(re.compile(rf".*{re.escape(path)}/?(\?.*)?$"))
        expect(page.locator("h1")).to_have_text(heading, timeout=LOAD_MS)
        visited.append(path)
    return visited


def test_admin_opens_every_staff_page_without_errors(page, server, data):
    errors = watch_console(page)
    log_in(page, server, "acme-admin")
    expect(page).to_have_url(DASHBOARD_RE)
    visited = visit_every_staff_page(page, server, data, "admin")
    assert routes.SETTINGS in visited and routes.project(data["project_id"]) in visited
    assert errors == [], errors


def closed_to_users(data) -> list[tuple[routes.PageSpec, str, str]]:
    """(spec, path, Swedish h1) of the pages a user may not open: the admin-only staff pages and superadmin."""
    closed = [(spec, path, heading) for spec, path, heading in staff_pages(data) if "user" not in spec.roles]
    assert {spec.route for spec, _, _ in closed} >= {routes.SETTINGS, routes.TEMPLATES, routes.USERS, routes.LOGS}
    superadmin = routes.PAGES_BY_ROUTE[routes.SUPERADMIN]
    return closed + [(superadmin, superadmin.route, translate(superadmin.title_key, "sv"))]


def test_user_opens_every_staff_page_but_no_admin_page(page, server, data):
    errors = watch_console(page)
    log_in(page, server, "acme-user")
    expect(page).to_have_url(DASHBOARD_RE)
    visited = visit_every_staff_page(page, server, data, "user")
    assert routes.DASHBOARD in visited and routes.musician(data["musician_id"]) in visited

    for spec, path, _heading in closed_to_users(data):
        page.goto(server.url(path, "acme"))
        expect(page).to_have_url(DASHBOARD_RE, timeout=LOAD_MS)
        expect(page.locator("h1")).to_have_text(translate("dashboard.title", "sv"), timeout=LOAD_MS)
        for area in routes.NAV_AREAS:
            if area.route == spec.route:
                expect(page.get_by_test_id(f"nav-{area.key}")).to_have_count(0)
    assert errors == [], errors


def test_user_never_sees_an_admin_page_while_being_sent_away(page, server, data):
    page.context.add_init_script(H1_RECORDER)
    log_in(page, server, "acme-user")
    expect(page).to_have_url(DASHBOARD_RE)
    flashed = {}
    for _spec, path, heading in closed_to_users(data):
        page.goto(server.url(path, "acme"))
        expect(page.locator("h1")).to_have_text(translate("dashboard.title", "sv"), timeout=LOAD_MS)
        seen = page.evaluate("window.__stagesub_h1s")
        if heading in seen:
            flashed[path] = seen
    assert flashed == {}, f"the user saw these admin pages before being sent away: {flashed}"


def test_anonymous_visitor_is_sent_to_the_login_page(page, server):
    errors = watch_console(page)
    protected = [spec for spec in routes.pages(include_dev=True) if spec.roles is not None]
    assert len(protected) >= 15
    for spec in protected:
        path = spec.route.replace("[project_id]", "PROJ001").replace("[musician_id]", "MUS001")
        page.goto(server.url(path, "acme"))
        expect(page).to_have_url(LOGIN_URL_RE, timeout=LOAD_MS)
        expect(page.locator("h1")).to_have_text(translate("login.title", "sv"), timeout=LOAD_MS)
        expect(page.locator("#login-form")).to_be_visible()
    assert errors == [], errors


def swedish_only_texts() -> list[str]:
    """Pieces of the Swedish catalog that no English text uses: longer than 3 characters, placeholders cut out."""
    sv, en = CATALOGS["sv"], CATALOGS["en"]
    english = set(en.values())
    pieces: set[str] = set()
    for key, value in sv.items():
        if value == en.get(key) or value in english:
            continue
        for piece in PLACEHOLDER_RE.split(value):
            piece = piece.strip(" .,:;!?()–-")
            if len(piece) > 3 and piece not in english and not any(piece in text for text in english):
                pieces.add(piece)
    return sorted(pieces, key=len, reverse=True)


def swedish_left(text: str, forbidden: list[str], data_text: str) -> list[str]:
    """The Swedish catalog pieces found in ``text`` (as whole words), each with a little context; a piece that
    the stored data also holds (a concert note "Konsert torsdag…", a Swedish template) counts as data."""
    found = []
    for piece in forbidden:
        pattern = re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)")
        match = pattern.search(text)
        if match and not pattern.search(data_text):
            found.append(f"{piece!r} in …{text[max(0, match.start() - 40):match.end() + 40]!r}…")
    return found


def test_english_leaves_no_swedish_on_the_main_pages(page, server, data):
    errors = watch_console(page)
    forbidden = swedish_only_texts()
    assert "Översikt" in forbidden and "Rankningslistor" in forbidden
    main_pages = [routes.DASHBOARD, routes.MUSICIANS, routes.musician(data["musician_id"]), routes.INSTRUMENTS,
                  routes.RANKINGS, routes.PROJECTS, routes.project(data["project_id"]),
                  routes.project_lists(data["project_id"]), routes.GROUP_EMAIL,
                  routes.COMMUNICATION, routes.TEMPLATES, routes.SETTINGS, routes.USERS, routes.LOGS,
                  routes.ACCOUNT]
    log_in(page, server, "acme-admin")
    expect(page).to_have_url(DASHBOARD_RE)
    page.goto(server.url(routes.ACCOUNT, "acme"))
    expect(page.locator("main")).to_contain_text("admin@acme.test")  # on_load ran: the button is live
    page.locator("#account-lang-en").click()
    expect(page.locator("h1")).to_have_text(translate("account.title", "en"))
    problems: dict[str, list[str]] = {}
    try:
        for path in main_pages:
            page.goto(server.url(path, "acme"))
            expect(page.locator("h1")).not_to_have_text("", timeout=LOAD_MS)
            expect(page.locator(SHELL_LANG)).to_have_attribute("lang", "en")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            spec = routes.PAGES_BY_ROUTE.get(path)
            if spec is not None:
                expect(page.locator("h1")).to_have_text(translate(spec.title_key, "en"), timeout=LOAD_MS)
            # Rows arrive with the page's on_load: wait for the first one before reading the page.
            ready = loaded_mark(path)
            if ready:
                expect(page.get_by_test_id(ready).first).to_be_visible(timeout=LOAD_MS)
            left = swedish_left(page.evaluate("document.body.innerText"), forbidden, data["data_text"])
            letters = sorted({word for word in SWEDISH_LETTERS_RE.findall(page.evaluate(CHROME_TEXT_JS))
                              if word.lower() not in data["data_words"]})
            if left or letters:
                problems[path] = left + letters
    finally:
        # The language is remembered for the account: the other tests of this module expect Swedish.
        page.goto(server.url(routes.ACCOUNT, "acme"))
        expect(page.locator("main")).to_contain_text("admin@acme.test")
        page.locator("#account-lang-sv").click()
        expect(page.locator("h1")).to_have_text(translate("account.title", "sv"))
    assert problems == {}, problems
    assert errors == [], errors
