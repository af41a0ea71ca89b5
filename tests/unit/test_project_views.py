"""Read models of the projects pages and the dev outbox (``services.project_views``), no Reflex server.

Data: a provisioned orchestra with the demo musicians, lists and projects (``seed_demo_data``); requests are
sent with the real engine and answered through the musicians' links.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.orchestra import Project, ProjectNeed
from services import clock, dispatch, project_views, provisioning, tenancy
from services.demo import seed_demo_data
from stagesub_ui.i18n import en, sv
from tests.engine_helpers import link_token, make_project

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
REASONS = ("already_asked", "inactive", "archived", "not_qualified", "not_local", "blocked_out",
           "picked_for_other_need", "prefers_other_need")


@pytest.fixture
def world(installation, monkeypatch):
    """acme with the demo data (nothing sent yet) and an empty orchestra beta. Returns the acme ref."""
    monkeypatch.delenv("STAGESUB_PUBLIC_URL", raising=False)
    monkeypatch.delenv("STAGESUB_BASE_DOMAIN", raising=False)
    monkeypatch.delenv("STAGESUB_TIMEZONE", raising=False)
    ref = provisioning.create_orchestra(
        name="Testorkestern", subdomain="acme", contact_name="Kansli", contact_email="kansli@acme.test",
        create_admin=False,
    ).orchestra
    provisioning.create_orchestra(
        name="Betaorkestern", subdomain="beta", contact_name="Kansli", contact_email="kansli@beta.test",
        create_admin=False,
    )
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
    return ref


def project_id(ref, name: str) -> str:
    with tenancy.orchestra_session(ref) as session:
        return session.exec(select(Project.projectId).where(Project.name == name)).one()


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


def request_links(ref) -> dict[str, str]:
    """requestId -> raw token, from the response links of the request e-mails in the outbox."""
    found = {}
    for message in project_views.outbox_messages(ref.id):
        if message["messageType"] == "request":
            for link in message["links"]:
                token = link_token(link)
                view = dispatch.response_view(token)
                assert view is not None
                found[view["requestId"]] = token
    return found


class StatementCounter:
    """Counts the statements run on one engine while active."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _before(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)


# ----- the projects list ----------------------------------------------------------------------------------------


def test_projects_list_before_anything_is_sent(world):
    rows = project_views.projects_overview(world.id)
    assert [row["name"] for row in rows] == sorted(
        [row["name"] for row in rows], key=lambda name: by_name(rows)[name]["startDate"], reverse=True,
    )
    projects = by_name(rows)
    assert set(projects) == {"Mahler 5", "Julkonsert"}
    mahler = projects["Mahler 5"]
    assert mahler["needsCount"] == 2 and mahler["needed"] == 3 and mahler["accepted"] == 0
    assert mahler["status"] == "not_started" and mahler["progress"] == 0
    assert mahler["startTime"] == "10:00"  # 10.00 in Stockholm, whatever the UTC offset
    assert projects["Julkonsert"]["needsCount"] == 1 and projects["Julkonsert"]["needed"] == 2
    with tenancy.orchestra_session(world) as session:
        project = session.exec(select(Project).where(Project.name == "Mahler 5")).one()
        local = clock.to_local(project.startDate, "Europe/Stockholm")
    assert mahler["startDate"] == local.strftime("%Y-%m-%d")
    assert mahler["weekNumber"] == project.weekNumber == local.isocalendar().week


def test_projects_list_newest_first_and_no_needs(world):
    later = datetime(2031, 1, 7, 9, 30, tzinfo=STOCKHOLM)
    make_project(world, "Nyårskonsert 2031", start=later.astimezone(clock.UTC))
    earliest = clock.now() + timedelta(days=1)
    make_project(world, "Imorgon", start=earliest.replace(microsecond=0))
    rows = project_views.projects_overview(world.id)
    assert rows[0]["name"] == "Nyårskonsert 2031"
    assert rows[0]["startDate"] == "2031-01-07" and rows[0]["startTime"] == "09:30"
    assert rows[-1]["name"] == "Imorgon"
    starts = [(row["startDate"], row["startTime"]) for row in rows]
    assert starts == sorted(starts, reverse=True)
    assert rows[0]["status"] == "no_needs" and rows[0]["needsCount"] == 0 and rows[0]["needed"] == 0


