"""Who is left out at send time, and why (SPEC.md §Request engine; ORIGINAL_BEHAVIOUR.md §2.2, §2.5).

Every reason appears in ``preview_project``'s ``skipped``; the preview writes nothing and shows exactly what
the send then does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.orchestra import Musician
from services import clock, dispatch, tenancy
from tests.engine_helpers import (
    CONCERTMASTER,
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    add_blockout,
    add_musician,
    add_need,
    answer,
    asked,
    make_orchestra,
    make_project,
    musician_ids,
    position,
    rank,
    requests,
    roster,
    row_counts,
    set_need,
    set_setting,
)


@pytest.fixture
def ref(installation):
    return make_orchestra()


@pytest.fixture
def violin(ref):
    return position(ref, VIOLIN_TUTTI)


@pytest.fixture
def viola(ref):
    return position(ref, VIOLA_TUTTI)


def need_preview(preview: dict, need) -> dict:
    return next(n for n in preview["needs"] if n["projectNeedId"] == need.projectNeedId)


def skipped(preview: dict, need) -> dict[str, str]:
    return {s["musicianId"]: s["reason"] for s in need_preview(preview, need)["skipped"]}


def to_ask(preview: dict, need) -> list[str]:
    return [p["musicianId"] for p in need_preview(preview, need)["toAsk"]]


def next_in_queue(preview: dict, need) -> list[str]:
    return [p["musicianId"] for p in need_preview(preview, need)["nextInQueue"]]


def wednesday_start() -> datetime:
    """A project start on a Wednesday 08:00 UTC about a month ahead."""
    day = (clock.now() + timedelta(days=30)).date()
    day += timedelta(days=(2 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


def preview_then_send(ref, project, needs) -> dict:
    """Preview, check it wrote nothing, send, and check the send asked exactly the preview's ``toAsk``."""
    before = row_counts(ref)
    preview = dispatch.preview_project(ref, project.projectId)
    assert row_counts(ref) == before
    known = {r.pk for r in requests(ref)}
    result = dispatch.send_project(ref, project.projectId)
    mids = musician_ids(ref)
    for need in needs:
        new = [mids[r.musician_pk] for r in requests(ref) if r.pk not in known and r.need_pk == need.pk]
        assert new == to_ask(preview, need)
        sent = next(n["sent"] for n in result["needs"] if n["projectNeedId"] == need.projectNeedId)
        assert sent == len(new)
    return preview


# ----- single-need exclusions -------------------------------------------------------------------------------


def test_every_exclusion_reason_is_in_the_preview(ref, violin):
    start = wednesday_start()
    first = add_musician(ref, "Alva", qualified=[violin])
    archived = add_musician(ref, "Arkiv", qualified=[violin], archived=True)
    inactive = add_musician(ref, "Inaktiv", qualified=[violin], active=False)
    unqualified = add_musician(ref, "Okvalificerad")
    remote = add_musician(ref, "Fjärran", qualified=[violin], local=False)
    blocked = add_musician(ref, "Blockerad", qualified=[violin])
    free = add_musician(ref, "Fri", qualified=[violin])  # a blockout outside the project's week
    ok = [add_musician(ref, n, qualified=[violin]) for n in ("Bo", "Cecilia")]
    rank(ref, violin, [first, archived, inactive, unqualified, remote, blocked, free, *ok])
    add_blockout(ref, blocked, start - timedelta(days=1), start + timedelta(days=1))
    add_blockout(ref, free, start - timedelta(days=10), start - timedelta(days=8))
    project = make_project(ref, start=start)
    need = add_need(ref, project, violin, "parallel", quantity=1, require_local=True)
    mids = musician_ids(ref)

    preview = preview_then_send(ref, project, [need])
    assert to_ask(preview, need) == [mids[first]]
    assert skipped(preview, need) == {
        mids[archived]: "archived", mids[inactive]: "inactive", mids[unqualified]: "not_qualified",
        mids[remote]: "not_local", mids[blocked]: "blocked_out",
    }
    assert next_in_queue(preview, need) == [mids[free], *(mids[m] for m in ok)]

    again = dispatch.preview_project(ref, project.projectId)
    assert skipped(again, need)[mids[first]] == "already_asked"
    assert to_ask(again, need) == []  # one pending = quantity
    assert next_in_queue(again, need) == [mids[free], *(mids[m] for m in ok)]
    assert need_preview(again, need)["pending"] == 1 and need_preview(again, need)["remaining"] == 1


