"""The read models and rules behind the dashboard, communication, users and logs pages.

* ``services.dashboard``: upcoming projects with staffing, requests waiting (soonest deadline first), the last
  week's answers and timeouts, needs running out of candidates (from the engine's dry run), failed messages.
* ``services.communication_views``: the log and the outbox as one list, filtered and paged in SQL, each message
  as it was sent; group e-mail history.
* ``services.orchestra_users``: an admin manages their own orchestra's users only; never themself out of
  office, never the last admin; generated passwords; sessions revoked.
* ``services.log_views``: the system log scoped to the orchestra, the audit trail, filters and paging.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.central import SystemLog, User
from models.orchestra import AuditLog, CommunicationLog, Outbox, Request
from services import (
    auth,
    clock,
    communication_views,
    dashboard,
    dispatch,
    group_email,
    ids,
    log_views,
    logs,
    orchestra_users,
    outbox,
    scheduler,
    settings,
    tenancy,
)
from services.errors import Conflict, Forbidden, NotFound, ValidationError
from tests.engine_helpers import (
    CELLO_TUTTI,
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    add_need,
    make_orchestra,
    make_project,
    position,
    requests,
    roster,
    set_need,
)

PROVIDER_VARIABLES = ("RESEND_API_KEY", "STAGESUB_EMAIL_FROM", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                      "TWILIO_FROM_NUMBER", "STAGESUB_SIMULATE_MESSAGES")


@pytest.fixture
def two(installation, monkeypatch):
    """Orchestras acme and beta (seeded catalogue, simulated messaging)."""
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    settings.reset_settings()
    return make_orchestra("acme", "Acme"), make_orchestra("beta", "Beta")


def deliver(ref) -> None:
    outbox.deliver_due(ref)


def outbox_count(ref, *where) -> int:
    with tenancy.orchestra_session(ref) as session:
        return session.execute(sa.select(sa.func.count()).select_from(Outbox).where(*where)).scalar_one()


# ----- dashboard ------------------------------------------------------------------------------------------------


def test_dashboard_numbers(two):
    acme, beta = two
    violin, viola, cello = position(acme, VIOLIN_TUTTI), position(acme, VIOLA_TUTTI), position(acme, CELLO_TUTTI)
    violinists = roster(acme, violin, ["Vera", "Viktor", "Vilma", "Valle"])
    roster(acme, viola, ["Alva", "Arvid"])
    roster(acme, cello, ["Cecilia"])
    now = clock.now()
    past = make_project(acme, "Förra veckan", start=now - timedelta(days=3))
    soon = make_project(acme, "Snart", start=now + timedelta(days=10))
    later = make_project(acme, "Senare", start=now + timedelta(days=40))
    add_need(acme, past, violin, "parallel", quantity=1)
    add_need(acme, soon, violin, "parallel", quantity=2, hours=48)
    viola_need = add_need(acme, later, viola, "parallel", quantity=3, hours=24)  # only 2 violists: cannot fill
    cello_need = add_need(acme, soon, cello, "sequential", quantity=1, hours=12)  # 1 cellist: last one asked
    dispatch.send_project(acme, soon.projectId)
    dispatch.send_project(acme, later.projectId)
    deliver(acme)
    soon_requests = [r for r in requests(acme, soon) if r.musician_pk in violinists]
    dispatch.respond_on_behalf(acme, soon_requests[0].requestId, "accept", staff="acme-admin")
    dispatch.respond_on_behalf(acme, soon_requests[1].requestId, "decline", staff="acme-admin")

    data = dashboard.dashboard(acme.id)

    # Upcoming: soonest first, the past project left out, staffing = accepted / needed.
    assert [row["name"] for row in data["upcoming"]] == ["Snart", "Senare"] and data["upcomingTotal"] == 2
    snart = data["upcoming"][0]
    assert (snart["accepted"], snart["needed"], snart["status"]) == (1, 3, "in_progress")
    # Waiting: every pending request, the cello (12 h) before the violas (24 h) before the violin refill (48 h).
    waiting = data["waiting"]
    pending = [r for r in requests(acme) if r.status == "pending"]
    assert waiting["total"] == len(pending) == 4
    assert [row["needLabel"] for row in waiting["rows"]] == [
        "Cello – Tutti", "Viola – Tutti", "Viola – Tutti", "Violin – Tutti violin 1"]
    assert all(row["deadline"] and not row["overdue"] for row in waiting["rows"])
    # Activity: the accept and the decline, recorded by staff.
    assert data["activity"]["counts"] == {"accepted": 1, "declined": 1, "timed_out": 0}
    assert {(row["status"], row["via"]) for row in data["activity"]["rows"]} == {
        ("accepted", "staff"), ("declined", "staff")}
    # Warnings: the viola need cannot be filled, the cello need has nobody after the one asked.
    warnings = {(w["needLabel"], w["kind"]) for w in data["warnings"]}
    assert warnings == {("Viola – Tutti", "out_of_candidates"), ("Cello – Tutti", "few_candidates")}
    assert data["warnings"][0]["kind"] == "out_of_candidates"  # the worst first
    viola_warning = next(w for w in data["warnings"] if w["projectNeedId"] == viola_need.projectNeedId)
    assert (viola_warning["remaining"], viola_warning["pending"], viola_warning["candidatesLeft"]) == (3, 2, 0)
    assert data["failed"] == {"total": 0, "rows": []}

    # A paused need warns no more; another orchestra's dashboard is empty.
    set_need(acme, cello_need, status="paused")
    assert {w["needLabel"] for w in dashboard.dashboard(acme.id)["warnings"]} == {"Viola – Tutti"}
    empty = dashboard.dashboard(beta.id)
    assert empty["upcoming"] == [] and empty["waiting"]["total"] == 0 and empty["warnings"] == []
    assert empty["activity"]["rows"] == []


def test_dashboard_activity_is_the_last_week_and_timeouts_count(two):
    acme, _ = two
    violin = position(acme, VIOLIN_TUTTI)
    roster(acme, violin, ["Vera", "Viktor", "Vilma"])
    project = make_project(acme, "Höstkonsert", start=clock.now() + timedelta(days=60))
    add_need(acme, project, violin, "sequential", quantity=1, hours=24)
    dispatch.send_project(acme, project.projectId)
    first = requests(acme, project)[0]
    dispatch.respond_on_behalf(acme, first.requestId, "decline", staff="acme-admin")  # now: 8 days ago

    clock.advance(timedelta(days=8))
    scheduler.tick(acme)  # the second violinist's request timed out long ago; the third is asked
    data = dashboard.dashboard(acme.id)

    assert data["activity"]["counts"] == {"accepted": 0, "declined": 0, "timed_out": 1}
    [row] = data["activity"]["rows"]
    assert row["status"] == "timed_out" and row["via"] == "timeout" and row["projectName"] == "Höstkonsert"
    assert data["waiting"]["total"] == 1


def test_dashboard_lists_failed_messages_of_the_last_week(two):
    acme, _ = two
    with tenancy.orchestra_session(acme) as session:
        outbox.enqueue(session, channel="sms", message_type="request", recipient="070-bad", status="failed",
                       error="not a phone number")
        old = outbox.enqueue(session, channel="email", message_type="request", recipient="a@x.test",
                             status="failed", error="old")
        old.createdAt = clock.now() - timedelta(days=9)
        outbox.enqueue(session, channel="email", message_type="reminder", recipient="b@x.test")  # still queued
        session.commit()

    failed = dashboard.dashboard(acme.id)["failed"]

    assert failed["total"] == 1
    assert [(r["channel"], r["recipient"], r["error"]) for r in failed["rows"]] == [
        ("sms", "070-bad", "not a phone number")]


def test_need_warning_from_a_dry_run_need():
    base = {"status": "active", "instrumentName": "Oboe", "positionName": "Tutti", "projectNeedId": "NEED001"}
    full_queue = [{}] * dispatch.NEXT_IN_QUEUE
    assert dashboard.need_warning({**base, "remaining": 2, "pending": 0, "toAsk": [{}], "nextInQueue": []}
                                  )["kind"] == "out_of_candidates"
    assert dashboard.need_warning({**base, "remaining": 2, "pending": 1, "toAsk": [], "nextInQueue": [{}]}
                                  )["kind"] == "few_candidates"
    assert dashboard.need_warning({**base, "remaining": 2, "pending": 0, "toAsk": [{}, {}], "nextInQueue": []}
                                  ) is None
    # A full queue only says "at least this many": no warning can be concluded.
    assert dashboard.need_warning({**base, "remaining": 9, "pending": 0, "toAsk": [], "nextInQueue": full_queue}
                                  ) is None
    assert dashboard.need_warning({**base, "status": "paused", "remaining": 2, "pending": 0, "toAsk": [],
                                   "nextInQueue": []}) is None
    assert dashboard.need_warning({**base, "remaining": 0, "pending": 0, "toAsk": [], "nextInQueue": []}) is None


# ----- communication ---------------------------------------------------------------------------------------------


@pytest.fixture
def messaging(two):
    """acme: a big project (60 request e-mails, delivered), a small one (3 e-mails still queued), a group
    e-mail to the accepted violinist, and a row of the earlier system's log; beta: one queued e-mail."""
    acme, beta = two
    violin, viola = position(acme, VIOLIN_TUTTI), position(acme, VIOLA_TUTTI)
    roster(acme, violin, [f"Violin{n:02d}" for n in range(60)])
    roster(acme, viola, ["Alva", "Arvid", "Agnes"])
    big = make_project(acme, "Stor", start=clock.now() + timedelta(days=20))
    small = make_project(acme, "Liten", start=clock.now() + timedelta(days=30))
    add_need(acme, big, violin, "first_come", quantity=1)
    add_need(acme, small, viola, "parallel", quantity=3)
    dispatch.send_project(acme, big.projectId)
    deliver(acme)  # 60 requests delivered (simulated)
    first = requests(acme, big)[0]
    dispatch.respond_on_behalf(acme, first.requestId, "accept", staff="acme-admin")
    deliver(acme)  # a confirmation and 59 "position filled"
    group_email.send_group_email(acme, big.projectId, subject="Repetition flyttad", message="Ny tid: 18.00",
                                 actor="acme-admin")
    deliver(acme)
    dispatch.send_project(acme, small.projectId)  # 3 queued, not delivered
    with tenancy.orchestra_session(acme) as session:  # the earlier system's row: no channel, status, messageId
        request_pk = session.execute(sa.select(Request.id).where(Request.requestId == first.requestId)).scalar_one()
        session.add(CommunicationLog(communicationLogId=ids.next_id(session, "communicationLog"),
                                     requestId=request_pk, type="request_sent", emailContent="Hej! Gammal text.",
                                     timestamp=clock.now() - timedelta(days=400)))
        session.commit()
    beta_violin = position(beta, VIOLIN_TUTTI)
    roster(beta, beta_violin, ["Berit"])
    beta_project = make_project(beta, "Beta-konsert")
    add_need(beta, beta_project, beta_violin, "sequential")
    dispatch.send_project(beta, beta_project.projectId)
    return acme, beta, big, small


