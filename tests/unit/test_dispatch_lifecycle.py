"""A request's life: reminders, timeouts, pausing, answers and their outcomes, staff answers, delivery of the
outbox and webhook events (SPEC.md §Request engine, §Responses; ORIGINAL_BEHAVIOUR.md §2.6–2.11, §10.2).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.central import Orchestra
from models.orchestra import (
    AuditLog,
    CommunicationLog,
    Outbox,
    ProjectNeed,
    Request,
    RequestToken,
)
from models.types import new_cuid
from services import clock, dispatch, ids, outbox, scheduler, tenancy, tokens
from services.errors import Conflict, NotFound, ValidationError
from tests.engine_helpers import (
    VIOLIN_TUTTI,
    add_need,
    answer,
    asked,
    count,
    link_token,
    make_orchestra,
    make_project,
    need_status,
    of_need,
    outbox_rows,
    position,
    request_of,
    requests,
    roster,
    row_counts,
    set_need,
    set_setting,
    statuses,
    token_for,
)

NAMES = ["Alva", "Bo", "Cecilia", "David", "Elsa", "Filip"]


@pytest.fixture
def ref(installation):
    return make_orchestra()


@pytest.fixture
def violin(ref):
    return position(ref, VIOLIN_TUTTI)


@pytest.fixture
def sent(ref, violin):
    """A sequential need (24 h) on a roster of six, sent: the first musician has a pending request."""
    m = roster(ref, violin, NAMES)
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential", quantity=1, hours=24)
    dispatch.send_project(ref, project.projectId)
    return m, project, need


def pending(ref, need) -> list[int]:
    return [r.musician_pk for r in of_need(requests(ref), need, "pending")]


def links_of(ref, request_pk: int, message_type: str) -> list[str]:
    return [link for row in outbox_rows(ref, channel="email", message_type=message_type, request_pk=request_pk)
            for link in outbox.links_in(row.body)]


# ----- reminders --------------------------------------------------------------------------------------------


def test_reminder_at_75_percent_once_with_the_same_link(ref, sent):
    m, project, need = sent
    req = request_of(ref, m[0])
    clock.advance(timedelta(hours=17, minutes=59))
    assert scheduler.tick(ref)["reminders"] == 0
    assert request_of(ref, m[0]).reminderSentAt is None
    clock.advance(timedelta(minutes=1))
    assert scheduler.tick(ref)["reminders"] == 1
    reminded_at = request_of(ref, m[0]).reminderSentAt
    assert reminded_at is not None
    assert scheduler.tick(ref)["reminders"] == 0  # a second tick sends no second reminder
    clock.advance(timedelta(hours=5))
    assert scheduler.tick(ref)["reminders"] == 0
    assert request_of(ref, m[0]).reminderSentAt == reminded_at
    assert len(outbox_rows(ref, message_type="reminder", request_pk=req.pk)) == 1
    request_links = links_of(ref, req.pk, "request")
    assert request_links and links_of(ref, req.pk, "reminder") == request_links
    assert link_token(request_links[0]) == token_for(ref, req.requestId)
    # the reminder mints no new token: still one live token for the request
    assert count(ref, RequestToken, RequestToken.requestId == req.pk, RequestToken.usedAt.is_(None)) == 1
    assert answer(ref, m[0], "accept").outcome == "accepted"


def test_reminder_percentage_setting_50(ref, violin):
    set_setting(ref, "reminder_percentage", "50")
    m = roster(ref, violin, NAMES[:2])
    project = make_project(ref)
    add_need(ref, project, violin, "sequential", hours=24)
    dispatch.send_project(ref, project.projectId)
    clock.advance(timedelta(hours=11, minutes=59))
    assert scheduler.tick(ref)["reminders"] == 0
    clock.advance(timedelta(minutes=1))
    assert scheduler.tick(ref)["reminders"] == 1
    assert request_of(ref, m[0]).reminderSentAt is not None


def test_reminder_48_hours_at_75_percent_after_36(ref, violin):
    roster(ref, violin, NAMES[:2])
    project = make_project(ref)
    add_need(ref, project, violin, "parallel", quantity=2, hours=48)
    dispatch.send_project(ref, project.projectId)
    clock.advance(timedelta(hours=35, minutes=59))
    assert scheduler.tick(ref)["reminders"] == 0
    clock.advance(timedelta(minutes=1))
    assert scheduler.tick(ref)["reminders"] == 2


def test_an_answered_request_gets_no_reminder(ref, sent):
    m, project, need = sent
    declined = request_of(ref, m[0])
    answer(ref, m[0], "decline")
    clock.advance(timedelta(hours=18))
    assert scheduler.tick(ref)["reminders"] == 1  # only the next musician's request, sent at the same time
    assert outbox_rows(ref, message_type="reminder", request_pk=declined.pk) == []
    assert request_of(ref, m[0]).reminderSentAt is None
    assert request_of(ref, m[1]).reminderSentAt is not None


# ----- timeouts ---------------------------------------------------------------------------------------------


def test_timeout_at_the_deadline_then_the_next_musician(ref, sent):
    m, project, need = sent
    clock.advance(timedelta(hours=23, minutes=59))
    assert scheduler.tick(ref)["timeouts"] == 0
    clock.advance(timedelta(minutes=1))
    result = scheduler.tick(ref)
    assert result["timeouts"] == 1 and result["refills"] == 1
    timed_out = request_of(ref, m[0])
    assert timed_out.status == "timed_out" and timed_out.answeredBy == "timeout"
    assert pending(ref, need) == [m[1]]
    assert scheduler.tick(ref)["timeouts"] == 0
    assert outbox_rows(ref, channel="webhook") == []  # no webhook URL: no events
    # the token is dead and the link says so
    assert answer(ref, m[0], "accept").outcome == "expired"
    assert count(ref, RequestToken, RequestToken.requestId == timed_out.pk, RequestToken.usedAt.is_(None)) == 0


def test_an_answer_after_the_deadline_is_expired_and_the_next_is_asked(ref, sent):
    m, project, need = sent
    clock.advance(timedelta(hours=24))  # no tick: the answer itself finds the deadline passed
    outcome = answer(ref, m[0], "accept")
    assert outcome.outcome == "expired" and outcome.status == "timed_out"
    assert request_of(ref, m[0]).status == "timed_out"
    assert pending(ref, need) == [m[1]]
    assert answer(ref, m[0], "decline").outcome == "expired"


def test_an_sms_answer_after_the_deadline_is_expired_too(ref, sent):
    m, project, need = sent
    clock.advance(timedelta(hours=25))
    assert answer(ref, m[0], "accept", via="sms").outcome == "expired"
    assert statuses(ref, need) == Counter({"timed_out": 1, "pending": 1})


# ----- pausing ----------------------------------------------------------------------------------------------


def test_pausing_stops_reminders_and_refills_and_resuming_continues(ref, sent):
    m, project, need = sent
    set_need(ref, need, status="paused")
    clock.advance(timedelta(hours=18))
    assert scheduler.tick(ref)["reminders"] == 0
    assert outbox_rows(ref, message_type="reminder") == []

    answer(ref, m[0], "decline")
    assert pending(ref, need) == []  # no replacement while paused
    assert dispatch.send_project(ref, project.projectId)["sent"] == 0
    assert dispatch.refill_need(ref, need.pk) == 0

    set_need(ref, need, status="active")
    assert dispatch.refill_need(ref, need.pk) == 1
    assert pending(ref, need) == [m[1]]

    set_need(ref, need, status="paused")
    # Asked at 04:00 (the test day starts at 10:00, +18 h): the 24 h deadline would fall in the quiet hours
    # and is 09:00 the next day instead, 29 h later.
    clock.advance(timedelta(hours=30))
    result = scheduler.tick(ref)
    assert result["timeouts"] == 1 and result["refills"] == 0 and result["reminders"] == 0
    assert request_of(ref, m[1]).status == "timed_out"
    assert pending(ref, need) == []

    set_need(ref, need, status="active")
    assert dispatch.refill_need(ref, need.pk) == 1
    assert pending(ref, need) == [m[2]]
    assert answer(ref, m[2], "accept").outcome == "accepted"
    assert need_status(ref, need) == "completed"


def test_a_paused_need_whose_reminder_is_due_gets_it_after_resuming(ref, sent):
    m, project, need = sent
    set_need(ref, need, status="paused")
    clock.advance(timedelta(hours=20))
    assert scheduler.tick(ref)["reminders"] == 0
    set_need(ref, need, status="active")
    assert scheduler.tick(ref)["reminders"] == 1
    assert scheduler.tick(ref)["reminders"] == 0


def test_completed_needs_are_never_reopened(ref, sent):
    m, project, need = sent
    answer(ref, m[0], "accept")
    assert need_status(ref, need) == "completed"
    set_need(ref, need, quantity=2)  # even with a raised quantity the engine leaves it completed
    assert dispatch.refill_need(ref, need.pk) == 0
    assert dispatch.send_project(ref, project.projectId)["sent"] == 0
    clock.advance(timedelta(days=3))
    scheduler.tick(ref)
    assert need_status(ref, need) == "completed"
    assert asked(ref, need) == [m[0]]


# ----- answers ----------------------------------------------------------------------------------------------


def test_accept_sends_a_confirmation(ref, sent):
    m, project, need = sent
    req = request_of(ref, m[0])
    outcome = dispatch.handle_response(token_for(ref, req.requestId), "accept")
    assert outcome.as_dict() == {"requestId": req.requestId, "status": "accepted", "outcome": "accepted",
                                 "message": dispatch.MESSAGES["sv"]["accepted"]}
    after = request_of(ref, m[0])
    assert after.status == "accepted" and after.answeredBy == "musician" and after.respondedAt is not None
    assert after.confirmationSent is True
    confirmation = outbox_rows(ref, message_type="confirmation", request_pk=req.pk)
    assert len(confirmation) == 1 and confirmation[0].channel == "email"
    assert count(ref, RequestToken, RequestToken.requestId == req.pk, RequestToken.usedAt.is_(None)) == 0


def test_decline(ref, sent):
    m, project, need = sent
    outcome = answer(ref, m[0], "decline")
    assert outcome.outcome == "declined" and outcome.status == "declined"
    assert request_of(ref, m[0]).response == "declined"
    assert outbox_rows(ref, message_type="confirmation") == []


def test_answering_twice_is_already_answered(ref, sent):
    m, project, need = sent
    assert answer(ref, m[0], "accept").outcome == "accepted"
    before = row_counts(ref)
    again = answer(ref, m[0], "accept")
    assert again.outcome == "already_answered" and again.status == "accepted"
    other = answer(ref, m[0], "decline")
    assert other.outcome == "already_answered" and other.status == "accepted"
    assert row_counts(ref) == before
    assert request_of(ref, m[0]).status == "accepted"


def test_declined_then_accept_is_already_answered(ref, sent):
    m, project, need = sent
    answer(ref, m[0], "decline")
    assert answer(ref, m[0], "accept").outcome == "already_answered"
    assert request_of(ref, m[0]).status == "declined"
    assert statuses(ref, need) == Counter({"declined": 1, "pending": 1})


def test_a_cancelled_request(ref, sent):
    m, project, need = sent
    req = request_of(ref, m[0])
    with tenancy.orchestra_session(ref) as session:
        row = session.get(Request, req.pk)
        row.status, row.respondedAt = "cancelled", clock.now()
        session.commit()
    outcome = answer(ref, m[0], "accept")
    assert outcome.outcome == "cancelled" and outcome.status == "cancelled"
    assert dispatch.response_view(token_for(ref, req.requestId))["outcome"] == "cancelled"


@pytest.mark.parametrize("kind", ["unknown", "tampered", "hash", "hash_with_org", "empty", "garbage", "foreign"])
def test_invalid_tokens(ref, sent, kind):
    m, project, need = sent
    req = request_of(ref, m[0])
    raw = token_for(ref, req.requestId)
    org = None
    if kind == "unknown":
        token = token_for(ref, "REQ999")
    elif kind == "tampered":
        token = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    elif kind in ("hash", "hash_with_org"):
        token = tokens.hash_token(raw)  # what the database stores
        org = ref.subdomain if kind == "hash_with_org" else None
    elif kind == "empty":
        token = ""
    elif kind == "garbage":
        token = "<script>alert(1)</script>"
    else:
        token = "nosuchorchestra." + raw.split(".", 1)[1]
    before = row_counts(ref)
    outcome = dispatch.handle_response(token, "accept", org=org)
    assert outcome.outcome == "invalid_token" and outcome.requestId is None and outcome.status is None
    assert dispatch.response_view(token, org=org) is None
    assert row_counts(ref) == before
    assert request_of(ref, m[0]).status == "pending"


def test_an_invalid_answer_is_refused(ref, sent):
    m, project, need = sent
    req = request_of(ref, m[0])
    with pytest.raises(ValidationError):
        dispatch.handle_response(token_for(ref, req.requestId), "maybe")
    with pytest.raises(ValidationError):
        dispatch.respond_on_behalf(ref, req.requestId, "yes", staff="anna")
    assert request_of(ref, m[0]).status == "pending"


def test_a_legacy_plain_token_works(ref, sent):
    m, project, need = sent
    legacy = new_cuid()
    assert len(legacy) == 25 and tokens.is_legacy(legacy)
    now = clock.now()
    with tenancy.orchestra_session(ref) as session:
        # a pending request of the earlier system, as the migration leaves it (timing columns filled)
        request = Request(requestId=ids.next_id(session, "request"), projectNeedId=need.pk, musicianId=m[5],
                          status="pending", sentAt=now, deadlineAt=now + timedelta(hours=24),
                          remindAt=now + timedelta(hours=18))
        session.add(request)
        session.flush()
        session.add(RequestToken(token=legacy, requestId=request.id, expiresAt=now + timedelta(hours=24)))
        session.commit()
        request_id = request.requestId
    assert dispatch.handle_response(legacy, "accept").outcome == "invalid_token"  # no org: no orchestra
    view = dispatch.response_view(legacy, org=ref.subdomain)
    assert view["requestId"] == request_id and view["outcome"] is None
    outcome = dispatch.handle_response(legacy, "accept", org=ref.subdomain)
    assert outcome.outcome == "accepted" and outcome.requestId == request_id
    assert dispatch.handle_response(legacy, "accept", org=ref.subdomain).outcome == "already_answered"
    assert len(outbox_rows(ref, message_type="confirmation")) == 1
    assert request_of(ref, m[5]).answeredBy == "musician"


def test_a_legacy_request_gets_its_reminder_with_the_legacy_link(ref, sent):
    m, project, need = sent
    legacy = new_cuid()
    now = clock.now()
    with tenancy.orchestra_session(ref) as session:
        request = Request(requestId=ids.next_id(session, "request"), projectNeedId=need.pk, musicianId=m[5],
                          status="pending", sentAt=now, deadlineAt=now + timedelta(hours=24),
                          remindAt=now + timedelta(hours=18))
        session.add(request)
        session.flush()
        session.add(RequestToken(token=legacy, requestId=request.id, expiresAt=now + timedelta(hours=24)))
        session.commit()
        request_pk = request.id
    clock.advance(timedelta(hours=18))
    assert scheduler.tick(ref)["reminders"] == 2
    assert links_of(ref, request_pk, "reminder") == [tokens.response_url(ref, legacy)]


def test_response_view_changes_nothing(ref, sent):
    m, project, need = sent
    req = request_of(ref, m[0])
    raw = token_for(ref, req.requestId)
    before = row_counts(ref)
    view = dispatch.response_view(raw)
    assert view["requestId"] == req.requestId and view["status"] == "pending" and view["outcome"] is None
    assert view["deadline"] == req.deadlineAt and view["projectName"] == "Vårkonsert"
    assert view["requestStrategy"] == "sequential" and view["musicianFirstName"] == "Alva"
    clock.advance(timedelta(hours=25))  # past the deadline, before any tick
    view = dispatch.response_view(raw)
    assert view["outcome"] == "expired" and view["status"] == "pending"
    assert row_counts(ref) == before
    assert request_of(ref, m[0]).status == "pending"


# ----- staff answers ----------------------------------------------------------------------------------------


def test_respond_on_behalf_records_the_staff_member(ref, sent):
    m, project, need = sent
    req = request_of(ref, m[0])
    outcome = dispatch.respond_on_behalf(ref, req.requestId, "accept", staff="anna", note="ringde")
    assert outcome.outcome == "accepted"
    after = request_of(ref, m[0])
    assert after.status == "accepted" and after.answeredBy == "staff:anna" and after.confirmationSent
    with tenancy.orchestra_session(ref) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "staff_response")).all()
    assert len(audit) == 1
    assert audit[0].userId == "anna" and audit[0].entityType == "Request" and audit[0].entityId == req.pk
    assert audit[0].newValues == {"answer": "accept", "note": "ringde", "outcome": "accepted"}
    with pytest.raises(Conflict):
        dispatch.respond_on_behalf(ref, req.requestId, "decline", staff="anna")
    assert request_of(ref, m[0]).status == "accepted"
    assert answer(ref, m[0], "decline").outcome == "already_answered"


def test_respond_on_behalf_decline_sends_the_next(ref, sent):
    m, project, need = sent
    req = request_of(ref, m[0])
    assert dispatch.respond_on_behalf(ref, req.requestId, "decline", staff="bo").outcome == "declined"
    assert request_of(ref, m[0]).answeredBy == "staff:bo"
    assert pending(ref, need) == [m[1]]
    with pytest.raises(Conflict):
        dispatch.respond_on_behalf(ref, req.requestId, "accept", staff="bo")
    with pytest.raises(NotFound):
        dispatch.respond_on_behalf(ref, "REQ999", "accept", staff="bo")


def test_respond_on_behalf_refuses_a_timed_out_request(ref, sent):
    m, project, need = sent
    clock.advance(timedelta(hours=24))
    scheduler.tick(ref)
    with pytest.raises(Conflict):
        dispatch.respond_on_behalf(ref, request_of(ref, m[0]).requestId, "accept", staff="anna")


# ----- outbox delivery --------------------------------------------------------------------------------------


def test_tick_delivers_the_outbox_exactly_once(ref, violin):
    m = roster(ref, violin, NAMES[:4])
    project = make_project(ref)
    add_need(ref, project, violin, "first_come", quantity=1)
    dispatch.send_project(ref, project.projectId)
    answer(ref, m[0], "accept")  # confirmation + 3 position_filled
    messages = outbox_rows(ref)
    assert Counter(r.messageType for r in messages) == {"request": 4, "confirmation": 1, "position_filled": 3}
    assert {r.status for r in messages} == {"pending"}

    first = scheduler.tick(ref)
    assert first["delivered"] == 8 and first["failed"] == 0
    assert {r.status for r in outbox_rows(ref)} == {"simulated"}
    assert all(r.sentAt is not None for r in outbox_rows(ref))
    with tenancy.orchestra_session(ref) as session:
        logs = session.exec(select(CommunicationLog)).all()
    assert Counter(log.type for log in logs) == {"request_sent": 4, "confirmation_sent": 1, "position_filled_sent": 3}
    assert {log.requestId for log in logs} == {r.requestId for r in messages}

    second = scheduler.tick(ref)
    assert second["delivered"] == 0
    assert count(ref, CommunicationLog) == 8
    assert [msg["status"] for msg in outbox.list_outbox(ref, 500)] == ["simulated"] * 8


def test_every_message_names_the_deadline_and_carries_the_link(ref, violin):
    from services.messaging import templates
    from services.settings import get_settings

    m = roster(ref, violin, ["Alva"]) + roster(ref, violin, ["Edith"], language="en")
    project = make_project(ref)
    add_need(ref, project, violin, "parallel", quantity=2, hours=48)
    dispatch.send_project(ref, project.projectId)
    clock.advance(timedelta(hours=36))
    assert scheduler.tick(ref)["reminders"] == 2
    tz = get_settings().timezone
    for musician, language in zip(m, ("sv", "en"), strict=True):
        req = request_of(ref, musician)
        deadline = templates.format_date(req.deadlineAt, language, tz, with_time=True)
        link = tokens.response_url(ref, token_for(ref, req.requestId))
        for message_type in ("request", "reminder"):
            [row] = outbox_rows(ref, channel="email", message_type=message_type, request_pk=req.pk)
            assert deadline in row.body, (message_type, language, row.body)
            assert outbox.links_in(row.body) == [link]
            assert "{{" not in row.body and "{{" not in (row.subject or "")
    english = outbox_rows(ref, message_type="request", request_pk=request_of(ref, m[1]).pk)[0]
    assert english.subject.startswith("Engagement request")


# ----- webhook events ---------------------------------------------------------------------------------------


def test_webhook_events_are_queued_in_the_outbox(ref, violin):
    with tenancy.central_session() as session:
        session.get(Orchestra, ref.id).webhookUrl = "http://127.0.0.1:9/hooks"
        session.commit()
    tenancy.forget_cached_orchestras()
    m = roster(ref, violin, NAMES[:3])
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential")
    dispatch.send_project(ref, project.projectId)  # request.sent (Alva)
    answer(ref, m[0], "decline")  # request.declined, request.sent (Bo)
    clock.advance(timedelta(hours=24))
    with tenancy.orchestra_session(ref) as session:  # time out without delivering (no receiver here)
        due = dispatch.due_timeouts(session, clock.now())
    assert dispatch.time_out_requests(ref, project.pk, [r for _, r in due]) == (1, 1)  # timed_out, sent (Cecilia)
    answer(ref, m[2], "accept")  # request.accepted, need.filled, project.filled

    rows = outbox_rows(ref, channel="webhook")
    assert [r.messageType for r in rows] == [
        "request.sent", "request.declined", "request.sent", "request.timed_out", "request.sent",
        "request.accepted", "need.filled", "project.filled",
    ]
    reqs = {r.pk: r for r in requests(ref)}
    for row in rows:
        assert row.recipient == "http://127.0.0.1:9/hooks" and row.status == "pending"
        payload = row.payload
        assert set(payload) == {"id", "type", "createdAt", "orchestra", "data"}
        assert payload["id"] == row.messageId and payload["type"] == row.messageType
        assert payload["orchestra"] == ref.subdomain and payload["createdAt"].endswith("Z")
        assert payload["data"]["projectId"] == project.projectId
        if row.messageType.startswith("request."):
            assert payload["data"]["projectNeedId"] == need.projectNeedId
            assert payload["data"]["requestId"] in {r.requestId for r in reqs.values()}
    statuses_in_events = [r.payload["data"]["status"] for r in rows if r.messageType.startswith("request.")]
    assert statuses_in_events == ["pending", "declined", "pending", "timed_out", "pending", "accepted"]
    filled = rows[6].payload["data"]
    assert filled == {"projectId": project.projectId, "projectNeedId": need.projectNeedId, "accepted": 1,
                      "quantity": 1}
    assert rows[7].payload["data"] == {"projectId": project.projectId}


def test_project_filled_only_when_every_need_is_filled(ref, violin):
    from tests.engine_helpers import VIOLA_TUTTI

    with tenancy.central_session() as session:
        session.get(Orchestra, ref.id).webhookUrl = "http://127.0.0.1:9/hooks"
        session.commit()
    tenancy.forget_cached_orchestras()
    viola = position(ref, VIOLA_TUTTI)
    v = roster(ref, violin, ["Vera"])
    o = roster(ref, viola, ["Ola"])
    project = make_project(ref)
    add_need(ref, project, violin, "sequential")
    add_need(ref, project, viola, "sequential")
    dispatch.send_project(ref, project.projectId)
    answer(ref, v[0], "accept")
    assert [r.messageType for r in outbox_rows(ref, channel="webhook")][-1] == "need.filled"
    answer(ref, o[0], "accept")
    types = [r.messageType for r in outbox_rows(ref, channel="webhook")]
    assert types.count("need.filled") == 2 and types.count("project.filled") == 1 and types[-1] == "project.filled"


def test_no_webhook_rows_without_a_url(ref, sent):
    m, project, need = sent
    answer(ref, m[0], "accept")
    assert count(ref, Outbox, Outbox.channel == "webhook") == 0
    with tenancy.orchestra_session(ref) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(ProjectNeed)).scalar_one() == 1
