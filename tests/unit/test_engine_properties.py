"""Property tests of the request engine: random projects and random sequences of actions keep its invariants.

One orchestra is provisioned for the whole module (a fresh one per example would be too slow); each example
builds a fresh project with 1–3 needs (random strategies, quantities, maxRecipients, response times) whose
lists — custom lists of the project, so that examples never share candidates — come from a fresh random
roster of 4–10 musicians (some inactive, not local, not qualified or blocked out). Then a random sequence of
actions: send, answers through the link, staff answers, time passing, scheduler passes, pause/resume, a raised
quantity. After every step the invariants are checked on that project:

* accepted ≤ quantity on every need, and a need whose seats are all taken is completed with nothing pending;
* sequential has at most one pending request, parallel at most quantity accepted + pending, a first_come wave
  is at most maxRecipients;
* at most one non-cancelled request per musician in the project;
* a request leaves ``pending`` at most once, and then never changes again (status, respondedAt, answeredBy);
* every pending request has exactly one live token, the hash of its derived raw token; others have none;
* reminderSentAt never changes once set, and a request has at most one reminder in the outbox (exactly when
  reminderSentAt is set);
* after an answer (or a timeout) on a need, nothing is left undone there: ``refill_need`` sends nothing more.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from models.orchestra import Outbox, ProjectNeed, Request, RequestToken
from services import clock, dispatch, scheduler, tenancy, tokens
from services import settings as app_settings
from services.errors import Conflict
from tests.engine_helpers import (
    CELLO_TUTTI,
    CONCERTMASTER,
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    Need,
    Proj,
    add_blockout,
    add_musician,
    add_need,
    custom_list,
    make_orchestra,
    make_project,
    position,
    set_need,
    set_setting,
    token_for,
)

STRATEGIES = ("sequential", "parallel", "first_come")
ACTIONS = ("send", "accept", "decline", "staff", "answer_again", "advance", "tick", "pause", "resume", "raise")
FINAL_OUTCOME = {"accepted": "already_answered", "declined": "already_answered", "timed_out": "expired"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One migrated installation and one orchestra for the module (the ``installation`` fixture is per test)."""
    from services.migrations import upgrade_central

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STAGESUB_ENV", "test")
        mp.setenv("STAGESUB_DATA_DIR", str(tmp_path_factory.mktemp("engine-properties")))
        app_settings.reset_settings()
        tenancy.dispose_all()
        try:
            upgrade_central()
            ref = make_orchestra("props")
            positions = [position(ref, which) for which in (VIOLIN_TUTTI, VIOLA_TUTTI, CELLO_TUTTI, CONCERTMASTER)]
            yield ref, positions
        finally:
            clock.reset()
            tenancy.dispose_all()
            app_settings.reset_settings()


# ----- the scenario ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    ref: tenancy.OrchestraRef
    project: Proj
    needs: list[Need]
    status: dict[int, str] = field(default_factory=dict)  # request pk -> last seen status
    settled: dict[int, tuple] = field(default_factory=dict)  # request pk -> (status, respondedAt, answeredBy)
    reminded: dict[int, object] = field(default_factory=dict)  # request pk -> reminderSentAt once set


def build(data, ref, positions) -> Scenario:
    set_setting(ref, "ranking_conflict_strategy", data.draw(st.sampled_from(["simple", "detailed", "smart"])))
    chosen = data.draw(st.permutations(positions))[: data.draw(st.integers(1, 3), label="needs")]
    project = make_project(ref, "Egenskapsprojekt")
    size = data.draw(st.integers(4, 10), label="roster")
    roster = []
    for number in range(size):
        qualified = [p for p in chosen if data.draw(st.integers(0, 9)) > 0]  # 90 % qualified per position
        musician = add_musician(
            ref, f"M{number}", qualified=qualified,
            active=data.draw(st.sampled_from([True, True, True, True, False])),
            local=data.draw(st.sampled_from([True, True, False])),
        )
        if data.draw(st.integers(0, 9)) == 0:
            add_blockout(ref, musician, project.startDate - timedelta(days=1), project.startDate + timedelta(hours=2))
        roster.append(musician)
    needs = []
    for pos in chosen:
        strategy = data.draw(st.sampled_from(STRATEGIES))
        quantity = data.draw(st.integers(1, 3))
        max_recipients = data.draw(st.one_of(st.none(), st.integers(quantity, quantity + 2)))
        members = data.draw(st.permutations(roster))[: data.draw(st.integers(1, size))]
        needs.append(add_need(
            ref, project, pos, strategy, quantity=quantity, max_recipients=max_recipients,
            hours=data.draw(st.sampled_from([6, 24, 48])),
            require_local=data.draw(st.sampled_from([False, False, True])),
            custom_list_pk=custom_list(ref, project, pos, members),
        ))
    return Scenario(ref=ref, project=project, needs=needs)