def all_rows(orchestra_pk: str, filters: dict | None = None) -> list[dict]:
    rows, page = [], 1
    while True:
        result = communication_views.messages(orchestra_pk, filters, page=page)
        rows.extend(result["rows"])
        if page >= result["pages"]:
            return rows
        page += 1


def test_communication_log_and_outbox_as_one_list(messaging):
    acme, beta, big, small = messaging

    rows = all_rows(acme.id)

    types = [row["type"] for row in rows]
    assert types.count("request_sent") == 60 + 3 + 1  # delivered, queued, and the earlier system's row
    assert types.count("confirmation_sent") == 1 and types.count("position_filled_sent") == 59
    assert types.count("group_email") == 1
    assert len(rows) == 125 and len({row["key"] for row in rows}) == 125
    queued = [row for row in rows if row["status"] == "queued"]
    assert len(queued) == 3 and {row["projectName"] for row in queued} == {"Liten"}
    assert {row["status"] for row in rows if row["projectName"] == "Stor" and row["type"] != "request_sent"
            } == {"simulated"}
    group = next(row for row in rows if row["type"] == "group_email")
    assert group["projectId"] == big.projectId and "Repetition flyttad" in group["subject"]
    legacy = rows[-1]  # the oldest
    assert (legacy["type"], legacy["channel"], legacy["status"]) == ("request_sent", "email", "sent")
    assert legacy["musicianName"].startswith("Violin")
    # Newest first.
    keys_in_order = [row["key"] for row in rows]
    assert keys_in_order[:3] == [row["key"] for row in queued]
    # Beta sees only its own message.
    [beta_row] = all_rows(beta.id)
    assert beta_row["musicianName"].startswith("Berit") and beta_row["status"] == "queued"


