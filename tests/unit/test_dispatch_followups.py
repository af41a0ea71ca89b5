"""Follow-ups found by the engine tests: a need freed by another need's fill, smart-strategy eligibility."""

from __future__ import annotations

import pytest

from services import dispatch
from tests.engine_helpers import (
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    add_musician,
    add_need,
    answer,
    asked,
    make_orchestra,
    make_project,
    position,
    rank,
    set_setting,
)


@pytest.fixture
def ref(installation):
    return make_orchestra()


def test_a_need_waiting_for_musicians_gets_those_freed_by_a_filled_first_come(ref):
    violin, viola = position(ref, VIOLIN_TUTTI), position(ref, VIOLA_TUTTI)
    x = add_musician(ref, "Xena", qualified=[violin, viola])
    y = add_musician(ref, "Yngve", qualified=[violin])
    z = add_musician(ref, "Zara", qualified=[viola])
    rank(ref, violin, [x, y])
    rank(ref, viola, [x, z])
    project = make_project(ref)
    violin_need = add_need(ref, project, violin, "first_come", quantity=1)
    viola_need = add_need(ref, project, viola, "sequential", quantity=1)
    dispatch.send_project(ref, project.projectId)
    assert set(asked(ref, violin_need)) == {x, y} and asked(ref, viola_need) == [z]

    assert answer(ref, z, "decline").outcome == "declined"  # the viola need has nobody left: it waits
    assert asked(ref, viola_need) == [z]
    assert answer(ref, y, "accept").outcome == "accepted"  # violin filled: Xena's violin request is cancelled

    assert asked(ref, viola_need) == [z, x]  # ... and the waiting viola need asks her at once


def test_smart_strategy_ignores_a_best_need_the_musician_cannot_be_asked_for(ref):
    violin, viola = position(ref, VIOLIN_TUTTI), position(ref, VIOLA_TUTTI)
    set_setting(ref, "ranking_conflict_strategy", "smart")
    x = add_musician(ref, "Xena", qualified=[violin])  # on the viola list, but not qualified for it
    rank(ref, viola, [x])
    rank(ref, violin, [add_musician(ref, "Other", qualified=[violin]), x])
    project = make_project(ref)
    add_need(ref, project, viola, "sequential")
    violin_need = add_need(ref, project, violin, "parallel", quantity=2)

    preview = dispatch.preview_project(ref, project.projectId)
    violin_plan = next(n for n in preview["needs"] if n["projectNeedId"] == violin_need.projectNeedId)
    assert "Xena" in {m["name"].split()[0] for m in violin_plan["toAsk"]}
