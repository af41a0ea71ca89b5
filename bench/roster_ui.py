"""The staff UI under a big roster, in Chromium against the real app (``reflex run --env prod --single-port``).

Data (in a temporary data directory, before the server starts): the e2e installation of tests/e2e/conftest.py
(``prepare_data``: orchestra "acme" with its demo roster and logins), filled up to ``MUSICIANS`` musicians with
``services.demo.add_crowd_project`` spread over ``NEEDS`` positions, and one project with ``NEEDS`` parallel needs
of ``PER_NEED`` seats each, sent (``dispatch.send_project``): ``NEEDS * PER_NEED`` pending requests.

Measured (``RUNS`` runs each; median and worst):
- ``/musicians`` first render: navigation start → the table's first page of rows in the DOM (browser clock);
  also the in-app navigation (click on the menu link → rows);
- search as you type: one input event (a paste, or a single keystroke) → the filtered rows shown, and typing a
  word at 60 ms per key: last keystroke → the final rows shown (includes the page's debounce);
- ``/projects/<id>`` first render: navigation start → every need and request row in the DOM;
- live update (``LIVE_RUNS`` answers, each at a random moment): with the project page open,
  ``POST /respond/<token>`` (accept) for one pending request → the row shows "Tackat ja" (never reloaded).

Run: ``.venv/bin/python bench/roster_ui.py`` (needs /usr/bin/chromium and bun, as ``make test`` installs). The
app is compiled into the shared .web folder (a few minutes on 2 cores); the e2e build lock is held from the build
to the end of the measurements, so e2e runs of other sessions wait meanwhile (and cannot swap the bundle).
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ itself (the script's folder, first on sys.path) holds email.py, which would shadow the standard library's.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import httpx  # noqa: E402

from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM,
    Server,
    _free_port,
    _server_env,
    _stop,
    _wait_until_up,
    prepare_data,
)
from tests.e2e.test_login_shell import log_in  # noqa: E402

MUSICIANS = 2_000
NEEDS = 20
PER_NEED = 20
RUNS = 7
LIVE_RUNS = 12
GOALS_MS = {"musicians": 1_500, "search": 150, "live": 1_000}

MUSICIAN_ROWS = "[data-testid=musician-row]"
REQUEST_ROWS = "[data-testid=request-row]"
NEED_ROWS = "[data-testid=need-row]"


def _prepare(data_dir: Path) -> dict:
    """The installation, the big roster and the sent project; returns what the measurements need."""
    import sqlalchemy as sa

    from models.orchestra import Musician, Position, Project, ProjectNeed, RankingList
    from services import clock, dispatch, projects, tenancy, tokens
    from services.demo import add_crowd_project

    os.environ.update({"STAGESUB_ENV": "test", "STAGESUB_DATA_DIR": str(data_dir)})
    for name in ("STAGESUB_DATABASE_URL", "STAGESUB_SECRET_KEY", "STAGESUB_ORCHESTRA_DB_SERVER_URL"):
        os.environ.pop(name, None)  # the server's environment has none of them: same databases, same key
    prepare_data(data_dir)
    ref = tenancy.get_orchestra("acme")
    with tenancy.orchestra_session(ref) as session:
        demo = session.execute(sa.select(sa.func.count()).select_from(Musician)).scalar_one()
        # Positions with an A list whose name is unique (add_crowd_project looks the position up by name).
        rows = session.execute(
            sa.select(Position.name, Position.positionId, RankingList.rankingListId)
            .join(RankingList, RankingList.positionId == Position.id)
            .where(RankingList.listType == "A").order_by(Position.id)
        ).all()
        names = [r.name for r in rows]
        targets = [r for r in rows if names.count(r.name) == 1][:NEEDS]
        if len(targets) < NEEDS:
            raise RuntimeError(f"only {len(targets)} positions with a unique name; {NEEDS} needed")
        extra = MUSICIANS - demo
        fillers = [
            add_crowd_project(session, musicians=extra // NEEDS + (1 if index < extra % NEEDS else 0),
                              strategy="parallel", quantity=1, position_name=target.name, name="Fyllnad")
            for index, target in enumerate(targets)
        ]
        # add_crowd_project also makes a one-need project per call: only its musicians are wanted here.
        filler_pks = sa.select(Project.id).where(Project.projectId.in_(fillers))
        session.execute(sa.delete(ProjectNeed).where(ProjectNeed.projectId.in_(filler_pks)))
        session.execute(sa.delete(Project).where(Project.projectId.in_(fillers)))
        session.commit()
        total = session.execute(sa.select(sa.func.count()).select_from(Musician)).scalar_one()
    start = clock.now() + timedelta(days=45)
    project_id = projects.create_project(ref, {
        "name": "Bänkprojekt", "startDate": start.isoformat(), "rehearsalSchedule": "Måndag–torsdag 10–15",
        "concertInfo": "Fredag 19.00"})["projectId"]
    for target in targets:
        projects.create_need(ref, project_id, {
            "positionId": target.positionId, "rankingListId": target.rankingListId, "quantity": PER_NEED,
            "requestStrategy": "parallel", "responseTimeHours": 48})
    dispatch.send_project(ref, project_id)
    requests = dispatch.list_requests(ref, project_id)
    pending = [r for r in requests if r["status"] == "pending"]
    links = [(r["musicianId"], tokens.derive_token(ref.subdomain, ref.orchestraId, r["requestId"]))
             for r in pending[:LIVE_RUNS]]
    tenancy.dispose_all()
    return {"musicians": total, "project_id": project_id, "requests": len(requests), "links": links}


def _start(data_dir: Path, lock) -> tuple[Server, subprocess.Popen, object]:
    """The real app, as the ``server`` fixture of tests/e2e/conftest.py starts it.

    The caller holds the e2e build lock for the whole benchmark, not only for the build: the single-port app
    serves the shared .web/build, which another run's build would replace with a bundle for its own port.
    """
    port = _free_port()
    server = Server(port=port, data_dir=data_dir, log_path=data_dir / "reflex.log")
    log_file = server.log_path.open("wb")
    fcntl.flock(lock, fcntl.LOCK_EX)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port", "--backend-port", str(port)],
        cwd=ROOT, env=_server_env(data_dir, port), stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(server, proc)
    except BaseException:
        _stop(proc)
        log_file.close()
        raise
    return server, proc, log_file


def _rows_at(page, selector: str, condition: str) -> float:
    """Browser time (ms since this document's navigation start) when ``condition`` over the rows first holds."""
    try:
        return page.wait_for_function(
            f"""() => {{ const rows = document.querySelectorAll('{selector}');
                         return ({condition}) ? performance.now() : false; }}""",
            polling="raf", timeout=60_000,
        ).json_value()
    except Exception:
        shot = Path(tempfile.gettempdir()) / "roster_ui_timeout.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"timed out on {page.url} waiting for {condition!r} over {selector}; screenshot {shot}\n"
              f"{page.locator('main').inner_text()[:600] if page.locator('main').count() else ''}")
        raise