def test_communication_filters(messaging):
    acme, _, big, small = messaging

    def count(**filters) -> int:
        return communication_views.messages(acme.id, filters)["total"]

    assert count(projectId=small.projectId) == 3
    assert count(projectId=big.projectId) == 60 + 1 + 59 + 1 + 1  # requests, confirmation, filled, group, legacy
    assert count(projectId="PROJ999") == 0
    assert count(status="queued") == 3
    assert count(status="simulated") == 121
    assert count(type="confirmation_sent") == 1
    assert count(type="group_email", projectId=big.projectId) == 1
    assert count(channel="sms") == 0 and count(channel="email") == 125
    assert count(search="alva") == 1  # by musician name
    assert count(search="VIOLIN07") == 2  # the request and "position filled", case-insensitive
    assert count(search="%") == 0  # a literal percent sign, not a wildcard
    today = clock.to_local(clock.now(), "Europe/Stockholm").strftime("%Y-%m-%d")
    assert count(**{"from": today, "to": today}) == 124  # the earlier system's row is from last year
    assert count(to="2000-01-01") == 0

    with pytest.raises(ValidationError) as caught:
        communication_views.messages(acme.id, {"status": "lost", "channel": "fax", "from": "igår",
                                               "type": "spam"})
    assert set(caught.value.fields) == {"status", "channel", "from", "type"}
    with pytest.raises(ValidationError) as caught:
        communication_views.messages(acme.id, {"from": "2026-05-02", "to": "2026-05-01"})
    assert set(caught.value.fields) == {"to"}