def project_requests(scenario: Scenario) -> list[Request]:
    with tenancy.orchestra_session(scenario.ref) as session:
        return list(session.exec(
            select(Request).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
            .where(ProjectNeed.projectId == scenario.project.pk).order_by(Request.id)
        ).all())


def need_rows(scenario: Scenario) -> dict[int, ProjectNeed]:
    with tenancy.orchestra_session(scenario.ref) as session:
        return {n.id: n for n in session.exec(
            select(ProjectNeed).where(ProjectNeed.projectId == scenario.project.pk)).all()}


# ----- invariants -----------------------------------------------------------------------------------------


def check(scenario: Scenario) -> None:
    ref = scenario.ref
    reqs = project_requests(scenario)
    needs = need_rows(scenario)
    pks = [r.id for r in reqs]
    with tenancy.orchestra_session(ref) as session:
        live = Counter()
        live_token: dict[int, str] = {}
        for row in session.exec(select(RequestToken).where(RequestToken.requestId.in_(pks))).all():
            if row.usedAt is None:
                live[row.requestId] += 1
                live_token[row.requestId] = row.token
        reminders = Counter(session.exec(
            select(Outbox.requestId).where(Outbox.messageType == "reminder", Outbox.requestId.in_(pks))).all())

    for need in needs.values():
        mine = [r for r in reqs if r.projectNeedId == need.id]
        accepted = sum(r.status == "accepted" for r in mine)
        pending = sum(r.status == "pending" for r in mine)
        assert accepted <= need.quantity, f"{need.projectNeedId}: {accepted} accepted of {need.quantity}"
        if accepted >= need.quantity:
            assert need.status == "completed" and pending == 0
        if need.status == "completed":
            assert pending == 0
        if need.requestStrategy == "sequential":
            assert pending <= 1
        elif need.requestStrategy == "parallel":
            assert accepted + pending <= need.quantity
        elif need.maxRecipients:
            assert pending <= need.maxRecipients

    musicians = Counter(r.musicianId for r in reqs if r.status != "cancelled")
    assert all(n == 1 for n in musicians.values()), f"asked twice: {musicians}"

    for r in reqs:
        before = scenario.status.get(r.id)
        if before is None:
            assert r.status == "pending", f"{r.requestId} was born {r.status}"
        elif before != "pending":
            assert r.status == before, f"{r.requestId}: {before} -> {r.status}"
        if r.id in scenario.settled:
            assert (r.status, r.respondedAt, r.answeredBy) == scenario.settled[r.id]
        elif r.status != "pending":
            scenario.settled[r.id] = (r.status, r.respondedAt, r.answeredBy)
        scenario.status[r.id] = r.status

        if r.status == "pending":
            assert live[r.id] == 1, f"{r.requestId} has {live[r.id]} live tokens"
            assert live_token[r.id] == tokens.hash_token(token_for(ref, r.requestId))
        else:
            assert live[r.id] == 0, f"{r.requestId} ({r.status}) still has a live token"

        if r.id in scenario.reminded:
            assert r.reminderSentAt == scenario.reminded[r.id]
        elif r.reminderSentAt is not None:
            scenario.reminded[r.id] = r.reminderSentAt
        assert reminders[r.id] == (1 if r.reminderSentAt is not None else 0)


def nothing_left_undone(scenario: Scenario, need_pk: int) -> None:
    """After an answer or a timeout on a need, the engine already sent what the need allows."""
    assert dispatch.refill_need(scenario.ref, need_pk) == 0


