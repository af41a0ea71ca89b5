"""services.projects and services.rankings, called directly: projects, the need rules of ORIGINAL_BEHAVIOUR.md
§2.14 with SPEC.md's corrections, edits after sending (requests made by ``dispatch.send_project``), pausing and
resuming, custom lists, the ranking order writer, group e-mail and the communication log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.orchestra import Musician, Ranking, RankingList, Request
from services import clock, dispatch, musicians, projects, provisioning, rankings, tenancy
from services.errors import Conflict, NotFound, ValidationError

VIOLIN = "POS004"  # Tutti violin 1
VIOLA = "POS007"


@pytest.fixture
def ref(installation):
    return provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                         contact_email="kansli@acme.test", create_admin=False).orchestra


def a_list(ref, position_id: str) -> str:
    lists = rankings.list_position_lists(ref, position_id)
    return next(rl["rankingListId"] for rl in lists if rl["listType"] == "A")


def roster(ref, position_id: str, size: int, **fields) -> tuple[str, list[str]]:
    ids = []
    for _ in range(size):
        n = len(musicians.list_musicians(ref)[0]) + 1
        ids.append(musicians.create_musician(ref, {"firstName": f"M{n}", "lastName": "Musiker",
                                                   "email": f"m{n}@example.se", "qualifications": [position_id]}
                                             | fields)["musicianId"])
    list_id = a_list(ref, position_id)
    current = rankings.get_ranking_list(ref, list_id)["musicians"]
    rankings.replace_order(ref, list_id, current + ids)
    return list_id, ids


def new_project(ref, name="Mahler 5", start="2031-03-03") -> str:
    return projects.create_project(ref, {"name": name, "startDate": start})["projectId"]


def new_need(ref, project_id, list_id, strategy="sequential", quantity=1, position_id=VIOLIN, **fields) -> dict:
    return projects.create_need(ref, project_id, {"positionId": position_id, "rankingListId": list_id,
                                                  "requestStrategy": strategy, "quantity": quantity} | fields)


def statuses(ref, project_id: str) -> list[str]:
    return [r["status"] for r in dispatch.list_requests(ref, project_id)]


def answer(ref, project_id: str, index: int, what: str) -> None:
    dispatch.respond_on_behalf(ref, dispatch.list_requests(ref, project_id)[index]["requestId"], what, staff="t")


# ----- projects ------------------------------------------------------------------------------------------------


def test_project_week_defaults_to_the_iso_week_in_the_orchestra_time_zone(ref):
    # Sunday 23:30 UTC is Monday 00:30 in Stockholm: week 2, not week 1.
    late = projects.create_project(ref, {"name": "Natt", "startDate": "2031-01-05T23:30:00Z"})
    assert late["weekNumber"] == 2
    plain = projects.create_project(ref, {"name": "Dag", "startDate": "2031-01-05"})
    assert plain["startDate"] == datetime(2031, 1, 5, tzinfo=UTC) and plain["weekNumber"] == 1
    given = projects.create_project(ref, {"name": "Given", "startDate": "2031-01-05", "weekNumber": 7})
    assert given["weekNumber"] == 7
    with pytest.raises(ValidationError) as caught:
        projects.create_project(ref, {"name": " ", "startDate": "2031-13-01", "notes": 5})
    assert set(caught.value.fields) == {"name", "startDate", "notes"}


def test_projects_list_newest_first_with_staffing(ref):
    list_id, _ = roster(ref, VIOLIN, 2)
    old = new_project(ref, "Gammal", "2031-01-01")
    newer = new_project(ref, "Ny", "2031-06-01")
    new_need(ref, newer, list_id, "parallel", 2)
    dispatch.send_project(ref, newer)
    answer(ref, newer, 0, "accept")
    items, total = projects.list_projects(ref)
    assert total == 2 and [p["projectId"] for p in items] == [newer, old]
    assert items[0]["staffing"] == {"quantity": 2, "accepted": 1, "pending": 1, "filled": False}
    assert items[0]["needCount"] == 1
    assert projects.list_projects(ref, date_from="2031-02-01")[1] == 1
    with pytest.raises(ValidationError):
        projects.list_projects(ref, date_to="later")
    with pytest.raises(NotFound):
        projects.get_project(ref, "PROJ999")


# ----- needs: create-time rules --------------------------------------------------------------------------------


def test_every_strategy_accepts_quantity_one_and_more(ref):
    list_id, _ = roster(ref, VIOLIN, 3)
    project_id = new_project(ref)
    for strategy in projects.STRATEGIES:
        for quantity in (1, 3):
            created = new_need(ref, project_id, list_id, strategy, quantity)
            assert created["quantity"] == quantity and created["requestStrategy"] == strategy
    assert len(projects.get_project(ref, project_id)["needs"]) == 6


def test_first_come_max_recipients_must_cover_the_quantity(ref):
    list_id, _ = roster(ref, VIOLIN, 3)
    project_id = new_project(ref)
    with pytest.raises(ValidationError) as caught:
        new_need(ref, project_id, list_id, "first_come", 3, maxRecipients=2)
    assert caught.value.fields == {"maxRecipients": "at least the quantity for first_come"}
    assert new_need(ref, project_id, list_id, "first_come", 2, maxRecipients=2)["maxRecipients"] == 2
    assert new_need(ref, project_id, list_id, "first_come", 2)["maxRecipients"] is None  # everyone at once


def test_the_list_must_have_musicians_who_can_be_asked(ref):
    list_id, ids = roster(ref, VIOLIN, 2)
    project_id = new_project(ref)
    musicians.update_musician(ref, ids[0], {"isActive": False})
    with pytest.raises(ValidationError) as caught:
        new_need(ref, project_id, list_id, "parallel", 2)
    assert caught.value.code == "not_enough_musicians" and caught.value.fields == {"quantity": "at most 1"}
    with pytest.raises(ValidationError) as caught:
        new_need(ref, project_id, list_id, requireLocalResidence=True)
    assert caught.value.code == "list_empty"
    need = new_need(ref, project_id, list_id)
    dispatch.send_project(ref, project_id)  # asks ids[1]: no one is left to ask in this project
    with pytest.raises(ValidationError) as caught:
        new_need(ref, project_id, list_id)
    assert caught.value.code == "list_empty"
    assert need["pending"] == 0


def test_position_needs_an_active_qualified_musician(ref):
    project_id = new_project(ref)
    musicians.create_musician(ref, {"firstName": "A", "lastName": "B", "email": "a@b.se",
                                    "qualifications": [VIOLA]})
    archived = musicians.create_musician(ref, {"firstName": "C", "lastName": "D", "email": "c@d.se",
                                               "qualifications": [VIOLIN]})["musicianId"]
    musicians.archive_musician(ref, archived)
    with pytest.raises(ValidationError) as caught:
        new_need(ref, project_id, a_list(ref, VIOLIN))
    assert caught.value.code == "no_qualified_musicians" and "positionId" in caught.value.fields


def test_response_time_bounds_and_default(ref):
    list_id, _ = roster(ref, VIOLIN, 1)
    project_id = new_project(ref)
    for hours in (0, 4501, -1):
        with pytest.raises(ValidationError):
            new_need(ref, project_id, list_id, responseTimeHours=hours)
    assert new_need(ref, project_id, list_id, responseTimeHours=None)["responseTimeHours"] == 24
    assert new_need(ref, project_id, list_id, responseTimeHours=1)["responseTimeHours"] == 1


# ----- needs: edits after sending ------------------------------------------------------------------------------


def test_quantity_can_always_be_raised_and_never_below_accepted(ref):
    list_id, _ = roster(ref, VIOLIN, 4)
    project_id = new_project(ref)
    need_id = new_need(ref, project_id, list_id, "sequential", 1)["projectNeedId"]
    dispatch.send_project(ref, project_id)
    answer(ref, project_id, 0, "accept")
    assert projects.get_need(ref, need_id)["status"] == "completed"
    raised = projects.update_need(ref, need_id, {"quantity": 2})  # a filled need fills again
    assert raised["status"] == "active" and raised["pending"] == 1 and statuses(ref, project_id) == [
        "accepted", "pending"]
    answer(ref, project_id, 1, "accept")
    with pytest.raises(Conflict) as caught:
        projects.update_need(ref, need_id, {"quantity": 1})
    assert caught.value.code == "quantity_below_accepted" and caught.value.fields == {"quantity": "at least 2"}


def test_locked_fields_after_the_first_request(ref):
    list_id, _ = roster(ref, VIOLIN, 3)
    project_id = new_project(ref)
    need_id = new_need(ref, project_id, list_id, "first_come", 1, maxRecipients=2)["projectNeedId"]
    changed = projects.update_need(ref, need_id, {"maxRecipients": 3, "responseTimeHours": 12})
    assert changed["maxRecipients"] == 3 and changed["responseTimeHours"] == 12
    dispatch.send_project(ref, project_id)
    for field, value in (("requestStrategy", "parallel"), ("responseTimeHours", 6), ("maxRecipients", 2)):
        with pytest.raises(Conflict) as caught:
            projects.update_need(ref, need_id, {field: value})
        assert caught.value.code == "field_locked" and set(caught.value.fields) == {field}
    for field, value in (("positionId", VIOLA), ("rankingListId", "RANK999"), ("customListId", "CLIST001")):
        with pytest.raises(Conflict) as caught:
            projects.update_need(ref, need_id, {field: value})
        assert caught.value.fields == {field: "fixed when the need is created"}
    same = projects.update_need(ref, need_id, {"requestStrategy": "first_come", "maxRecipients": 3,
                                               "positionId": VIOLIN, "rankingListId": list_id})
    assert same["lockedFields"] == [*projects.ALWAYS_LOCKED, *projects.LOCKED_AFTER_SENDING]


def test_status_transitions(ref):
    list_id, _ = roster(ref, VIOLIN, 4)
    project_id = new_project(ref)
    need_id = new_need(ref, project_id, list_id, "parallel", 2)["projectNeedId"]
    assert projects.update_need(ref, need_id, {"status": "paused"})["status"] == "paused"
    assert projects.update_need(ref, need_id, {"status": "paused"})["status"] == "paused"
    assert projects.update_need(ref, need_id, {"status": "completed"})["status"] == "completed"
    with pytest.raises(Conflict) as caught:
        projects.update_need(ref, need_id, {"status": "paused"})
    assert caught.value.code == "invalid_transition"
    assert projects.get_need(ref, need_id)["status"] == "completed"
    # A completed need that is not filled may be set active again explicitly (it was not sent yet: no refill).
    assert projects.update_need(ref, need_id, {"status": "active"})["status"] == "active"
    projects.update_need(ref, need_id, {"status": "cancelled"})
    for status in ("active", "paused", "completed"):
        with pytest.raises(Conflict) as caught:
            projects.update_need(ref, need_id, {"status": status})
        assert caught.value.code == "need_cancelled"
    with pytest.raises(ValidationError):
        projects.update_need(ref, need_id, {"status": "archived"})


def test_a_filled_need_is_not_set_active_without_more_seats(ref):
    list_id, _ = roster(ref, VIOLIN, 2)
    project_id = new_project(ref)
    need_id = new_need(ref, project_id, list_id)["projectNeedId"]
    dispatch.send_project(ref, project_id)
    answer(ref, project_id, 0, "accept")
    with pytest.raises(Conflict) as caught:
        projects.update_need(ref, need_id, {"status": "active"})
    assert caught.value.code == "need_filled"


def test_pause_and_resume_a_project(ref):
    violin_list, _ = roster(ref, VIOLIN, 4)
    viola_list, _ = roster(ref, VIOLA, 2)
    project_id = new_project(ref)
    violins = new_need(ref, project_id, violin_list, "sequential", 2)["projectNeedId"]
    violas = new_need(ref, project_id, viola_list, "sequential", 1, position_id=VIOLA)["projectNeedId"]
    dispatch.send_project(ref, project_id)
    requests = {r["projectNeedId"]: r for r in dispatch.list_requests(ref, project_id)}
    dispatch.respond_on_behalf(ref, requests[violas]["requestId"], "accept", staff="t")
    assert projects.get_need(ref, violas)["status"] == "completed"

    paused = projects.pause_project(ref, project_id)
    assert {n["projectNeedId"]: n["status"] for n in paused["needs"]} == {violins: "paused", violas: "completed"}
    dispatch.respond_on_behalf(ref, requests[violins]["requestId"], "decline", staff="t")
    assert projects.get_need(ref, violins)["pending"] == 0  # no replacement while paused
    # Reminders wait too: none is due for a paused need.
    clock.advance(timedelta(hours=23))
    with tenancy.orchestra_session(ref) as session:
        assert dispatch.due_reminders(session, clock.now()) == []

    resumed = projects.resume_project(ref, project_id)
    by_id = {n["projectNeedId"]: n for n in resumed["needs"]}
    assert by_id[violins]["status"] == "active" and by_id[violins]["pending"] == 1  # refilled at once
    assert by_id[violas]["status"] == "completed"  # never reopened by a resume


def test_cancelling_leaves_pending_requests_and_an_accept_then_finds_the_seat_gone(ref):
    list_id, _ = roster(ref, VIOLIN, 2)
    project_id = new_project(ref)
    need_id = new_need(ref, project_id, list_id, "parallel", 2)["projectNeedId"]
    dispatch.send_project(ref, project_id)
    cancelled = projects.update_need(ref, need_id, {"status": "cancelled"})
    assert cancelled["pending"] == 2 and statuses(ref, project_id) == ["pending", "pending"]
    outcome = dispatch.respond_on_behalf(ref, dispatch.list_requests(ref, project_id)[0]["requestId"], "accept",
                                         staff="t")
    assert outcome.outcome == "position_filled"
    assert projects.get_need(ref, need_id)["accepted"] == 0


def test_custom_list_rules(ref):
    violin_list, ids = roster(ref, VIOLIN, 3)
    project_id = new_project(ref, "Brahms", "2031-05-05")
    other_project = new_project(ref, "Annat")
    custom = projects.create_custom_list(ref, project_id, VIOLIN, [ids[2], ids[0]])
    assert custom["name"] == "V. 19 Brahms" and custom["musicians"] == [ids[2], ids[0]]
    with pytest.raises(Conflict) as caught:
        projects.create_custom_list(ref, project_id, VIOLIN)
    assert caught.value.code == "custom_list_exists"
    assert projects.create_custom_list(ref, other_project, VIOLIN)["musicians"] == []
    with pytest.raises(ValidationError):
        projects.create_custom_list(ref, project_id, "POS999")
    body = {"positionId": VIOLIN, "customListId": custom["customListId"], "requestStrategy": "sequential"}
    first = projects.create_need(ref, project_id, body)
    assert first["quantity"] == 1 and first["customListId"] == custom["customListId"]
    with pytest.raises(Conflict):
        projects.create_need(ref, project_id, body)
    with pytest.raises(ValidationError) as caught:
        projects.create_need(ref, project_id, body | {"positionId": VIOLA})
    assert caught.value.code == "list_of_another_position"
    dispatch.send_project(ref, project_id)
    assert dispatch.list_requests(ref, project_id)[0]["musicianId"] == ids[2]  # the custom order, not the A list
    reordered = projects.replace_custom_order(ref, custom["customListId"], [ids[0], ids[1], ids[2]])
    assert reordered["musicians"] == [ids[0], ids[1], ids[2]]
    assert [c["customListId"] for c in projects.list_custom_lists(ref, project_id)] == [custom["customListId"]]


# ----- ranking order -------------------------------------------------------------------------------------------


def test_replacing_an_order_with_odd_earlier_ranks_never_clashes(ref):
    """Lists of the earlier system may hold gaps, zero or negative ranks; any new order is written."""
    _, ids = roster(ref, VIOLIN, 5)
    list_id = a_list(ref, VIOLIN)
    with tenancy.orchestra_session(ref) as session:
        list_pk = session.exec(select(RankingList.id).where(RankingList.rankingListId == list_id)).one()
        pks = {m.musicianId: m.id for m in session.exec(select(Musician)).all()}
        session.execute(sa.delete(Ranking).where(Ranking.listId == list_pk))
        for musician_id, rank in zip(ids, (-3, 0, 7, 100, -1), strict=True):
            session.add(Ranking(listId=list_pk, musicianId=pks[musician_id], rank=rank))
        session.commit()
    assert rankings.get_ranking_list(ref, list_id)["musicians"] == [ids[0], ids[4], ids[1], ids[2], ids[3]]
    for order in ([ids[3], ids[0], ids[2]], list(reversed(ids)), ids[1:], []):
        assert rankings.replace_order(ref, list_id, order)["musicians"] == order
        with tenancy.orchestra_session(ref) as session:
            ranks = session.exec(select(Ranking.rank).where(Ranking.listId == list_pk).order_by(Ranking.rank)).all()
        assert list(ranks) == list(range(1, len(order) + 1))


def test_kept_musicians_keep_their_ranking_rows(ref):
    list_id, ids = roster(ref, VIOLIN, 3)
    with tenancy.orchestra_session(ref) as session:
        before = dict(session.execute(sa.select(Ranking.musicianId, Ranking.rankingId)).all())
    rankings.replace_order(ref, list_id, [ids[2], ids[0]])
    with tenancy.orchestra_session(ref) as session:
        after = dict(session.execute(sa.select(Ranking.musicianId, Ranking.rankingId)).all())
    assert set(after) < set(before) and all(before[pk] == after[pk] for pk in after)
    assert all(value.startswith("RNK") for value in after.values())


# ----- group e-mail and the log --------------------------------------------------------------------------------


def test_group_email_reaches_accepted_musicians_once(ref):
    violin_list, ids = roster(ref, VIOLIN, 2)
    project_id = new_project(ref)
    new_need(ref, project_id, violin_list, "parallel", 2)
    with pytest.raises(ValidationError) as caught:
        projects.send_group_email(ref, project_id, "Hej", "Meddelande")
    assert caught.value.code == "no_recipients"
    dispatch.send_project(ref, project_id)
    answer(ref, project_id, 0, "accept")
    result = projects.send_group_email(ref, project_id, "Hej", "Meddelande", position_ids=[VIOLIN, VIOLIN])
    assert result == {"recipients": 1, "queued": 1}
    log, total = projects.list_communications(ref, message_type="group_email")
    assert total == 1 and log[0]["musicianId"] == ids[0] and log[0]["requestId"] is None
    assert "Meddelande" in log[0]["body"] and log[0]["subject"] == "Hej"
    with pytest.raises(ValidationError) as caught:
        projects.send_group_email(ref, project_id, None, "x" * (projects.MESSAGE_MAX + 1), instrument_ids="INST001")
    assert set(caught.value.fields) == {"subject", "message", "instrumentIds"}
    with pytest.raises(NotFound):
        projects.send_group_email(ref, "PROJ999", "Hej", "M")
    with tenancy.orchestra_session(ref) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Request)).scalar_one() == 2


def test_group_email_without_a_template_uses_the_built_in_layout(ref):
    """An earlier system's database may lack the group_email template: the e-mail still goes, in the built-in
    layout (message escaped, StageSub footer), instead of failing."""
    from models.orchestra import EmailTemplate, GroupEmailLog, Outbox

    list_id, _ = roster(ref, VIOLIN, 1)
    project_id = new_project(ref)
    new_need(ref, project_id, list_id)
    dispatch.send_project(ref, project_id)
    answer(ref, project_id, 0, "accept")
    with tenancy.orchestra_session(ref) as session:
        session.execute(sa.delete(EmailTemplate).where(EmailTemplate.type.like("group_email%")))
        session.commit()
    assert projects.send_group_email(ref, project_id, "Hej", "<b>M</b>") == {"recipients": 1, "queued": 1}
    with tenancy.orchestra_session(ref) as session:
        row = session.exec(sa.select(Outbox).where(Outbox.messageType == "group_email")).scalar_one()
        assert row.subject == "Hej" and "StageSub" in row.body and "&lt;b&gt;M&lt;/b&gt;" in row.htmlBody
        assert session.execute(sa.select(sa.func.count()).select_from(GroupEmailLog)).scalar_one() == 1