def test_communication_paging_is_50_a_page(messaging):
    acme, _, big, _ = messaging
    filters = {"projectId": big.projectId, "type": "request_sent"}

    first = communication_views.messages(acme.id, filters, page=1)
    second = communication_views.messages(acme.id, filters, page=2)
    beyond = communication_views.messages(acme.id, filters, page=99)

    assert (first["total"], first["pages"], first["pageSize"]) == (61, 2, 50)
    assert len(first["rows"]) == 50 and len(second["rows"]) == 11
    assert not {r["key"] for r in first["rows"]} & {r["key"] for r in second["rows"]}
    assert beyond["page"] == 2 and beyond["rows"] == second["rows"]


def test_each_message_as_it_was_sent(messaging):
    acme, beta, _, _ = messaging
    rows = all_rows(acme.id)
    delivered = next(row for row in rows if row["type"] == "request_sent" and row["status"] == "simulated")
    queued = next(row for row in rows if row["status"] == "queued")

    detail = communication_views.message_detail(acme.id, delivered["key"])
    assert delivered["key"].startswith("log:")
    assert detail["html"].lstrip().lower().startswith(("<!doctype", "<html", "<div", "<table"))
    assert "/respond/" in detail["text"] and detail["status"] == "simulated" and detail["sentAt"]
    assert communication_views.message_detail(acme.id, queued["key"])["status"] == "queued"
    legacy = communication_views.message_detail(acme.id, rows[-1]["key"])
    assert legacy["text"] == "Hej! Gammal text." and legacy["html"] == ""

    for bad in ("", "log:", "outbox:abc", "drop table", "log:999999"):
        with pytest.raises(NotFound):
            communication_views.message_detail(acme.id, bad)
    # Beta's database has no such log row: another orchestra's key finds nothing.
    with pytest.raises(NotFound):
        communication_views.message_detail(beta.id, delivered["key"])


def test_group_email_history_and_filter_options(messaging):
    acme, _, big, small = messaging

    [entry] = communication_views.group_emails(acme.id)
    assert entry["subject"] == "Repetition flyttad" and entry["sent"] == 1 and entry["projectId"] == big.projectId
    assert communication_views.group_emails(acme.id, small.projectId) == []
    options = communication_views.filter_options(acme.id)
    assert [p["projectId"] for p in options["projects"]] == [small.projectId, big.projectId]
    assert "queued" in options["statuses"] and "group_email" in options["types"]


# ----- users -----------------------------------------------------------------------------------------------------


@pytest.fixture
def people(two):
    acme, beta = two
    admin = auth.create_user(username="acme-admin", email="admin@acme.test", password="acme-admin-pw-1",
                             role="admin", orchestra_subdomain="acme")
    user = auth.create_user(username="acme-user", email="user@acme.test", password="acme-user-pw-1",
                            role="user", orchestra_subdomain="acme")
    other = auth.create_user(username="beta-admin", email="admin@beta.test", password="beta-admin-pw-1",
                             role="admin", orchestra_subdomain="beta")
    root = auth.create_user(username="root", email="root@stagesub.test", password="root-password-1",
                            role="superadmin")
    return acme, beta, admin, user, other, root