def _musicians_first_render(page, server) -> tuple[list[float], list[float]]:
    loads, navigations = [], []
    for _ in range(RUNS):
        page.goto(server.url("/dashboard", "acme"))
        page.get_by_test_id("nav-musicians").wait_for()
        page.goto(server.url("/musicians", "acme"), wait_until="commit")
        loads.append(_rows_at(page, MUSICIAN_ROWS, "rows.length >= 50"))
        # In-app: from another page of the app back to the roster through the menu.
        page.get_by_test_id("nav-dashboard").click()
        page.wait_for_function(f"() => document.querySelectorAll('{MUSICIAN_ROWS}').length === 0")
        start = page.evaluate("performance.now()")
        page.get_by_test_id("nav-musicians").click()
        navigations.append(_rows_at(page, MUSICIAN_ROWS, "rows.length >= 50") - start)
    return loads, navigations


def _search(page, server) -> tuple[list[float], list[float]]:
    """Queries match a handful of crowd musicians (their MUS ids); every run waits for the full list first."""
    page.goto(server.url("/dashboard", "acme"))
    page.get_by_test_id("nav-musicians").click()
    _rows_at(page, MUSICIAN_ROWS, "rows.length >= 50")
    box = page.locator("#musician-search")
    pasted, typed = [], []
    matches = "rows.length > 0 && rows.length < 50 && [...rows].every(r => r.innerText.includes(Q))"
    for run in range(RUNS):
        for timings, query, one_event in ((pasted, f"MUS1{run}3", True), (typed, f"MUS15{run}", False)):
            box.fill("")
            _rows_at(page, MUSICIAN_ROWS, "rows.length >= 50")
            box.focus()
            condition = matches.replace("Q", repr(query))
            if one_event:
                start = page.evaluate("performance.now()")
                page.keyboard.insert_text(query)
            else:
                page.keyboard.type(query[:-1], delay=60)
                page.wait_for_timeout(60)
                start = page.evaluate("performance.now()")
                page.keyboard.press(query[-1])
            timings.append(_rows_at(page, MUSICIAN_ROWS, condition) - start)
    return pasted, typed