def test_a_musician_without_local_residence_is_asked_when_the_need_does_not_require_it(ref, violin):
    remote = add_musician(ref, "Fjärran", qualified=[violin], local=False)
    rank(ref, violin, [remote])
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential")
    preview = preview_then_send(ref, project, [need])
    assert to_ask(preview, need) == [musician_ids(ref)[remote]]


@pytest.mark.parametrize(
    ("offset_start", "offset_end", "excluded"),
    [
        (timedelta(days=-3), timedelta(days=-1), False),  # ends before the start
        (timedelta(days=-3), timedelta(hours=1), True),  # overlaps the start
        (timedelta(days=2), timedelta(days=3), True),  # inside the week (Friday to Saturday)
        (timedelta(days=4, hours=12), timedelta(days=5), True),  # Sunday of the project's week
        (timedelta(days=6), timedelta(days=8), False),  # the week after
    ],
)
def test_blockouts_exclude_only_when_they_cover_the_projects_week(ref, violin, offset_start, offset_end,
                                                                  excluded):
    start = wednesday_start()
    musician = add_musician(ref, "Semester", qualified=[violin])
    rank(ref, violin, [musician])
    add_blockout(ref, musician, start + offset_start, start + offset_end)
    project = make_project(ref, start=start)
    need = add_need(ref, project, violin, "sequential")
    preview = preview_then_send(ref, project, [need])
    mid = musician_ids(ref)[musician]
    if excluded:
        assert skipped(preview, need) == {mid: "blocked_out"} and asked(ref, need) == []
    else:
        assert to_ask(preview, need) == [mid] and len(asked(ref, need)) == 1


def test_next_in_queue_lists_the_next_five(ref, violin):
    m = roster(ref, violin, [f"Musiker{i}" for i in range(9)])
    project = make_project(ref)
    need = add_need(ref, project, violin, "parallel", quantity=2)
    mids = musician_ids(ref)
    preview = preview_then_send(ref, project, [need])
    assert to_ask(preview, need) == [mids[x] for x in m[:2]]
    assert next_in_queue(preview, need) == [mids[x] for x in m[2:7]]
    after = dispatch.preview_project(ref, project.projectId)
    assert to_ask(after, need) == [] and next_in_queue(after, need) == [mids[x] for x in m[2:7]]


def test_order_follows_rank_not_creation_and_is_deterministic(ref, violin):
    created = [add_musician(ref, n, qualified=[violin]) for n in ("Alva", "Bo", "Cecilia", "David", "Elsa")]
    ranked = [created[3], created[0], created[4], created[1], created[2]]
    rank(ref, violin, ranked)
    project = make_project(ref)
    need = add_need(ref, project, violin, "first_come", quantity=1, max_recipients=3)
    previews = [dispatch.preview_project(ref, project.projectId) for _ in range(3)]
    assert previews[0] == previews[1] == previews[2]
    mids = musician_ids(ref)
    assert to_ask(previews[0], need) == [mids[x] for x in ranked[:3]]
    preview_then_send(ref, project, [need])
    assert asked(ref, need) == ranked[:3]


# ----- conflicts between needs ------------------------------------------------------------------------------