def user_row(user_id: str) -> User:
    with tenancy.central_session() as session:
        return session.get(User, user_id)


def test_users_list_is_the_orchestras_own(people):
    acme, beta, admin, user, other, root = people

    rows = orchestra_users.list_users(acme.id, admin.id)

    assert [(r["username"], r["role"], r["active"]) for r in rows] == [
        ("acme-admin", "admin", True), ("acme-user", "user", True)]
    assert rows[0]["lastLogin"] == "" and rows[0]["createdAt"]
    assert [r["username"] for r in orchestra_users.list_users(beta.id, other.id)] == ["beta-admin"]
    for actor in (user.id, other.id, root.id, "nobody"):  # a user, another orchestra's admin, the platform
        with pytest.raises(Forbidden):
            orchestra_users.list_users(acme.id, actor)


def test_create_user_with_a_generated_password_shown_once(people):
    acme, _, admin, _, _, _ = people

    result = orchestra_users.create_user(acme.id, admin.id, username="Kansli.Karin", email="karin@acme.test",
                                         role="user")

    password = result["password"]
    assert result["user"]["username"] == "kansli.karin" and result["user"]["role"] == "user"
    assert len(password) == 23 and password.count("-") == 3
    token, info = auth.login("kansli.karin", password, ip="127.0.0.1")
    assert info.orchestra_pk == acme.id and info.role == "user" and token
    assert password not in user_row(info.id).passwordHash
    assert orchestra_users.generate_password() != orchestra_users.generate_password()

    before = len(orchestra_users.list_users(acme.id, admin.id))
    with pytest.raises(Conflict) as taken:
        orchestra_users.create_user(acme.id, admin.id, username="kansli.karin", email="ny@acme.test", role="user")
    assert taken.value.code == "username_taken"
    with pytest.raises(ValidationError) as bad_role:
        orchestra_users.create_user(acme.id, admin.id, username="ny", email="ny@acme.test", role="superadmin")
    assert bad_role.value.code == "invalid_role" and "role" in bad_role.value.fields
    with pytest.raises(ValidationError):
        orchestra_users.create_user(acme.id, admin.id, username="ny", email="inte-en-adress", role="user")
    assert len(orchestra_users.list_users(acme.id, admin.id)) == before


def test_role_changes_and_the_admins_own_account(people):
    acme, _, admin, user, _, _ = people

    promoted = orchestra_users.set_role(acme.id, admin.id, user.id, "admin")
    assert promoted["role"] == "admin"
    # Now two admins: the first may demote the second, but nobody demotes or deactivates themself.
    with pytest.raises(Conflict) as own:
        orchestra_users.set_role(acme.id, admin.id, admin.id, "user")
    assert own.value.code == "own_account"
    with pytest.raises(Conflict):
        orchestra_users.set_active(acme.id, admin.id, admin.id, False)
    with pytest.raises(Conflict):
        orchestra_users.reset_password(acme.id, admin.id, admin.id)
    assert orchestra_users.set_role(acme.id, admin.id, user.id, "user")["role"] == "user"
    with pytest.raises(ValidationError):
        orchestra_users.set_role(acme.id, admin.id, user.id, "superadmin")
    assert user_row(admin.id).role == "admin" and user_row(admin.id).active


