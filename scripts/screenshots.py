"""Photograph every staff page in Swedish into docs/screenshots/<page>.png (1280×800), for the README.

Run by hand (not part of ``make test``), from the project root with the venv active and Chromium and bun
installed (``make test`` installs them)::

    python scripts/screenshots.py

It starts the real app exactly as the browser tests do (tests/e2e/serving.py: the demo-like data of
``conftest.prepare_data`` in a temporary directory, ``reflex run --env prod``), sends the demo project
"Mahler 5" so the pages have requests to show, logs in as the demo admin and saves: the login page, every staff
page of ``routes.pages()`` (a project and a musician for the dynamic ones; developer pages left out) and the
public response page of one request.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from stagesub_ui import routes  # noqa: E402
from stagesub_ui.i18n import translate  # noqa: E402
from tests.e2e.conftest import CHROMIUM, PASSWORDS  # noqa: E402
from tests.e2e.serving import loaded_mark, running_server, send_demo_project  # noqa: E402

OUT_DIR = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
LOAD_MS = 30_000
# The shell's wrapper carries the UI language (``<html lang>`` stays Reflex's "en" whatever the language).
SHELL_LANG = "xpath=//main[@id='main']/ancestor::*[@lang][1]"
DYNAMIC_NAMES = {routes.PROJECT: "project", routes.PROJECT_LISTS: "project-lists", routes.MUSICIAN: "musician"}


def file_name(route: str) -> str:
    """``/group-email`` -> ``group-email``, ``/musicians/import`` -> ``musicians-import``; dynamic pages by kind."""
    return DYNAMIC_NAMES.get(route) or route.strip("/").replace("/", "-")


def staff_shots(project_id: str, musician_id: str, position_id: str) -> list[tuple[str, str]]:
    """(file name, path) of every staff page this installation has, developer pages left out."""
    shots = []
    for spec in routes.pages(include_dev=False):
        if spec.redirect_only or spec.roles is None or not set(spec.roles) & set(routes.STAFF_ROLES):
            continue
        path = {
            routes.PROJECT: routes.project(project_id),
            routes.PROJECT_LISTS: f"{routes.project_lists(project_id)}?position={position_id}",  # builder open
            routes.MUSICIAN: routes.musician(musician_id),
        }.get(spec.route, spec.route)
        assert "[" not in path, f"a dynamic page this script does not know how to fill: {spec.route}"
        shots.append((file_name(spec.route), path))
    return shots


def first_musician_id(data_dir: Path) -> str:
    from services import musicians, tenancy
    from tests.e2e.conftest import services_on

    with services_on(data_dir):
        return musicians.list_musicians(tenancy.get_orchestra("acme"), limit=1)[0][0]["musicianId"]


def first_violin_position(data_dir: Path) -> str:
    """The first violin position's id: the custom lists page is shown with its builder open."""
    from services import staff_views, tenancy
    from tests.e2e.conftest import services_on

    with services_on(data_dir):
        instruments = staff_views.instruments_for_orchestra(tenancy.get_orchestra("acme").id)
    violin = next(item for item in instruments if item["name"] == "Violin")
    return violin["positions"][0]["positionId"]


def shoot(page, name: str) -> Path:
    # Let fonts and the first paint settle; the page's own data is awaited by the caller.
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    target = OUT_DIR / f"{name}.png"
    page.screenshot(path=str(target), full_page=False, animations="disabled", caret="hide")
    print(f"saved {target.relative_to(ROOT)}")
    return target


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stagesub-shots-") as tmp, running_server(Path(tmp)) as server, \
            sync_playwright() as playwright:
        project_id = send_demo_project(server.data_dir)
        musician_id = first_musician_id(server.data_dir)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        context = browser.new_context(viewport=VIEWPORT, locale="sv-SE", timezone_id="Europe/Stockholm")
        page = context.new_page()
        page.set_default_timeout(LOAD_MS)

        page.goto(server.url(routes.LOGIN, "acme"))
        expect(page.locator("#login-form")).to_be_visible(timeout=LOAD_MS)
        shoot(page, "login")
        page.locator("#login-username").fill("acme-admin")
        page.locator("#login-password").fill(PASSWORDS["acme-admin"])
        page.locator("#login-submit").click()
        page.wait_for_url(f"**{routes.DASHBOARD}**", timeout=LOAD_MS)

        for name, path in staff_shots(project_id, musician_id, first_violin_position(server.data_dir)):
            page.goto(server.url(path, "acme"))
            expect(page.locator("h1")).to_be_visible(timeout=LOAD_MS)
            expect(page.locator(SHELL_LANG)).to_have_attribute("lang", "sv")
            mark = loaded_mark(path)
            if mark:
                expect(page.get_by_test_id(mark).first).to_be_visible(timeout=LOAD_MS)
            shoot(page, name)

        # The response page of a request still waiting for its answer, as the musician sees it.
        page.goto(server.url(routes.DEV_OUTBOX, "acme"))
        expect(page.locator("h1")).to_have_text(translate("dev_outbox.title", "sv"), timeout=LOAD_MS)
        links = page.get_by_test_id("response-link")
        expect(links.first).to_be_visible(timeout=LOAD_MS)
        hrefs = [link.get_attribute("href") for link in links.all()]
        musician = browser.new_context(viewport=VIEWPORT, locale="sv-SE", timezone_id="Europe/Stockholm")
        respond = musician.new_page()
        for href in hrefs:  # the first request was answered by staff: its page says so, without buttons
            # Sent from this process (send_demo_project), whose base URL has the default port: keep the path.
            respond.goto(server.url(urlsplit(href).path, "acme"))  # server-rendered: complete when goto returns
            if respond.locator("button[name=answer][value=accept]").count():
                break
        expect(respond.locator("button[name=answer][value=accept]")).to_be_visible()
        shoot(respond, "respond")
        musician.close()
        context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