def _project(page, server, project_id: str, requests: int, links: list[tuple[str, str]]) -> tuple[list, list]:
    renders, live = [], []
    expected = f"rows.length >= {requests} && document.querySelectorAll('{NEED_ROWS}').length >= {NEEDS}"
    for _ in range(RUNS):
        page.goto(server.url(f"/projects/{project_id}", "acme"), wait_until="commit")
        renders.append(_rows_at(page, REQUEST_ROWS, expected))
    page.goto(server.url(f"/projects/{project_id}", "acme"))
    _rows_at(page, REQUEST_ROWS, expected)
    page.wait_for_timeout(1_000)  # the live loop is running
    # The page re-reads on a timer: answers arrive at a random moment of its cycle, as real ones do (answering
    # right after the previous change was shown would always wait one whole period).
    phase = random.Random(5)
    with httpx.Client(timeout=30) as client:
        for musician_id, raw in links:
            page.wait_for_timeout(phase.uniform(0, 3_000))
            condition = (f"[...rows].some(r => r.innerText.split(/\\s+/).includes({musician_id!r}) && "
                         f"r.querySelector('[data-testid=request-status]').innerText.trim() === 'Tackat ja')")
            start = page.evaluate("performance.now()")
            reply = client.post(server.url(f"/respond/{raw}"), json={"answer": "accept"},
                                headers={"Accept": "application/json", "Host": f"acme.localhost:{server.port}"})
            if reply.status_code != 200 or reply.json().get("outcome") != "accepted":
                raise RuntimeError(f"the answer was not taken: {reply.status_code} {reply.text[:200]}")
            live.append(_rows_at(page, REQUEST_ROWS, condition) - start)
    return renders, live


def _line(what: str, timings: list[float], goal: int | None) -> str:
    median, worst = statistics.median(timings), max(timings)
    verdict = ""
    if goal is not None:
        verdict = f"  goal ≤ {goal} ms: " + ("met" if worst <= goal else "median met" if median <= goal else "NOT met")
    return f"{what:<58} median {median:7.0f} ms  worst {worst:7.0f} ms{verdict}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    data_dir = Path(tempfile.mkdtemp(prefix="stagesub-bench-ui-"))
    started = time.perf_counter()
    data = _prepare(data_dir)
    print(f"data: {data['musicians']} musicians, project {data['project_id']} with {NEEDS} needs and "
          f"{data['requests']} requests ({time.perf_counter() - started:.0f} s)")
    lock = (ROOT / ".web-build.lock").open("w")
    server, proc, log_file = _start(data_dir, lock)
    print(f"app up on port {server.port} ({time.perf_counter() - started:.0f} s)")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
            page = context.new_page()
            page.set_default_timeout(30_000)
            log_in(page, server, "acme-admin")
            page.wait_for_url(re.compile(r".*/dashboard/?$"))
            print(f"\n{RUNS} runs each ({LIVE_RUNS} live answers), Chromium headless, {os.cpu_count()} cores",
                  flush=True)
            loads, navigations = _musicians_first_render(page, server)
            print(_line(f"/musicians first render ({data['musicians']} musicians, page load)", loads,
                        GOALS_MS["musicians"]))
            print(_line("/musicians via the menu (click → rows)", navigations, GOALS_MS["musicians"]), flush=True)
            pasted, typed = _search(page, server)
            print(_line("search: one input event → filtered rows", pasted, GOALS_MS["search"]))
            print(_line("search: typed at 60 ms/key, last key → final rows", typed, GOALS_MS["search"]), flush=True)
            renders, live = _project(page, server, data["project_id"], data["requests"], data["links"])
            print(_line(f"project page first render ({NEEDS} needs, {data['requests']} requests)", renders, None))
            print(_line("live update: POST /respond → status shown", live, GOALS_MS["live"]))
            browser.close()
    finally:
        _stop(proc)
        log_file.close()
        lock.close()  # releases the build lock


if __name__ == "__main__":
    main()