# ----- actions --------------------------------------------------------------------------------------------


def act(data, scenario: Scenario, action: str) -> None:
    ref = scenario.ref
    reqs = project_requests(scenario)
    pending = [r for r in reqs if r.status == "pending"]
    settled = [r for r in reqs if r.status != "pending"]
    if action == "send":
        dispatch.send_project(ref, scenario.project.projectId)
    elif action in ("accept", "decline") and pending:
        request = data.draw(st.sampled_from(pending))
        too_late = clock.now() >= request.deadlineAt
        outcome = dispatch.handle_response(token_for(ref, request.requestId), action)
        event(f"{action} -> {outcome.outcome}")
        expected = "expired" if too_late else ("accepted" if action == "accept" else "declined")
        assert outcome.outcome == expected and outcome.requestId == request.requestId
        nothing_left_undone(scenario, request.projectNeedId)
    elif action == "staff" and reqs:
        request = data.draw(st.sampled_from(reqs))
        answer = data.draw(st.sampled_from(["accept", "decline"]))
        if request.status != "pending":
            with pytest.raises(Conflict):
                dispatch.respond_on_behalf(ref, request.requestId, answer, staff="kansliet")
            return
        outcome = dispatch.respond_on_behalf(ref, request.requestId, answer, staff="kansliet")
        assert outcome.outcome == ("accepted" if answer == "accept" else "declined")
        nothing_left_undone(scenario, request.projectNeedId)
    elif action == "answer_again" and settled:
        request = data.draw(st.sampled_from(settled))
        outcome = dispatch.handle_response(token_for(ref, request.requestId),
                                           data.draw(st.sampled_from(["accept", "decline"])))
        if request.status == "cancelled":
            expected = "position_filled" if request.response == "position_filled" else "cancelled"
        else:
            expected = FINAL_OUTCOME[request.status]
        assert outcome.outcome == expected and outcome.status == request.status
    elif action == "advance":
        clock.advance(timedelta(hours=data.draw(st.integers(1, 30))))
    elif action == "tick":
        before = {r.id: r.status for r in reqs}
        scheduler.tick(ref)
        timed_out = {r.projectNeedId for r in project_requests(scenario)
                     if before.get(r.id) == "pending" and r.status == "timed_out"}
        for need_pk in timed_out:
            nothing_left_undone(scenario, need_pk)
    elif action == "pause":
        need = data.draw(st.sampled_from(scenario.needs))
        if need_rows(scenario)[need.pk].status == "active":
            set_need(ref, need, status="paused")
    elif action == "resume":
        need = data.draw(st.sampled_from(scenario.needs))
        if need_rows(scenario)[need.pk].status == "paused":
            set_need(ref, need, status="active")
            dispatch.refill_need(ref, need.pk)
    elif action == "raise":
        need = data.draw(st.sampled_from(scenario.needs))
        set_need(ref, need, quantity=need_rows(scenario)[need.pk].quantity + 1)
        dispatch.refill_need(ref, need.pk)


@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_random_actions_keep_the_invariants(world, data):
    ref, positions = world
    scenario = build(data, ref, positions)
    check(scenario)
    actions = ["send", *data.draw(st.lists(st.sampled_from(ACTIONS), min_size=2, max_size=14), label="actions")]
    for action in actions:
        act(data, scenario, action)
        check(scenario)


@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_answers_race_through_time_and_scheduler(world, data):
    """Mostly answers and time: every request ends answered, timed out or cancelled, never twice."""
    ref, positions = world
    scenario = build(data, ref, positions)
    dispatch.send_project(ref, scenario.project.projectId)
    check(scenario)
    for _ in range(data.draw(st.integers(3, 12))):
        act(data, scenario, data.draw(st.sampled_from(["accept", "decline", "accept", "advance", "tick"])))
        check(scenario)
    clock.advance(timedelta(days=3))
    for _ in range(12):  # run the scheduler until every request of the project is settled
        scheduler.tick(ref)
        check(scenario)
        if not any(r.status == "pending" for r in project_requests(scenario)):
            break
        clock.advance(timedelta(days=3))
    assert all(r.status != "pending" for r in project_requests(scenario))
