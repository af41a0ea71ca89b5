"""services.custom_lists, what the custom lists page of a project builds on: the overview, the qualified pool,
the lists to copy from, saving (create, then replace the order) and deleting, with every refusal writing
nothing. The need form must offer a list built here."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.orchestra import CustomRanking, CustomRankingList, Musician, Project, ProjectNeed
from services import custom_lists, dispatch, musicians, project_setup, projects, provisioning, rankings, tenancy
from services.errors import Conflict, NotFound, ValidationError

VIOLIN = "POS004"  # Tutti violin 1 (Violin)
VIOLA = "POS007"  # Alternerande stämledare (Viola)


@pytest.fixture
def ref(installation):
    return provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                         contact_email="kansli@acme.test", create_admin=False).orchestra


def new_musician(ref, first: str, last: str = "Musiker", positions=(VIOLIN,), active: bool = True) -> str:
    data = {"firstName": first, "lastName": last, "email": f"{first.lower()}.{last.lower()}@example.se",
            "qualifications": list(positions)}
    musician_id = musicians.create_musician(ref, data)["musicianId"]
    if not active:
        musicians.update_musician(ref, musician_id, {"isActive": False})
    return musician_id


def a_list_id(ref, position_id: str = VIOLIN, list_type: str = "A") -> str:
    return next(rl["rankingListId"] for rl in rankings.list_position_lists(ref, position_id)
                if rl["listType"] == list_type)


@pytest.fixture
def project_id(ref) -> str:
    return projects.create_project(ref, {"name": "Brahms", "startDate": "2031-05-05"})["projectId"]


@pytest.fixture
def violins(ref) -> list[str]:
    """Four active violinists, created in the order Cia, Anna, Bo, Dan."""
    return [new_musician(ref, first) for first in ("Cia", "Anna", "Bo", "Dan")]


def stored(ref, custom_list_id: str) -> list[str]:
    return projects.get_custom_list(ref, custom_list_id)["musicians"]


def custom_rows(ref) -> list[tuple]:
    """Every CustomRankingList and CustomRanking row: to prove that a refusal wrote nothing."""
    with tenancy.orchestra_session(ref) as session:
        lists = session.execute(sa.select(CustomRankingList.id, CustomRankingList.customListId,
                                          CustomRankingList.updatedAt).order_by(CustomRankingList.id)).all()
        ranks = session.execute(sa.select(CustomRanking.customListId, CustomRanking.musicianId, CustomRanking.rank)
                                .order_by(CustomRanking.customListId, CustomRanking.rank)).all()
    return [tuple(row) for row in lists] + [tuple(row) for row in ranks]


def need_on(ref, project_id: str, custom_list_id: str, position_id: str = VIOLIN) -> dict:
    return projects.create_need(ref, project_id, {"positionId": position_id, "customListId": custom_list_id,
                                                  "requestStrategy": "sequential"})


# ----- the overview ------------------------------------------------------------------------------------------------


def test_project_lists_show_the_project_its_lists_and_who_uses_them(ref, project_id, violins):
    overview = custom_lists.project_lists(ref, project_id)
    assert overview["project"] == {"projectId": project_id, "name": "Brahms", "weekNumber": 19}
    assert overview["lists"] == []
    violin = next(i for i in overview["instruments"] if i["name"] == "Violin")
    assert {"positionId": VIOLIN, "name": "Tutti violin 1"} in violin["positions"]
    assert all(item["positions"] for item in overview["instruments"])

    viola_player = new_musician(ref, "Vera", positions=(VIOLA,))
    saved_viola = custom_lists.save_custom_list(ref, project_id, VIOLA, [viola_player])
    saved_violin = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:3])
    need = need_on(ref, project_id, saved_violin["customListId"])
    rows = custom_lists.project_lists(ref, project_id)["lists"]
    # Violin comes before viola in the orchestra's order, whatever the order of creation.
    assert [(r["positionId"], r["positionName"], r["instrumentName"], r["count"], r["usedBy"]) for r in rows] == [
        (VIOLIN, "Tutti violin 1", "Violin", 3, need["projectNeedId"]),
        (VIOLA, "Alternerande stämledare", "Viola", 1, ""),
    ]
    assert rows[0]["name"] == "V. 19 Brahms" and rows[1]["customListId"] == saved_viola["customListId"]

    projects.update_need(ref, need["projectNeedId"], {"status": "cancelled"})
    assert custom_lists.project_lists(ref, project_id)["lists"][0]["usedBy"] == ""
    with pytest.raises(NotFound) as caught:
        custom_lists.project_lists(ref, "PROJ999")
    assert caught.value.code == "project_not_found"


# ----- the builder: pool and lists to copy -------------------------------------------------------------------------


def test_pool_holds_every_active_non_archived_qualified_musician_in_name_order(ref, project_id):
    zeta = new_musician(ref, "Zeta", "Zetterberg")
    aberg = new_musician(ref, "Åsa", "Åberg")  # Swedish order: Å after Z
    berg = new_musician(ref, "Bo", "Berg")
    new_musician(ref, "Ina", "Inaktiv", active=False)
    archived = new_musician(ref, "Arkiv", "Arkivsson")
    musicians.archive_musician(ref, archived)
    new_musician(ref, "Vera", "Viola", positions=(VIOLA,))

    view = custom_lists.position_builder(ref, project_id, VIOLIN)
    assert [m["musicianId"] for m in view["pool"]] == [berg, zeta, aberg]
    assert view["pool"][0] == {"musicianId": berg, "name": "Bo Berg", "email": "bo.berg@example.se",
                               "localResidence": False, "isActive": True}
    assert (view["positionId"], view["positionName"], view["instrumentName"]) == (VIOLIN, "Tutti violin 1", "Violin")
    assert view["list"] is None and view["newName"] == "V. 19 Brahms"


def test_sources_give_each_lists_order_of_those_who_may_be_copied(ref, project_id, violins):
    inactive = new_musician(ref, "Ina", "Inaktiv", active=False)
    viola_only = new_musician(ref, "Vera", positions=(VIOLA,))
    a_list = a_list_id(ref)
    rankings.replace_order(ref, a_list, [violins[3], inactive, violins[0], violins[2]])
    rankings.replace_order(ref, a_list_id(ref, list_type="B"), [violins[1]])
    archived = violins[2]
    musicians.archive_musician(ref, archived)

    sources = custom_lists.position_builder(ref, project_id, VIOLIN)["sources"]
    assert [(s["kind"], s["name"]) for s in sources] == [("standard", "A"), ("standard", "B"), ("standard", "C")]
    a_source = sources[0]
    assert a_source["key"] == f"list:{a_list}"
    assert a_source["musicianIds"] == [violins[3], violins[0]]  # the A order without the inactive one
    assert a_source["skipped"] == 1  # the inactive one (archived musicians are not on the list as shown)
    assert sources[1]["musicianIds"] == [violins[1]] and sources[2]["musicianIds"] == []

    # Copying from a custom list of the same position (an earlier system's second list of the project).
    with tenancy.orchestra_session(ref) as session:
        project_pk = session.exec(select(Project.id).where(Project.projectId == project_id)).one()
    opened = custom_lists.save_custom_list(ref, project_id, VIOLIN, [violins[0]])
    with tenancy.orchestra_session(ref) as session:
        position_pk = session.exec(select(CustomRankingList.positionId).where(
            CustomRankingList.customListId == opened["customListId"])).one()
        extra = CustomRankingList(customListId="CLIST-OLD", projectId=project_pk, positionId=position_pk,
                                  name="Gammal lista")
        session.add(extra)
        session.flush()
        pks = dict(session.execute(sa.select(Musician.musicianId, Musician.id)).all())
        session.add_all([CustomRanking(customListId=extra.id, musicianId=pks[violins[1]], rank=1),
                         CustomRanking(customListId=extra.id, musicianId=pks[viola_only], rank=2)])
        session.commit()
    view = custom_lists.position_builder(ref, project_id, VIOLIN)
    assert view["list"]["customListId"] == opened["customListId"]  # the first one is opened for editing
    custom_sources = [s for s in view["sources"] if s["kind"] == "custom"]
    assert custom_sources == [{"key": "custom:CLIST-OLD", "kind": "custom", "name": "Gammal lista", "project": "",
                               "musicianIds": [violins[1]], "skipped": 1}]  # Vera is not a violinist


def test_builder_refuses_unknown_project_and_position(ref, project_id):
    with pytest.raises(NotFound) as caught:
        custom_lists.position_builder(ref, "PROJ999", VIOLIN)
    assert caught.value.code == "project_not_found"
    for position in ("POS999", ""):
        with pytest.raises(NotFound) as caught:
            custom_lists.position_builder(ref, project_id, position)
        assert caught.value.code == "position_not_found"


# ----- saving ------------------------------------------------------------------------------------------------------


def test_save_creates_the_list_then_replaces_its_order(ref, project_id, violins):
    created = custom_lists.save_custom_list(ref, project_id, VIOLIN, [violins[2], violins[0]])
    list_id = created["customListId"]
    assert created["name"] == "V. 19 Brahms" and stored(ref, list_id) == [violins[2], violins[0]]

    view = custom_lists.position_builder(ref, project_id, VIOLIN)
    opened = view["list"]
    assert opened["customListId"] == list_id and opened["usedBy"] == ""
    assert [m["musicianId"] for m in opened["musicians"]] == [violins[2], violins[0]]
    assert opened["musicians"][0]["name"] == "Bo Musiker"

    order = [violins[0], violins[3], violins[2]]
    saved = custom_lists.save_custom_list(ref, project_id, VIOLIN, order, list_id,
                                          expected_version=opened["version"])
    assert saved["musicians"] == order and stored(ref, list_id) == order
    again = custom_lists.position_builder(ref, project_id, VIOLIN)["list"]
    assert again["version"] != opened["version"]

    # A second list for the position is refused: the page then opens the existing one.
    with pytest.raises(Conflict) as caught:
        custom_lists.save_custom_list(ref, project_id, VIOLIN, [violins[1]])
    assert caught.value.code == "custom_list_exists"
    assert [c["customListId"] for c in projects.list_custom_lists(ref, project_id)] == [list_id]


def test_a_save_over_a_list_saved_meanwhile_is_refused(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:2])["customListId"]
    seen = custom_lists.position_builder(ref, project_id, VIOLIN)["list"]["version"]
    projects.replace_custom_order(ref, list_id, [violins[1], violins[0]])  # someone else, through the API
    before = custom_rows(ref)
    with pytest.raises(Conflict) as caught:
        custom_lists.save_custom_list(ref, project_id, VIOLIN, [violins[3]], list_id, expected_version=seen)
    assert caught.value.code == "list_changed"
    assert custom_rows(ref) == before


def test_two_saves_from_the_same_version_at_once_one_wins(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:2])["customListId"]
    seen = custom_lists.position_builder(ref, project_id, VIOLIN)["list"]["version"]
    orders = {"first": [violins[1], violins[0]], "second": [violins[2], violins[0]]}
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2)

    def save(name: str) -> None:
        start.wait()
        try:
            custom_lists.save_custom_list(ref, project_id, VIOLIN, orders[name], list_id, expected_version=seen)
            outcomes[name] = "saved"
        except Conflict as exc:
            outcomes[name] = exc.code

    threads = [threading.Thread(target=save, args=(name,)) for name in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["list_changed", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    assert projects.get_custom_list(ref, list_id)["musicians"] == orders[winner]


def test_bad_input_changes_nothing(ref, project_id, violins):
    viola_player = new_musician(ref, "Vera", positions=(VIOLA,))
    before = custom_rows(ref)
    cases = [
        ([], "empty_list"),
        ((), "empty_list"),
        ([violins[0], viola_player], "invalid_order"),  # not qualified for the violin
        ([violins[0], violins[0]], "invalid_order"),  # twice
        ([violins[0], "MUS999"], "invalid_order"),
        ("MUS001", "invalid_order"),
    ]
    for order, code in cases:
        with pytest.raises(ValidationError) as caught:
            custom_lists.save_custom_list(ref, project_id, VIOLIN, order)
        assert caught.value.code == code, order
    assert custom_rows(ref) == before == []

    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:2])["customListId"]
    before = custom_rows(ref)
    for order, code in cases:
        with pytest.raises(ValidationError) as caught:
            custom_lists.save_custom_list(ref, project_id, VIOLIN, order, list_id)
        assert caught.value.code == code, order
    viola_list = custom_lists.save_custom_list(ref, project_id, VIOLA, [viola_player])["customListId"]
    before = custom_rows(ref)
    for wrong_project, wrong_position, wrong_list in (("PROJ999", VIOLIN, list_id), (project_id, VIOLA, list_id),
                                                      (project_id, VIOLIN, viola_list)):
        with pytest.raises(NotFound) as caught:
            custom_lists.save_custom_list(ref, wrong_project, wrong_position, violins[:1], wrong_list)
        assert caught.value.code == "custom_list_not_found"
    with pytest.raises(NotFound):
        custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:1], "CLIST999")
    assert custom_rows(ref) == before
    assert stored(ref, list_id) == violins[:2]


def test_the_need_form_offers_a_list_built_here(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:3])["customListId"]
    options = {o["positionId"]: o for o in project_setup.need_options(ref.id, project_id)}
    assert {"value": f"custom:{list_id}", "kind": "custom", "name": "V. 19 Brahms", "size": 3} in \
        options[VIOLIN]["lists"]
    assert not any(item["kind"] == "custom" for item in options[VIOLA]["lists"])
    need = project_setup.create_need(ref.id, project_id, {"positionId": VIOLIN, "list": f"custom:{list_id}",
                                                          "quantity": "1", "requestStrategy": "sequential",
                                                          "responseTimeHours": "24"})
    assert need["customListId"] == list_id


# ----- templates ---------------------------------------------------------------------------------------------------


def template_marks(ref) -> list[tuple]:
    with tenancy.orchestra_session(ref) as session:
        return [tuple(row) for row in session.execute(
            sa.select(CustomRankingList.customListId, CustomRankingList.isTemplate, CustomRankingList.templateName)
            .order_by(CustomRankingList.id)).all()]


def test_a_list_saved_as_a_template_is_offered_to_the_position_in_other_projects(ref, project_id, violins):
    saved = custom_lists.save_custom_list(ref, project_id, VIOLIN, [violins[2], violins[0], violins[1]],
                                          template_name="  Brahmsstråk ")
    list_id = saved["customListId"]
    assert saved["templateName"] == "Brahmsstråk"
    assert template_marks(ref) == [(list_id, True, "Brahmsstråk")]
    assert custom_lists.project_lists(ref, project_id)["lists"][0]["templateName"] == "Brahmsstråk"
    assert custom_lists.position_builder(ref, project_id, VIOLIN)["list"]["templateName"] == "Brahmsstråk"
    # Not offered to its own project (it is the list opened there), nor for another position.
    assert all(s["kind"] != "template" for s in custom_lists.position_builder(ref, project_id, VIOLIN)["sources"])

    musicians.update_musician(ref, violins[0], {"isActive": False})
    other = projects.create_project(ref, {"name": "Dvořák", "startDate": "2031-09-01"})["projectId"]
    view = custom_lists.position_builder(ref, other, VIOLIN)
    assert view["list"] is None
    templates = [s for s in view["sources"] if s["kind"] == "template"]
    assert templates == [{"key": f"custom:{list_id}", "kind": "template", "name": "Brahmsstråk",
                          "project": "Brahms", "musicianIds": [violins[2], violins[1]], "skipped": 1}]
    assert all(s["kind"] != "template" for s in custom_lists.position_builder(ref, other, VIOLA)["sources"])

    # Saved again without the mark: no longer a template anywhere.
    version = custom_lists.position_builder(ref, project_id, VIOLIN)["list"]["version"]
    unmarked = custom_lists.save_custom_list(ref, project_id, VIOLIN, [violins[2]], list_id, expected_version=version)
    assert unmarked["templateName"] is None and template_marks(ref) == [(list_id, False, None)]
    assert all(s["kind"] != "template" for s in custom_lists.position_builder(ref, other, VIOLIN)["sources"])
    assert custom_lists.project_lists(ref, project_id)["lists"][0]["templateName"] == ""


def test_an_earlier_systems_template_without_a_name_goes_by_the_lists_name(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:2])["customListId"]
    with tenancy.orchestra_session(ref) as session:
        session.execute(sa.update(CustomRankingList).where(CustomRankingList.customListId == list_id)
                        .values(isTemplate=True, templateName=None))
        session.commit()
    other = projects.create_project(ref, {"name": "Sibelius", "startDate": "2031-10-01"})["projectId"]
    names = [(s["kind"], s["name"]) for s in custom_lists.position_builder(ref, other, VIOLIN)["sources"]]
    assert names[-1] == ("template", "V. 19 Brahms")
    assert projects.get_custom_list(ref, list_id)["templateName"] == "V. 19 Brahms"


def test_a_bad_template_name_changes_nothing(ref, project_id, violins):
    for bad in ("", "   ", "x" * 101, 12, ["Mall"]):
        with pytest.raises(ValidationError) as caught:
            custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:1], template_name=bad)
        assert caught.value.code == "invalid_template_name" and caught.value.fields == {
            "templateName": "1–100 characters"}, bad
    assert custom_rows(ref) == []
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:2], template_name="Mall")["customListId"]
    before = custom_rows(ref), template_marks(ref)
    with pytest.raises(ValidationError):
        custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[2:], list_id, template_name=" ")
    assert (custom_rows(ref), template_marks(ref)) == before


def test_a_template_mark_set_meanwhile_counts_as_a_change(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:2])["customListId"]
    seen = custom_lists.position_builder(ref, project_id, VIOLIN)["list"]["version"]
    projects.replace_custom_order(ref, list_id, violins[:2], template_name="Kollegans mall")  # same order
    with pytest.raises(Conflict) as caught:
        custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:2], list_id, expected_version=seen)
    assert caught.value.code == "list_changed"
    assert template_marks(ref) == [(list_id, True, "Kollegans mall")]


# ----- deleting ----------------------------------------------------------------------------------------------------


def test_delete_an_unused_list(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins)["customListId"]
    other_project = projects.create_project(ref, {"name": "Annat", "startDate": "2031-06-01"})["projectId"]
    other_list = custom_lists.save_custom_list(ref, other_project, VIOLIN, violins[:1])["customListId"]
    with pytest.raises(NotFound) as caught:  # the page's project must own it
        custom_lists.delete_custom_list(ref, other_list, project_id=project_id)
    assert caught.value.code == "custom_list_not_found"

    assert custom_lists.delete_custom_list(ref, list_id, project_id=project_id) == {
        "customListId": list_id, "name": "V. 19 Brahms"}
    assert projects.list_custom_lists(ref, project_id) == []
    with tenancy.orchestra_session(ref) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(CustomRanking)).scalar_one() == 1  # other's
    assert custom_lists.position_builder(ref, project_id, VIOLIN)["list"] is None
    # The position is free again for a new list.
    assert custom_lists.save_custom_list(ref, project_id, VIOLIN, violins[:1])["customListId"] != list_id
    with pytest.raises(NotFound):
        custom_lists.delete_custom_list(ref, list_id)
    assert stored(ref, other_list) == violins[:1]


def test_delete_is_refused_while_a_need_uses_the_list(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins)["customListId"]
    need = need_on(ref, project_id, list_id)
    before = custom_rows(ref)
    with pytest.raises(Conflict) as caught:
        custom_lists.delete_custom_list(ref, list_id)
    assert caught.value.code == "custom_list_in_use"
    assert need["projectNeedId"] in caught.value.message
    projects.update_need(ref, need["projectNeedId"], {"status": "paused"})
    with pytest.raises(Conflict) as caught:  # paused is still open
        custom_lists.delete_custom_list(ref, list_id)
    assert caught.value.code == "custom_list_in_use"
    assert custom_rows(ref) == before


def test_a_cancelled_need_that_sent_requests_keeps_its_list(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins)["customListId"]
    need = need_on(ref, project_id, list_id)
    dispatch.send_project(ref, project_id)
    projects.update_need(ref, need["projectNeedId"], {"status": "cancelled"})
    before = custom_rows(ref)
    with pytest.raises(Conflict) as caught:
        custom_lists.delete_custom_list(ref, list_id)
    assert caught.value.code == "custom_list_has_history"
    assert custom_rows(ref) == before
    assert projects.get_need(ref, need["projectNeedId"])["status"] == "cancelled"


def test_a_cancelled_need_that_never_sent_goes_with_its_list(ref, project_id, violins):
    list_id = custom_lists.save_custom_list(ref, project_id, VIOLIN, violins)["customListId"]
    need = need_on(ref, project_id, list_id)
    rankings.replace_order(ref, a_list_id(ref), violins)
    kept = projects.create_need(ref, project_id, {"positionId": VIOLIN, "rankingListId": a_list_id(ref),
                                                  "requestStrategy": "sequential"})
    projects.update_need(ref, need["projectNeedId"], {"status": "cancelled"})
    custom_lists.delete_custom_list(ref, list_id)
    with tenancy.orchestra_session(ref) as session:
        left = list(session.exec(select(ProjectNeed.projectNeedId)).all())
    assert left == [kept["projectNeedId"]]  # the cancelled need went with the list; the other one stays
    assert projects.list_custom_lists(ref, project_id) == []


# ----- the page state's pure helpers ----------------------------------------------------------------------------


def test_moving_within_the_unsaved_list():
    from state.custom_lists import moved

    order = ["a", "b", "c", "d"]
    assert moved(order, "a", 1) == ["b", "a", "c", "d"]
    assert moved(order, "d", 0) == ["d", "a", "b", "c"]
    assert moved(order, "b", 3) == ["a", "c", "d", "b"]
    for musician_id, index in (("x", 0), ("a", 4), ("a", -1)):
        assert moved(order, musician_id, index) == order
    assert order == ["a", "b", "c", "d"]  # never changed in place


def test_every_refusal_of_the_page_has_a_translated_message():
    from services.errors import ServiceError
    from stagesub_ui.i18n import en, sv
    from state.custom_lists import error_key_for

    codes = ("empty_list", "invalid_order", "custom_list_exists", "custom_list_in_use", "custom_list_has_history",
             "custom_list_not_found", "list_changed", "concurrent_change", "project_not_found", "position_not_found",
             "unknown_position", "invalid_template_name")
    for code in codes:
        key = error_key_for(ServiceError(code, "x"))
        assert key != "error.unknown" and key in sv.MESSAGES and key in en.MESSAGES, code
    assert error_key_for(ServiceError("no_such_code", "x")) == "error.unknown"