def two_list_project(ref, violin, viola, *, violin_rank: int, viola_rank: int):
    """Tova is on the violin and viola A lists (at the given ranks) with others around her; needs are created
    viola first, so that the order cannot come from the creation order."""
    tova = add_musician(ref, "Tova", qualified=[violin, viola])
    violinists = [add_musician(ref, f"Violin{i}", qualified=[violin]) for i in range(3)]
    violists = [add_musician(ref, f"Viola{i}", qualified=[viola]) for i in range(3)]
    violin_order = list(violinists)
    violin_order.insert(violin_rank - 1, tova)
    viola_order = list(violists)
    viola_order.insert(viola_rank - 1, tova)
    rank(ref, violin, violin_order)
    rank(ref, viola, viola_order)
    project = make_project(ref)
    viola_need = add_need(ref, project, viola, "parallel", quantity=2)
    violin_need = add_need(ref, project, violin, "parallel", quantity=2)
    return tova, project, violin_need, viola_need, violin_order, viola_order


@pytest.mark.parametrize("strategy", [None, "simple", "detailed"])
def test_simple_and_detailed_the_earlier_need_in_instrument_order_wins(ref, violin, viola, strategy):
    if strategy:
        set_setting(ref, "ranking_conflict_strategy", strategy)
    tova, project, violin_need, viola_need, violin_order, viola_order = two_list_project(
        ref, violin, viola, violin_rank=2, viola_rank=1)
    mids = musician_ids(ref)
    preview = preview_then_send(ref, project, [violin_need, viola_need])
    assert preview["conflictStrategy"] == (strategy or "simple")
    assert to_ask(preview, violin_need) == [mids[violin_order[0]], mids[tova]]  # Violin comes before Viola
    assert skipped(preview, viola_need) == {mids[tova]: "picked_for_other_need"}
    assert to_ask(preview, viola_need) == [mids[viola_order[1]], mids[viola_order[2]]]
    assert [c["musicianId"] for c in preview["conflicts"]] == [mids[tova]]
    assert asked(ref, viola_need) == viola_order[1:3]
    again = dispatch.preview_project(ref, project.projectId)
    assert skipped(again, viola_need)[mids[tova]] == "already_asked"


def test_simple_within_one_instrument_the_more_senior_position_wins(ref, violin):
    master = position(ref, CONCERTMASTER)
    tova = add_musician(ref, "Tova", qualified=[violin, master])
    other = add_musician(ref, "Otto", qualified=[violin])
    rank(ref, violin, [tova, other])
    rank(ref, master, [tova])
    project = make_project(ref)
    tutti_need = add_need(ref, project, violin, "sequential")
    master_need = add_need(ref, project, master, "sequential")
    mids = musician_ids(ref)
    preview = preview_then_send(ref, project, [tutti_need, master_need])
    assert to_ask(preview, master_need) == [mids[tova]]
    assert skipped(preview, tutti_need) == {mids[tova]: "picked_for_other_need"}
    assert asked(ref, tutti_need) == [other]


def test_smart_the_lowest_rank_wins(ref, violin, viola):
    set_setting(ref, "ranking_conflict_strategy", "smart")
    tova, project, violin_need, viola_need, violin_order, viola_order = two_list_project(
        ref, violin, viola, violin_rank=2, viola_rank=1)
    mids = musician_ids(ref)
    preview = preview_then_send(ref, project, [violin_need, viola_need])
    assert skipped(preview, violin_need) == {mids[tova]: "prefers_other_need"}
    assert to_ask(preview, violin_need) == [mids[violin_order[0]], mids[violin_order[2]]]
    assert to_ask(preview, viola_need) == [mids[tova], mids[viola_order[1]]]
    assert preview["conflicts"] == [
        {"musicianId": mids[tova], "name": "Tova Testsson",
         "projectNeedIds": [viola_need.projectNeedId, violin_need.projectNeedId],
         "chosenProjectNeedId": viola_need.projectNeedId}
    ]


def test_smart_on_equal_rank_the_more_senior_position_wins(ref, violin, viola):
    # Viola Tutti (hierarchy level 3) is more senior than Tutti violin 1 (level 4), though Violin comes first.
    set_setting(ref, "ranking_conflict_strategy", "smart")
    tova, project, violin_need, viola_need, violin_order, viola_order = two_list_project(
        ref, violin, viola, violin_rank=1, viola_rank=1)
    mids = musician_ids(ref)
    preview = preview_then_send(ref, project, [violin_need, viola_need])
    assert skipped(preview, violin_need) == {mids[tova]: "prefers_other_need"}
    assert mids[tova] in to_ask(preview, viola_need)
    assert asked(ref, viola_need)[0] == tova