def test_last_admin_cannot_be_lost_when_two_admins_demote_each_other(people):
    acme, _, admin, user, _, _ = people
    orchestra_users.set_role(acme.id, admin.id, user.id, "admin")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor_id: str, target_id: str) -> None:
        barrier.wait()
        try:
            orchestra_users.set_role(acme.id, actor_id, target_id, "user")
            outcomes.append("ok")
        except Forbidden:
            outcomes.append("forbidden")  # the actor had just been demoted by the other

    threads = [threading.Thread(target=demote, args=(admin.id, user.id)),
               threading.Thread(target=demote, args=(user.id, admin.id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["forbidden", "ok"]
    assert [user_row(u).role for u in (admin.id, user.id)].count("admin") == 1


def test_last_admin_rule_in_the_transaction(people):
    """The defensive check itself: a lone active admin is never demoted, whoever asks."""
    acme, _, admin, _, _, _ = people
    with tenancy.central_session() as session:
        target = session.get(User, admin.id)
        with pytest.raises(Conflict) as caught:
            orchestra_users._keeps_an_admin(session, acme.id, target)
    assert caught.value.code == "last_admin"


def test_deactivate_reactivate_and_reset_password_end_sessions(people):
    acme, _, admin, user, _, _ = people
    token, _ = auth.login("acme-user", "acme-user-pw-1", ip="127.0.0.1")

    assert orchestra_users.set_active(acme.id, admin.id, user.id, False)["active"] is False
    assert auth.resolve_session(token) is None
    with pytest.raises(Exception):  # noqa: B017 - any refusal: the account is inactive
        auth.login("acme-user", "acme-user-pw-1", ip="127.0.0.2")
    assert orchestra_users.set_active(acme.id, admin.id, user.id, True)["active"] is True
    token, _ = auth.login("acme-user", "acme-user-pw-1", ip="127.0.0.3")

    new_password = orchestra_users.reset_password(acme.id, admin.id, user.id)
    assert auth.resolve_session(token) is None
    assert auth.login("acme-user", new_password, ip="127.0.0.4")[1].id == user.id
    assert not auth.verify_password("acme-user-pw-1", user_row(user.id).passwordHash)[0]

    with tenancy.central_session() as session:
        entries = session.exec(select(SystemLog).where(SystemLog.message.in_(
            ("User deactivated", "User reactivated", "Password reset by an admin")))).all()
    assert len(entries) == 3
    assert all(e.orchestraId == acme.id and e.meta["actor"] == "acme-admin" and e.meta["user"] == "acme-user"
               for e in entries)


def test_never_another_orchestras_users(people):
    acme, beta, admin, _, other, root = people
    before = (user_row(other.id).role, user_row(other.id).active, user_row(other.id).passwordHash)

    for call in (
        lambda: orchestra_users.set_role(acme.id, admin.id, other.id, "user"),
        lambda: orchestra_users.set_active(acme.id, admin.id, other.id, False),
        lambda: orchestra_users.reset_password(acme.id, admin.id, other.id),
        lambda: orchestra_users.set_active(acme.id, admin.id, root.id, False),
        lambda: orchestra_users.set_role(acme.id, admin.id, "no-such-id", "admin"),
    ):
        with pytest.raises(NotFound):
            call()
    # Acting for beta with acme's admin: refused outright.
    with pytest.raises(Forbidden):
        orchestra_users.set_active(beta.id, admin.id, other.id, False)
    with pytest.raises(Forbidden):
        orchestra_users.create_user(beta.id, admin.id, username="smyg", email="smyg@beta.test", role="admin")
    assert (user_row(other.id).role, user_row(other.id).active, user_row(other.id).passwordHash) == before
    assert user_row(root.id).active


# ----- logs ------------------------------------------------------------------------------------------------------


def test_system_log_is_scoped_to_the_orchestra(people):
    acme, beta, admin, user, other, root = people
    auth.login("acme-admin", "acme-admin-pw-1", ip="10.0.0.1")
    auth.login("beta-admin", "beta-admin-pw-1", ip="10.0.0.2")
    auth.login("root", "root-password-1", ip="10.0.0.3")
    with pytest.raises(Exception):  # noqa: B017 - the failed login is what we want logged
        auth.login("acme-user", "wrong-password!", ip="10.0.0.4")
    token, _ = auth.login("acme-user", "acme-user-pw-1", ip="10.0.0.5")
    auth.logout(token)  # logged with the user only, no orchestra
    logs.log_event("info", "system", "Platform maintenance")  # nobody's

    result = log_views.system_logs(acme.id)

    messages = [row["message"] for row in result["rows"]]
    users = {row["user"] for row in result["rows"]}
    assert "Logout" in messages and "Login failed" in messages and "Platform maintenance" not in messages
    assert users <= {"acme-admin", "acme-user", ""} and "acme-admin" in users
    assert not {"beta-admin", "root"} & users
    assert [row["user"] for row in log_views.system_logs(beta.id)["rows"] if row["message"] == "Login"] == [
        "beta-admin"]
    warn = log_views.system_logs(acme.id, {"level": "warn"})["rows"]
    assert [row["message"] for row in warn] == ["Login failed"] and warn[0]["ip"] == "10.0.0.4"
    assert "auth" in result["categories"] and "email" in result["categories"]
    assert log_views.system_logs(acme.id, {"category": "email"})["total"] == 0
    assert log_views.system_logs(acme.id, {"search": "LOGOUT"})["total"] == 1
    today = clock.to_local(clock.now(), "Europe/Stockholm").strftime("%Y-%m-%d")
    assert log_views.system_logs(acme.id, {"from": today})["total"] == result["total"]
    assert log_views.system_logs(acme.id, {"to": "2001-01-01"})["total"] == 0
    with pytest.raises(ValidationError) as caught:
        log_views.system_logs(acme.id, {"level": "loud", "from": "31/12"})
    assert set(caught.value.fields) == {"level", "from"}


def test_system_log_texts_are_shown_in_the_users_language(people):
    from state.logs import SystemLogRow, shown_message

    acme, _, admin, _, _, _ = people
    auth.login("acme-admin", "acme-admin-pw-1", ip="10.0.0.1")
    logs.log_event("info", "email", "Group e-mail to 3 musicians of PROJ002 queued by acme-admin",
                   orchestra_id=acme.id, meta={"projectId": "PROJ002", "recipients": 3, "actor": "acme-admin"})
    clock.advance(timedelta(seconds=1))
    logs.log_event("info", "settings", "Messaging settings of acme changed by acme-admin: smsOnRequest, emailFrom",
                   orchestra_id=acme.id, meta={"actor": "acme-admin", "changed": ["smsOnRequest", "emailFrom"]})
    clock.advance(timedelta(seconds=1))
    logs.log_event("info", "request", "Ett äldre systems text", orchestra_id=acme.id)
    clock.advance(timedelta(seconds=1))
    logs.log_event("info", "email", "Group e-mail to someone", orchestra_id=acme.id, meta={"actor": "x"})

    rows = [SystemLogRow(**row) for row in log_views.system_logs(acme.id)["rows"]]
    shown = {lang: [shown_message(row, lang) for row in rows[:5]] for lang in ("sv", "en")}  # newest first
    assert shown["sv"] == ["Group e-mail to someone",  # the values are missing: shown as stored
                           "Ett äldre systems text",
                           "Meddelandeinställningar ändrade av acme-admin: smsOnRequest, emailFrom",
                           "Gruppmail till 3 musiker i PROJ002 köat av acme-admin",
                           "Inloggning"]
    assert shown["en"][2:] == ["Messaging settings changed by acme-admin: smsOnRequest, emailFrom",
                               "Group e-mail to 3 musicians of PROJ002 queued by acme-admin", "Login"]
    assert rows[4].message == "Login"  # stored (and searched) as written
    assert "Användare skapad" in [shown_message(row, "sv") for row in rows[5:]]  # the fixture's users

    # The search finds the texts as shown, too (and still as stored).
    from stagesub_ui.i18n import translate

    def swedish(key: str) -> str:
        return translate(f"logs.msg.{key}", "sv")

    def found(search: str, shown=swedish) -> list[str]:
        return [row["message"] for row in log_views.system_logs(acme.id, {"search": search}, shown=shown)["rows"]]

    assert found("inloggning") == ["Login"]
    assert found("INLOGGNING", shown=None) == []
    assert found("gruppmail") == ["Group e-mail to someone",
                                  "Group e-mail to 3 musicians of PROJ002 queued by acme-admin"]
    assert found("login") == ["Login"]  # as stored
    assert found("100%_") == []


def test_every_text_the_system_log_knows_has_both_languages():
    from stagesub_ui.i18n import en, sv

    keys = [*log_views.MESSAGE_KEYS.values(), *(key for _, key, _ in log_views.MESSAGE_PATTERNS)]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert f"logs.msg.{key}" in sv.MESSAGES and f"logs.msg.{key}" in en.MESSAGES, key


def test_system_log_paging_and_metadata(people):
    acme, _, admin, _, _, _ = people
    for number in range(60):
        logs.log_event("info", "request", f"Händelse {number:02d}", orchestra_id=acme.id,
                       meta={"number": number, "password": "hemligt"})
        clock.advance(timedelta(seconds=1))

    first = log_views.system_logs(acme.id, {"category": "request"}, page=1)
    second = log_views.system_logs(acme.id, {"category": "request"}, page=2)

    assert (first["total"], first["pages"], len(first["rows"]), len(second["rows"])) == (60, 2, 50, 10)
    assert first["rows"][0]["message"] == "Händelse 59" and second["rows"][-1]["message"] == "Händelse 00"
    assert '"number": 59' in first["rows"][0]["meta"] and "hemligt" not in first["rows"][0]["meta"]
    assert log_views.system_logs(acme.id, {"category": "request"}, page="x")["page"] == 1


def test_audit_log_of_the_orchestra(two):
    acme, beta = two
    violin = position(acme, VIOLIN_TUTTI)
    roster(acme, violin, ["Vera", "Viktor"])
    project = make_project(acme, "Vårkonsert")
    add_need(acme, project, violin, "sequential")
    dispatch.send_project(acme, project.projectId, actor="acme-admin")
    dispatch.respond_on_behalf(acme, requests(acme, project)[0].requestId, "decline", staff="acme-user",
                               note="ringde")

    result = log_views.audit_logs(acme.id)

    assert [(row["user"], row["action"]) for row in result["rows"]] == [
        ("acme-user", "staff_response"), ("acme-admin", "send_requests")]
    assert '"note": "ringde"' in result["rows"][0]["changes"] and result["rows"][0]["entity"].startswith("Request")
    assert result["actions"] == ["send_requests", "staff_response"]
    assert log_views.audit_logs(acme.id, {"action": "send_requests"})["total"] == 1
    assert log_views.audit_logs(acme.id, {"search": "ACME-USER"})["total"] == 1
    assert log_views.audit_logs(beta.id)["total"] == 0
    with tenancy.orchestra_session(acme) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(AuditLog)).scalar_one() == 2
    with pytest.raises(ValidationError):
        log_views.audit_logs(acme.id, {"to": "not a date"})


# ----- the page states re-check the role in every handler -------------------------------------------------------


def page_state(cls, token: str | None):
    """A page state as the websocket would hand it over: acme's host, the session cookie (if any)."""
    from reflex.istate.data import RouterData
    from reflex.state import State

    host = "acme.localhost:3000"
    cookie = f"{auth.SESSION_COOKIE}={token}" if token else ""
    root = State()
    root.router = RouterData.from_router_data({
        "headers": {"host": host, "origin": f"http://{host}", "cookie": cookie},
        "pathname": "/users", "asPath": "/users", "query": {},
    })
    return root.get_substate(cls.get_full_name().split(".")[1:])


def redirect_path(spec) -> str | None:
    if spec is None or "redirect" not in spec.handler.fn.__qualname__:
        return None
    return next(value._var_value for name, value in spec.args if str(name) == "path")


async def test_users_page_handlers_act_for_admins_only(people):
    from state.logs import LogsState
    from state.users import UserRow, UsersState

    acme, _, admin, user, _, _ = people
    user_token, _ = auth.login("acme-user", "acme-user-pw-1", ip="127.0.0.1")
    admin_token, _ = auth.login("acme-admin", "acme-admin-pw-1", ip="127.0.0.1")

    as_user = page_state(UsersState, user_token)
    as_user.form = {"username": "smyg", "email": "smyg@acme.test", "role": "admin"}
    assert redirect_path(await as_user.create_user({})) == "/dashboard"
    assert redirect_path(await as_user.load_users()) == "/dashboard" and as_user.users == []
    as_user.users = [UserRow(id=user.id, username="acme-user")]  # as if a stale page offered the button
    assert redirect_path(await as_user.ask("make_admin", user.id)) == "/dashboard"
    assert user_row(user.id).role == "user"
    assert redirect_path(await page_state(LogsState, user_token).load_logs()) == "/dashboard"
    assert redirect_path(await page_state(UsersState, None).load_users()) == "/login"
    assert [r["username"] for r in orchestra_users.list_users(acme.id, admin.id)] == ["acme-admin", "acme-user"]

    as_admin = page_state(UsersState, admin_token)
    assert await as_admin.load_users() is None and [row.isSelf for row in as_admin.users] == [True, False]
    as_admin.form = {"username": "ny-kollega", "email": "ny@acme.test", "role": "user"}
    await as_admin.create_user({})
    assert as_admin.ok_key == "users.created" and as_admin.new_password_user == "ny-kollega"
    assert auth.login("ny-kollega", as_admin.new_password, ip="127.0.0.1")[1].role == "user"
    # Deactivating asks first; the service still refuses the admin's own account.
    await as_admin.ask("deactivate", user.id)
    assert as_admin.confirm_open and as_admin.confirm_username == "acme-user"
    await as_admin.confirm()
    assert not user_row(user.id).active and as_admin.ok_key == "users.done.deactivate"
    as_admin.confirm_action, as_admin.confirm_user_id = "deactivate", admin.id
    await as_admin.confirm()
    assert as_admin.error_key == "users.error.own_account" and user_row(admin.id).active
