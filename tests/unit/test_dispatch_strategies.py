"""Request strategies (SPEC.md §Request engine; ORIGINAL_BEHAVIOUR.md §2.3, §2.8 with its corrections).

sequential: one request at a time until the quantity is filled (any quantity ≥ 1); parallel: accepted + pending
is kept at the quantity; first_come: a wave of min(maxRecipients or all, available) when nothing is pending and
seats remain; a filled first_come need cancels its other pending requests and tells those musicians.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from services import clock, dispatch, outbox, scheduler
from tests.engine_helpers import (
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    add_musician,
    add_need,
    answer,
    asked,
    make_orchestra,
    make_project,
    need_status,
    of_need,
    position,
    rank,
    request_of,
    requests,
    roster,
    statuses,
    token_for,
)

NAMES = ["Alva", "Bo", "Cecilia", "David", "Elsa", "Filip", "Greta", "Hugo"]


@pytest.fixture
def ref(installation):
    return make_orchestra()


@pytest.fixture
def violin(ref):
    return position(ref, VIOLIN_TUTTI)


def pending(ref, need) -> list[int]:
    return [r.musician_pk for r in of_need(requests(ref), need, "pending")]


def time_out_everything_due(ref, hours: float = 24) -> dict:
    clock.advance(timedelta(hours=hours))
    return scheduler.tick(ref)


# ----- sequential -----------------------------------------------------------------------------------------


def test_sequential_quantity_1_asks_one_at_a_time(ref, violin):
    m = roster(ref, violin, NAMES[:4])
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential", quantity=1)

    assert dispatch.send_project(ref, project.projectId)["sent"] == 1
    assert pending(ref, need) == [m[0]]

    assert answer(ref, m[0], "decline").outcome == "declined"
    assert pending(ref, need) == [m[1]]  # the next one, at once

    result = time_out_everything_due(ref)
    assert result["timeouts"] == 1 and result["refills"] == 1
    assert request_of(ref, m[1]).status == "timed_out"
    assert pending(ref, need) == [m[2]]

    assert answer(ref, m[2], "accept").outcome == "accepted"
    assert need_status(ref, need) == "completed"
    assert pending(ref, need) == []
    assert asked(ref, need) == m[:3]  # m[3] is never asked
    assert dispatch.send_project(ref, project.projectId)["sent"] == 0


def test_sequential_quantity_3_fills_one_musician_at_a_time(ref, violin):
    m = roster(ref, violin, NAMES[:7])
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential", quantity=3)

    assert dispatch.send_project(ref, project.projectId)["sent"] == 1
    assert pending(ref, need) == [m[0]]

    assert answer(ref, m[0], "accept").outcome == "accepted"
    assert need_status(ref, need) == "active"
    assert pending(ref, need) == [m[1]]  # an accept with seats left asks the next one

    answer(ref, m[1], "decline")
    assert pending(ref, need) == [m[2]]

    time_out_everything_due(ref)
    assert request_of(ref, m[2]).status == "timed_out"
    assert pending(ref, need) == [m[3]]

    answer(ref, m[3], "accept")
    assert pending(ref, need) == [m[4]]
    answer(ref, m[4], "accept")

    assert statuses(ref, need) == Counter({"accepted": 3, "declined": 1, "timed_out": 1})
    assert need_status(ref, need) == "completed"
    assert asked(ref, need) == m[:5]
    assert dispatch.send_project(ref, project.projectId)["sent"] == 0


def test_sequential_never_has_two_pending(ref, violin):
    m = roster(ref, violin, NAMES[:5])
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential", quantity=2)
    dispatch.send_project(ref, project.projectId)
    for musician in m[:4]:
        assert len(pending(ref, need)) <= 1
        if pending(ref, need):
            answer(ref, musician, "decline")
    assert len(pending(ref, need)) == 1 and pending(ref, need) == [m[4]]


# ----- parallel -------------------------------------------------------------------------------------------


def test_parallel_quantity_1(ref, violin):
    m = roster(ref, violin, NAMES[:4])
    project = make_project(ref)
    need = add_need(ref, project, violin, "parallel", quantity=1)

    assert dispatch.send_project(ref, project.projectId)["sent"] == 1
    answer(ref, m[0], "decline")
    assert pending(ref, need) == [m[1]]
    time_out_everything_due(ref)
    assert pending(ref, need) == [m[2]]
    answer(ref, m[2], "accept")
    assert pending(ref, need) == [] and need_status(ref, need) == "completed"
    assert asked(ref, need) == m[:3]


def test_parallel_quantity_3_keeps_accepted_plus_pending_at_quantity(ref, violin):
    m = roster(ref, violin, NAMES[:8])
    project = make_project(ref)
    need = add_need(ref, project, violin, "parallel", quantity=3)

    def accepted_plus_pending() -> int:
        counts = statuses(ref, need)
        return counts["accepted"] + counts["pending"]

    assert dispatch.send_project(ref, project.projectId)["sent"] == 3
    assert pending(ref, need) == m[:3]

    clock.advance(timedelta(hours=1))
    answer(ref, m[0], "decline")  # one replacement
    assert pending(ref, need) == [m[1], m[2], m[3]]
    assert accepted_plus_pending() == 3

    answer(ref, m[1], "accept")  # none after an accept
    assert pending(ref, need) == [m[2], m[3]]
    assert accepted_plus_pending() == 3

    clock.advance(timedelta(hours=23))  # m[2] was sent an hour before m[3]
    result = scheduler.tick(ref)
    assert result["timeouts"] == 1 and result["refills"] == 1
    assert request_of(ref, m[2]).status == "timed_out"
    assert pending(ref, need) == [m[3], m[4]]
    assert accepted_plus_pending() == 3

    answer(ref, m[3], "accept")
    assert pending(ref, need) == [m[4]]
    answer(ref, m[4], "accept")
    assert statuses(ref, need) == Counter({"accepted": 3, "declined": 1, "timed_out": 1})
    assert need_status(ref, need) == "completed"
    assert asked(ref, need) == m[:5]


def test_parallel_with_a_short_list_asks_everyone_it_can(ref, violin):
    m = roster(ref, violin, NAMES[:2])
    project = make_project(ref)
    need = add_need(ref, project, violin, "parallel", quantity=3)
    assert dispatch.send_project(ref, project.projectId)["sent"] == 2
    answer(ref, m[0], "decline")
    assert pending(ref, need) == [m[1]]  # nobody left to replace them


# ----- first_come -----------------------------------------------------------------------------------------


def test_first_come_quantity_1_without_max_recipients_asks_everyone(ref, violin):
    m = roster(ref, violin, NAMES[:4])
    project = make_project(ref)
    need = add_need(ref, project, violin, "first_come", quantity=1)

    assert dispatch.send_project(ref, project.projectId)["sent"] == 4
    answer(ref, m[0], "decline")
    assert pending(ref, need) == m[1:]  # no refill, and nobody left anyway

    assert answer(ref, m[1], "accept").outcome == "accepted"
    assert need_status(ref, need) == "completed"
    reqs = requests(ref)
    for musician in (m[2], m[3]):
        cancelled = request_of(ref, musician)
        assert cancelled.status == "cancelled" and cancelled.response == "position_filled"
        assert cancelled.respondedAt is not None

    filled_mail = [msg for msg in outbox.list_outbox(ref, 500) if msg["messageType"] == "position_filled"]
    recipients = {r.musician_pk for r in reqs if r.status == "cancelled"}
    assert len(filled_mail) == len(recipients) == 2

    late = answer(ref, m[2], "accept")
    assert late.outcome == "position_filled" and late.status == "cancelled"
    assert answer(ref, m[3], "decline").outcome == "position_filled"
    assert statuses(ref, need) == Counter({"accepted": 1, "declined": 1, "cancelled": 2})


def test_first_come_position_filled_mail_goes_to_each_cancelled_musician(ref, violin):
    m = roster(ref, violin, NAMES[:3])
    project = make_project(ref)
    add_need(ref, project, violin, "first_come", quantity=1)
    dispatch.send_project(ref, project.projectId)
    answer(ref, m[0], "accept")
    mails = [msg for msg in outbox.list_outbox(ref, 500) if msg["messageType"] == "position_filled"]
    emails_of_cancelled = {msg["recipient"] for msg in outbox.list_outbox(ref, 500)
                           if msg["messageType"] == "request"} - {
        msg["recipient"] for msg in outbox.list_outbox(ref, 500) if msg["messageType"] == "confirmation"}
    assert sorted(msg["recipient"] for msg in mails) == sorted(emails_of_cancelled)
    assert len(mails) == 2


def test_first_come_quantity_1_with_max_recipients_sends_waves(ref, violin):
    m = roster(ref, violin, NAMES[:6])
    project = make_project(ref)
    need = add_need(ref, project, violin, "first_come", quantity=1, max_recipients=2)

    assert dispatch.send_project(ref, project.projectId)["sent"] == 2
    assert pending(ref, need) == m[:2]

    clock.advance(timedelta(hours=1))
    answer(ref, m[0], "decline")
    assert pending(ref, need) == [m[1]]  # no refill while any of the wave is pending
    assert dispatch.send_project(ref, project.projectId)["sent"] == 0

    clock.advance(timedelta(hours=23))  # m[1]'s deadline: the whole wave has answered
    scheduler.tick(ref)
    assert request_of(ref, m[1]).status == "timed_out"
    assert pending(ref, need) == [m[2], m[3]]  # a new wave

    answer(ref, m[3], "accept")
    assert need_status(ref, need) == "completed"
    assert request_of(ref, m[2]).status == "cancelled"
    assert asked(ref, need) == m[:4]


def test_first_come_quantity_2_with_max_recipients(ref, violin):
    m = roster(ref, violin, NAMES[:8])
    project = make_project(ref)
    need = add_need(ref, project, violin, "first_come", quantity=2, max_recipients=3)

    assert dispatch.send_project(ref, project.projectId)["sent"] == 3
    answer(ref, m[0], "accept")
    assert pending(ref, need) == [m[1], m[2]] and need_status(ref, need) == "active"
    answer(ref, m[1], "decline")
    assert pending(ref, need) == [m[2]]
    answer(ref, m[2], "decline")
    assert pending(ref, need) == [m[3], m[4], m[5]]  # wave answered, one seat left: a new wave of 3

    answer(ref, m[4], "accept")
    assert need_status(ref, need) == "completed"
    for musician in (m[3], m[5]):
        assert request_of(ref, musician).status == "cancelled"
        assert request_of(ref, musician).response == "position_filled"
    assert answer(ref, m[3], "accept").outcome == "position_filled"
    assert statuses(ref, need) == Counter({"accepted": 2, "declined": 2, "cancelled": 2})
    assert asked(ref, need) == m[:6]


def test_first_come_wave_answered_by_an_accept_with_seats_left_sends_a_new_wave(ref, violin):
    m = roster(ref, violin, NAMES[:6])
    project = make_project(ref)
    need = add_need(ref, project, violin, "first_come", quantity=2, max_recipients=2)
    dispatch.send_project(ref, project.projectId)
    answer(ref, m[0], "decline")
    assert pending(ref, need) == [m[1]]
    answer(ref, m[1], "accept")  # the last of the wave answers yes: one seat is still empty
    assert pending(ref, need) == [m[2], m[3]]


def test_first_come_quantity_2_without_max_recipients(ref, violin):
    m = roster(ref, violin, NAMES[:5])
    project = make_project(ref)
    need = add_need(ref, project, violin, "first_come", quantity=2)

    assert dispatch.send_project(ref, project.projectId)["sent"] == 5
    answer(ref, m[3], "accept")
    assert need_status(ref, need) == "active" and len(pending(ref, need)) == 4
    answer(ref, m[1], "accept")
    assert need_status(ref, need) == "completed"
    assert statuses(ref, need) == Counter({"accepted": 2, "cancelled": 3})
    assert {r.response for r in of_need(requests(ref), need, "cancelled")} == {"position_filled"}
    late = answer(ref, m[0], "accept")
    assert late.outcome == "position_filled"
    assert statuses(ref, need)["accepted"] == 2


# ----- common rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "quantity", "max_recipients", "expected"),
    [("sequential", 1, None, 1), ("sequential", 3, None, 1), ("parallel", 3, None, 3),
     ("first_come", 1, None, 5), ("first_come", 2, 3, 3)],
)
def test_send_twice_sends_nothing_new(ref, violin, strategy, quantity, max_recipients, expected):
    roster(ref, violin, NAMES[:5])
    project = make_project(ref)
    need = add_need(ref, project, violin, strategy, quantity=quantity, max_recipients=max_recipients)
    first = dispatch.send_project(ref, project.projectId)
    assert first["sent"] == expected
    assert first["needs"] == [{"projectNeedId": need.projectNeedId, "sent": expected}]
    before = requests(ref)
    second = dispatch.send_project(ref, project.projectId)
    assert second["sent"] == 0 and second["needs"] == [{"projectNeedId": need.projectNeedId, "sent": 0}]
    assert requests(ref) == before
    assert dispatch.refill_need(ref, need.pk) == 0


def test_one_request_per_musician_per_project_across_two_needs(ref, violin):
    viola = position(ref, VIOLA_TUTTI)
    both = add_musician(ref, "Tova", qualified=[violin, viola])
    violinists = [add_musician(ref, n, qualified=[violin]) for n in ("Vera", "Viktor")]
    violists = [add_musician(ref, n, qualified=[viola]) for n in ("Ola", "Otto")]
    rank(ref, violin, [both, *violinists])
    rank(ref, viola, [both, *violists])
    project = make_project(ref)
    violin_need = add_need(ref, project, violin, "sequential")
    viola_need = add_need(ref, project, viola, "sequential")

    dispatch.send_project(ref, project.projectId)
    assert asked(ref, violin_need) == [both]
    assert asked(ref, viola_need) == [violists[0]]

    answer(ref, both, "decline")  # a no counts for the whole project
    assert asked(ref, violin_need) == [both, violinists[0]]
    answer(ref, violists[0], "decline")
    assert asked(ref, viola_need) == [violists[0], violists[1]]
    assert [r.musician_pk for r in requests(ref)].count(both) == 1


def test_a_cancelled_request_does_not_count_as_asked(ref, violin):
    viola = position(ref, VIOLA_TUTTI)
    both = add_musician(ref, "Tova", qualified=[violin, viola])
    winner = add_musician(ref, "Vera", qualified=[violin])
    violist = add_musician(ref, "Ola", qualified=[viola])
    rank(ref, violin, [both, winner])
    rank(ref, viola, [both, violist])
    project = make_project(ref)
    violin_need = add_need(ref, project, violin, "first_come", quantity=1)
    viola_need = add_need(ref, project, viola, "sequential")

    dispatch.send_project(ref, project.projectId)
    assert asked(ref, violin_need) == [both, winner]
    assert asked(ref, viola_need) == [violist]  # Tova was picked for the violin need in this run

    answer(ref, winner, "accept")  # Tova's violin request is cancelled: position filled
    assert request_of(ref, both, violin_need).status == "cancelled"
    preview = dispatch.preview_project(ref, project.projectId)
    viola_preview = next(n for n in preview["needs"] if n["projectNeedId"] == viola_need.projectNeedId)
    assert all(s["reason"] != "already_asked" for s in viola_preview["skipped"] if s["name"].startswith("Tova"))

    answer(ref, violist, "decline")
    assert asked(ref, viola_need) == [violist, both]  # asked again, for the other need
    assert request_of(ref, both, viola_need).status == "pending"
    live = [r for r in requests(ref) if r.musician_pk == both and r.status != "cancelled"]
    assert len(live) == 1


def test_tokens_of_requests_are_distinct_and_answerable(ref, violin):
    roster(ref, violin, NAMES[:3])
    project = make_project(ref)
    add_need(ref, project, violin, "first_come", quantity=1)
    dispatch.send_project(ref, project.projectId)
    links = [msg["links"][0] for msg in outbox.list_outbox(ref, 500) if msg["messageType"] == "request"]
    raw = sorted(link.rsplit("/", 1)[1] for link in links)
    assert raw == sorted(token_for(ref, r.requestId) for r in requests(ref))
    assert len(set(raw)) == 3