def test_list_and_page_follow_the_requests(world):
    mahler = project_id(world, "Mahler 5")
    result = dispatch.send_project(world, mahler, actor="acme-admin")
    assert result["sent"] == 3  # sequential trumpet: 1; parallel violins: 2

    row = by_name(project_views.projects_overview(world.id))["Mahler 5"]
    assert row["status"] == "in_progress" and row["accepted"] == 0 and row["needed"] == 3

    page = project_views.project_page(world.id, mahler)
    needs = {need["label"]: need for need in page["needs"]}
    assert list(needs) == ["Violin – Tutti violin 1", "Trumpet – Solotrumpet"]  # engine order
    trumpet, violins = needs["Trumpet – Solotrumpet"], needs["Violin – Tutti violin 1"]
    assert trumpet["requestStrategy"] == "sequential" and trumpet["pending"] == 1 and trumpet["sent"] == 1
    assert violins["requestStrategy"] == "parallel" and violins["pending"] == 2 and violins["quantity"] == 2
    assert trumpet["displayStatus"] == violins["displayStatus"] == "in_progress"
    assert trumpet["listType"] == "A" and trumpet["responseTimeHours"] == 24
    assert len(page["requests"]) == 3
    assert [r["needLabel"] for r in page["requests"]] == [
        "Violin – Tutti violin 1", "Violin – Tutti violin 1", "Trumpet – Solotrumpet",
    ]
    for request in page["requests"]:
        assert request["status"] == "pending" and request["musicianName"].strip()
        assert LOCAL_TIME.match(request["sentAt"]) and LOCAL_TIME.match(request["deadline"])
        assert request["respondedAt"] == "" and request["reminderSentAt"] == ""
        assert request["projectNeedId"] in {trumpet["projectNeedId"], violins["projectNeedId"]}

    # The trumpeter accepts: the sequential need is filled.
    tokens = request_links(world)
    trumpet_request = next(r for r in page["requests"] if r["needLabel"] == "Trumpet – Solotrumpet")
    assert dispatch.handle_response(tokens[trumpet_request["requestId"]], "accept").outcome == "accepted"
    page = project_views.project_page(world.id, mahler)
    needs = {need["label"]: need for need in page["needs"]}
    assert needs["Trumpet – Solotrumpet"]["accepted"] == 1
    assert needs["Trumpet – Solotrumpet"]["displayStatus"] == "completed"
    accepted = next(r for r in page["requests"] if r["requestId"] == trumpet_request["requestId"])
    assert accepted["status"] == "accepted" and LOCAL_TIME.match(accepted["respondedAt"])
    assert page["project"]["accepted"] == 1 and page["project"]["progress"] == 33

    # A violinist declines: counted, and the parallel need asks the next one at once.
    violin_requests = [r for r in page["requests"] if r["needLabel"] == "Violin – Tutti violin 1"]
    assert dispatch.handle_response(tokens[violin_requests[0]["requestId"]], "decline").outcome == "declined"
    page = project_views.project_page(world.id, mahler)
    violins = next(need for need in page["needs"] if need["label"] == "Violin – Tutti violin 1")
    assert violins["declined"] == 1 and violins["pending"] == 2 and violins["sent"] == 3
    assert len(page["requests"]) == 4

    # Both remaining violinists accept: fully staffed.
    tokens = request_links(world)
    for request in page["requests"]:
        if request["status"] == "pending":
            assert dispatch.handle_response(tokens[request["requestId"]], "accept").outcome == "accepted"
    row = by_name(project_views.projects_overview(world.id))["Mahler 5"]
    assert row["status"] == "fully_staffed" and row["accepted"] == row["needed"] == 3 and row["progress"] == 100
    page = project_views.project_page(world.id, mahler)
    assert page["project"]["status"] == "fully_staffed"
    assert {need["displayStatus"] for need in page["needs"]} == {"completed"}