def test_smart_a_filled_best_need_no_longer_blocks(ref, violin, viola):
    set_setting(ref, "ranking_conflict_strategy", "smart")
    tova, project, violin_need, viola_need, violin_order, viola_order = two_list_project(
        ref, violin, viola, violin_rank=3, viola_rank=3)
    # Tova: rank 3 on both; viola (level 3) is her best need. Both needs ask two at a time.
    set_need(ref, violin_need, quantity=3)
    mids = musician_ids(ref)
    preview = preview_then_send(ref, project, [violin_need, viola_need])
    assert skipped(preview, violin_need) == {mids[tova]: "prefers_other_need"}
    assert to_ask(preview, viola_need) == [mids[viola_order[0]], mids[viola_order[1]]]
    answer(ref, viola_order[0], "accept")
    answer(ref, viola_order[1], "accept")  # the viola need is filled without her
    preview = dispatch.preview_project(ref, project.projectId)
    assert need_preview(preview, viola_need)["status"] == "completed"
    assert mids[tova] not in skipped(preview, violin_need)
    answer(ref, violin_order[0], "decline")  # a seat on the violin need: she is next in line
    assert asked(ref, violin_need)[-1] == tova


def test_smart_a_paused_best_need_no_longer_blocks(ref, violin, viola):
    set_setting(ref, "ranking_conflict_strategy", "smart")
    tova, project, violin_need, viola_need, violin_order, viola_order = two_list_project(
        ref, violin, viola, violin_rank=2, viola_rank=1)
    set_need(ref, viola_need, status="paused")
    mids = musician_ids(ref)
    preview = preview_then_send(ref, project, [violin_need, viola_need])
    assert to_ask(preview, violin_need) == [mids[violin_order[0]], mids[tova]]
    assert to_ask(preview, viola_need) == []  # paused: nobody is asked
    assert asked(ref, viola_need) == []


def test_preview_writes_nothing_and_matches_the_send_with_several_needs(ref, violin, viola):
    master = position(ref, CONCERTMASTER)
    a = add_musician(ref, "Anna", qualified=[violin, viola, master])
    b = add_musician(ref, "Berit", qualified=[violin, viola])
    c = add_musician(ref, "Carl", qualified=[violin])
    d = add_musician(ref, "Dora", qualified=[viola], local=False)
    e = add_musician(ref, "Erik", qualified=[master, violin])
    rank(ref, violin, [b, a, c, e])
    rank(ref, viola, [a, d, b])
    rank(ref, master, [e, a])
    project = make_project(ref)
    needs = [
        add_need(ref, project, viola, "first_come", quantity=1, require_local=True),
        add_need(ref, project, violin, "parallel", quantity=2),
        add_need(ref, project, master, "sequential"),
    ]
    preview_then_send(ref, project, needs)
    answer(ref, e, "decline")  # the concertmaster need asks Anna, unless she is taken
    preview_then_send(ref, project, needs)
    # one request per musician in the project
    musicians = [r.musician_pk for r in requests(ref) if r.status != "cancelled"]
    assert len(musicians) == len(set(musicians))


def test_preview_of_unknown_project_is_not_found(ref):
    from services.errors import NotFound

    with pytest.raises(NotFound):
        dispatch.preview_project(ref, "PROJ999")


def test_an_inactive_musician_made_active_is_asked(ref, violin):
    m = add_musician(ref, "Vilande", qualified=[violin], active=False)
    rank(ref, violin, [m])
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential")
    assert skipped(dispatch.preview_project(ref, project.projectId), need) == {musician_ids(ref)[m]: "inactive"}
    with tenancy.orchestra_session(ref) as session:
        session.get(Musician, m).isActive = True
        session.commit()
    preview_then_send(ref, project, [need])
    assert asked(ref, need) == [m]