def test_project_page_facts_and_missing_projects(world):
    mahler = project_id(world, "Mahler 5")
    page = project_views.project_page(world.id, mahler)
    facts = page["project"]
    assert facts["name"] == "Mahler 5" and facts["startTime"] == "10:00"
    assert facts["rehearsalSchedule"].startswith("Måndag") and facts["concertInfo"].startswith("Konsert")
    assert facts["status"] == "not_started" and facts["needsCount"] == 2 and page["requests"] == []
    assert {need["displayStatus"] for need in page["needs"]} == {"not_started"}

    assert project_views.project_page(world.id, "PROJ999") is None
    for bad in ("", "[project_id]", "../PROJ001", "x" * 65):
        assert project_views.project_page(world.id, bad) is None
    # Another orchestra's user never sees acme's project, even with its id.
    beta = tenancy.get_orchestra("beta")
    assert project_views.project_page(beta.id, mahler) is None
    assert project_views.projects_overview(beta.id) == []


def test_paused_and_cancelled_needs(world):
    mahler = project_id(world, "Mahler 5")
    with tenancy.orchestra_session(world) as session:
        needs = session.exec(select(ProjectNeed).join(Project, Project.id == ProjectNeed.projectId)
                             .where(Project.projectId == mahler).order_by(ProjectNeed.id)).all()
        needs[0].status = "paused"
        needs[1].status = "cancelled"
        session.commit()
    page = project_views.project_page(world.id, mahler)
    assert sorted(need["displayStatus"] for need in page["needs"]) == ["cancelled", "paused"]
    # A cancelled need no longer counts towards the staffing.
    assert page["project"]["needsCount"] == 1 and page["project"]["needed"] == 1


# ----- preview ---------------------------------------------------------------------------------------------------


def test_preview_labels_and_why_nobody_is_asked(world):
    mahler = project_id(world, "Mahler 5")
    before = project_views.preview(world.id, mahler)
    needs = {need["label"]: need for need in before["needs"]}
    assert len(needs["Trumpet – Solotrumpet"]["toAsk"]) == 1 and needs["Trumpet – Solotrumpet"]["idle"] == ""
    assert len(needs["Violin – Tutti violin 1"]["toAsk"]) == 2
    for need in before["needs"]:
        assert {person["reason"] for person in need["skipped"]} <= set(REASONS)

    dispatch.send_project(world, mahler)
    after = {need["label"]: need for need in project_views.preview(world.id, mahler)["needs"]}
    trumpet = after["Trumpet – Solotrumpet"]
    assert trumpet["toAsk"] == [] and trumpet["idle"] == "waiting"  # sequential: one answer at a time
    assert after["Violin – Tutti violin 1"]["idle"] == "waiting"
    asked = {person["reason"] for person in trumpet["skipped"]}
    assert "already_asked" in asked


def test_every_skip_reason_and_idle_code_is_translated():
    for reason in REASONS:
        assert f"reason.{reason}" in sv.MESSAGES and f"reason.{reason}" in en.MESSAGES
    for code in ("not_active", "filled", "waiting", "no_candidates"):
        assert f"preview_idle.{code}" in sv.MESSAGES
    for status in ("not_started", "in_progress", "fully_staffed", "no_needs"):
        assert f"project_status.{status}" in sv.MESSAGES
    for status in ("not_started", "in_progress", "paused", "completed", "cancelled", "archived"):
        assert f"need_status.{status}" in sv.MESSAGES
    for status in ("pending", "accepted", "declined", "timed_out", "cancelled", "position_filled"):
        assert f"request_status.{status}" in sv.MESSAGES


# ----- outbox and scheduler -----------------------------------------------------------------------------------


def test_outbox_newest_first_with_links_and_a_scheduler_pass(world):
    assert project_views.outbox_messages(world.id) == []
    result = project_views.send_requests(world.id, project_id(world, "Mahler 5"), "acme-admin")
    assert result["sent"] == 3
    messages = project_views.outbox_messages(world.id)
    assert len(messages) == 3
    assert all(m["channel"] == "email" and m["messageType"] == "request" for m in messages)
    assert all(m["status"] == "pending" and m["sentAt"] == "" for m in messages)
    assert all(LOCAL_TIME.match(m["createdAt"]) for m in messages)
    for message in messages:
        assert len(message["links"]) == 1
        assert message["links"][0].startswith("http://acme.localhost:3000/respond/")
        assert message["links"][0] in message["body"] and message["subject"] and "@" in message["recipient"]

    tick = project_views.run_scheduler_pass(world.id)
    assert tick["delivered"] == 3 and tick["failed"] == 0
    messages = project_views.outbox_messages(world.id)
    assert {m["status"] for m in messages} == {"simulated"}
    assert all(LOCAL_TIME.match(m["sentAt"]) for m in messages)

    # A confirmation after an accept is the newest message.
    token = link_token(messages[-1]["links"][0])
    dispatch.handle_response(token, "accept")
    newest = project_views.outbox_messages(world.id)[0]
    assert newest["messageType"] == "confirmation" and newest["status"] == "pending"
    assert len(project_views.outbox_messages(world.id, limit=2)) == 2


# ----- cost ---------------------------------------------------------------------------------------------------------


def test_statement_count_does_not_grow_with_the_data(world):
    engine = tenancy.orchestra_engine(world)
    mahler = project_id(world, "Mahler 5")

    def cost(fn, *args) -> int:
        fn(*args)  # warm up (engine, caches)
        with StatementCounter(engine) as counter:
            fn(*args)
        return counter.count

    list_before, page_before = cost(project_views.projects_overview, world.id), \
        cost(project_views.project_page, world.id, mahler)
    for name in ("Extra 1", "Extra 2", "Extra 3"):
        make_project(world, name)
    for project in ("Mahler 5", "Julkonsert"):
        dispatch.send_project(world, project_id(world, project))
    assert cost(project_views.projects_overview, world.id) == list_before == 3
    assert cost(project_views.project_page, world.id, mahler) == page_before == 4


def test_pause_and_resume_a_need(world):
    from services.errors import Conflict

    julkonsert = project_id(world, "Julkonsert")
    need_id = project_views.project_page(world.id, julkonsert)["needs"][0]["projectNeedId"]
    project_views.set_need_paused(world.id, need_id, True)
    page = project_views.project_page(world.id, julkonsert)
    assert page["needs"][0]["status"] == "paused" and page["needs"][0]["displayStatus"] == "paused"
    preview = project_views.preview(world.id, julkonsert)["needs"][0]
    assert preview["toAsk"] == [] and preview["idle"] == "not_active"
    assert dispatch.send_project(world, julkonsert)["sent"] == 0  # paused: nothing goes out
    project_views.set_need_paused(world.id, need_id, True)  # again: harmless
    assert project_views.project_page(world.id, julkonsert)["needs"][0]["status"] == "paused"

    project_views.set_need_paused(world.id, need_id, False)
    page = project_views.project_page(world.id, julkonsert)
    assert page["needs"][0]["status"] == "active" and page["needs"][0]["displayStatus"] == "not_started"
    wave = len(project_views.preview(world.id, julkonsert)["needs"][0]["toAsk"])
    assert wave > 0 and dispatch.send_project(world, julkonsert)["sent"] == wave

    with tenancy.orchestra_session(world) as session:
        session.get(ProjectNeed, session.exec(select(ProjectNeed.id).where(
            ProjectNeed.projectNeedId == need_id)).one()).status = "cancelled"
        session.commit()
    with pytest.raises(Conflict):
        project_views.set_need_paused(world.id, need_id, True)  # a cancelled need never changes


def test_the_project_marker_changes_with_every_change_the_page_shows(installation):
    """The live page looks at this marker every half second and re-reads only when it changed."""
    from services import dispatch, project_views, provisioning, tenancy
    from services.demo import seed_demo_data

    ref = provisioning.create_orchestra(name="Markör", subdomain="markor", contact_name="K",
                                        contact_email="k@markor.example.se", create_admin=False).orchestra
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
    before = project_views.project_marker(ref.id, "PROJ001")
    assert project_views.project_marker(ref.id, "PROJ001") == before  # nothing changed, nothing to read
    dispatch.send_project(ref, "PROJ001")
    sent = project_views.project_marker(ref.id, "PROJ001")
    assert sent != before
    first = dispatch.list_requests(ref, "PROJ001")[0]
    dispatch.respond_on_behalf(ref, first["requestId"], "decline", staff="tester")
    assert project_views.project_marker(ref.id, "PROJ001") != sent
    assert project_views.project_marker(ref.id, "PROJ999") == "none"
