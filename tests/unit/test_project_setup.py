"""services.project_setup: the project and need forms, deleting a project, staff answers on behalf."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from models.orchestra import AuditLog, CustomRankingList, Project, ProjectNeed, RankingList
from services import clock, dispatch, project_setup, projects, tenancy
from services.errors import Conflict, NotFound, ValidationError
from tests.engine_helpers import (
    CELLO_TUTTI,
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    add_need,
    count,
    custom_list,
    make_orchestra,
    make_project,
    position,
    requests,
    roster,
)


@pytest.fixture
def ref(installation):
    clock.set_now(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday
    return make_orchestra("uppsattning", "Uppsättningsorkestern")


def test_create_project_reads_local_date_and_time_and_derives_the_week(ref):
    created = project_setup.create_project(ref.id, {
        "name": "  Vårkonsert ", "startDate": "2026-04-10", "startTime": "19:30", "weekNumber": "",
        "rehearsalSchedule": "Mån–tor", "concertInfo": "", "notes": "",
    })
    # 19:30 in Stockholm (summer time from 29 March) is 17:30 UTC.
    assert created["startDate"] == datetime(2026, 4, 10, 17, 30, tzinfo=UTC)
    assert created["weekNumber"] == 15
    assert created["name"] == "Vårkonsert"
    assert created["concertInfo"] is None
    values = project_setup.project_form_values(ref.id, created["projectId"])
    assert (values["startDate"], values["startTime"], values["weekNumber"]) == ("2026-04-10", "19:30", "15")


def test_a_typed_week_wins_and_bad_fields_are_all_reported_without_writing(ref):
    created = project_setup.create_project(ref.id, {"name": "X", "startDate": "2026-04-10", "weekNumber": "16"})
    assert created["weekNumber"] == 16
    with pytest.raises(ValidationError) as caught:
        project_setup.create_project(ref.id, {"name": " ", "startDate": "2026-13-01", "startTime": "25:00",
                                              "weekNumber": "v1"})
    assert set(caught.value.fields) == {"name", "startDate", "startTime", "weekNumber"}
    with pytest.raises(ValidationError) as caught:
        project_setup.create_project(ref.id, {"name": "Y", "startDate": "2026-04-10", "weekNumber": "60"})
    assert caught.value.fields == {"weekNumber": "from 1 to 53"}
    assert count(ref, Project) == 1


def test_update_project_recomputes_the_week_when_it_is_emptied(ref):
    created = project_setup.create_project(ref.id, {"name": "X", "startDate": "2026-04-10", "weekNumber": "16"})
    saved = project_setup.update_project(ref.id, created["projectId"], {
        "name": "X2", "startDate": "2026-05-05", "startTime": "18:00", "weekNumber": "", "notes": "Frack"})
    assert (saved["name"], saved["weekNumber"], saved["notes"]) == ("X2", 19, "Frack")


def test_upcoming_lasts_until_the_end_of_the_start_week(ref):
    clock.set_now(datetime(2026, 3, 8, 21, 0, tzinfo=UTC))  # Sunday 22:00 in Stockholm
    assert project_setup.is_upcoming("2026-03-02")  # the Monday of this week
    assert not project_setup.is_upcoming("2026-03-01")  # last week's Sunday
    clock.set_now(datetime(2026, 3, 8, 23, 30, tzinfo=UTC))  # Monday 00:30 in Stockholm
    assert not project_setup.is_upcoming("2026-03-02")
    assert not project_setup.is_upcoming("not a date")


def test_format_hours_uses_the_largest_whole_unit():
    assert [project_setup.format_hours(h) for h in (1, 18, 24, 48, 168, 336, 720, 30)] == [
        "1 timme", "18 timmar", "1 dag", "2 dagar", "1 vecka", "2 veckor", "1 månad", "30 timmar"]
    assert project_setup.format_hours(72, "en") == "3 days"
    assert 4320 in project_setup.RESPONSE_TIME_OPTIONS and len(project_setup.RESPONSE_TIME_OPTIONS) == 24


def test_need_options_list_positions_with_their_lists_and_sizes(ref):
    violin = position(ref, VIOLIN_TUTTI)
    roster(ref, violin, ["Alva", "Bo", "Cia"])
    project = make_project(ref)
    custom_list(ref, project, violin, [])
    options = {o["positionId"]: o for o in project_setup.need_options(ref.id, project.projectId)}
    violin_option = options[violin.positionId]
    assert violin_option["label"] == "Violin – Tutti violin 1"
    assert violin_option["qualified"] == 3
    by_name = {item["name"]: item for item in violin_option["lists"]}
    assert by_name["A"]["size"] == 3 and by_name["A"]["kind"] == "standard"
    assert by_name["A"]["value"].startswith("list:")
    custom = next(item for item in violin_option["lists"] if item["kind"] == "custom")
    assert custom["value"].startswith("custom:") and custom["size"] == 0
    with pytest.raises(NotFound):
        project_setup.need_options(ref.id, "PROJ999")


def _a_list_value(ref, project, pos) -> str:
    option = next(o for o in project_setup.need_options(ref.id, project.projectId) if o["positionId"] == pos.positionId)
    return next(item["value"] for item in option["lists"] if item["name"] == "A")


def test_create_need_from_the_form_and_its_field_errors(ref):
    violin = position(ref, VIOLIN_TUTTI)
    roster(ref, violin, ["Alva", "Bo"])
    project = make_project(ref)
    form = {"positionId": violin.positionId, "list": _a_list_value(ref, project, violin), "quantity": "2",
            "requestStrategy": "first_come", "maxRecipients": "", "responseTimeHours": "48",
            "requireLocalResidence": "on"}
    with pytest.raises(ValidationError) as caught:
        project_setup.create_need(ref.id, project.projectId, form | {"quantity": "3"})
    assert caught.value.code == "not_enough_musicians" and caught.value.fields == {"quantity": "at most 2"}
    with pytest.raises(ValidationError) as caught:
        project_setup.create_need(ref.id, project.projectId, form | {"quantity": "två", "list": ""})
    assert set(caught.value.fields) == {"quantity", "rankingListId"}
    assert count(ref, ProjectNeed) == 0
    need = project_setup.create_need(ref.id, project.projectId, form)
    assert (need["quantity"], need["requestStrategy"], need["maxRecipients"], need["responseTimeHours"],
            need["requireLocalResidence"]) == (2, "first_come", None, 48, True)


def test_one_need_for_several_positions_is_all_or_nothing(ref):
    violin, viola, cello = position(ref, VIOLIN_TUTTI), position(ref, VIOLA_TUTTI), position(ref, CELLO_TUTTI)
    roster(ref, violin, ["Alva", "Bo"])
    roster(ref, viola, ["Cia", "Dan"])
    roster(ref, cello, ["Eva"])  # one musician only: a need of two cannot be added here
    project = make_project(ref)
    form = {"positionId": violin.positionId, "list": _a_list_value(ref, project, violin), "quantity": "2",
            "requestStrategy": "parallel", "responseTimeHours": "24"}

    with pytest.raises(ValidationError) as caught:
        project_setup.create_need(ref.id, project.projectId,
                                  form | {"alsoPositions": [viola.positionId, cello.positionId]})
    assert caught.value.code == "not_enough_musicians"
    assert caught.value.failed_position == cello.positionId
    assert count(ref, ProjectNeed) == 0  # the violin and viola needs were not kept either

    first = project_setup.create_need(ref.id, project.projectId,
                                      form | {"alsoPositions": [viola.positionId, violin.positionId]})
    assert first["positionId"] == violin.positionId
    needs = {n["positionId"]: n for n in projects.get_project(ref, project.projectId)["needs"]}
    assert set(needs) == {violin.positionId, viola.positionId}  # the main position given twice counts once
    viola_need = needs[viola.positionId]
    assert (viola_need["quantity"], viola_need["requestStrategy"], viola_need["responseTimeHours"]) == (
        2, "parallel", 24)
    # Each need draws from its own position's A list.
    assert viola_need["rankingListId"] == _a_list_value(ref, project, viola).removeprefix("list:")


def test_several_positions_need_a_standard_list_of_the_same_type_each(ref):
    violin, viola = position(ref, VIOLIN_TUTTI), position(ref, VIOLA_TUTTI)
    roster(ref, violin, ["Alva"])
    roster(ref, viola, ["Cia"])
    project = make_project(ref)
    custom_pk = custom_list(ref, project, violin, [])
    with tenancy.orchestra_session(ref) as session:
        custom_id = session.get(CustomRankingList, custom_pk).customListId
    base = {"positionId": violin.positionId, "quantity": "1", "requestStrategy": "sequential",
            "responseTimeHours": "24", "alsoPositions": [viola.positionId]}
    with pytest.raises(ValidationError) as caught:
        project_setup.create_need(ref.id, project.projectId, base | {"list": f"custom:{custom_id}"})
    assert caught.value.code == "custom_list_one_position"
    with pytest.raises(ValidationError) as caught:
        project_setup.create_need(ref.id, project.projectId, base | {"list": _a_list_value(ref, project, violin),
                                                                     "alsoPositions": "POS001"})
    assert caught.value.fields == {"alsoPositions": "a list of ids"}
    with tenancy.orchestra_session(ref) as session:  # the viola loses its A list
        session.execute(sa.delete(RankingList).where(RankingList.positionId == viola.pk,
                                                     RankingList.listType == "A"))
        session.commit()
    with pytest.raises(ValidationError) as caught:
        project_setup.create_need(ref.id, project.projectId, base | {"list": _a_list_value(ref, project, violin)})
    assert (caught.value.code, caught.value.failed_position) == ("position_without_list", viola.positionId)
    assert count(ref, ProjectNeed) == 0


def test_max_recipients_is_kept_only_for_first_come(ref):
    violin = position(ref, VIOLIN_TUTTI)
    roster(ref, violin, ["Alva", "Bo", "Cia"])
    project = make_project(ref)
    need = project_setup.create_need(ref.id, project.projectId, {
        "positionId": violin.positionId, "list": _a_list_value(ref, project, violin), "quantity": "1",
        "requestStrategy": "sequential", "maxRecipients": "5", "responseTimeHours": "24"})
    assert need["maxRecipients"] is None


def test_editing_after_sending_allows_only_the_quantity(ref):
    violin = position(ref, VIOLIN_TUTTI)
    roster(ref, violin, ["Alva", "Bo", "Cia"])
    project = make_project(ref)
    need = add_need(ref, project, violin, "parallel", quantity=2)
    saved = project_setup.update_need(ref.id, project.projectId, need.projectNeedId,
                                      {"quantity": "1", "requestStrategy": "sequential", "responseTimeHours": "72"})
    assert (saved["quantity"], saved["requestStrategy"], saved["responseTimeHours"]) == (1, "sequential", 72)
    dispatch.send_project(ref, project.projectId)
    with pytest.raises(Conflict) as caught:
        project_setup.update_need(ref.id, project.projectId, need.projectNeedId,
                                  {"quantity": "1", "requestStrategy": "parallel"})
    assert caught.value.code == "field_locked"
    assert project_setup.update_need(ref.id, project.projectId, need.projectNeedId, {"quantity": "2"})["quantity"] == 2
    other = make_project(ref, "Annat")
    with pytest.raises(NotFound):
        project_setup.update_need(ref.id, other.projectId, need.projectNeedId, {"quantity": "3"})


def test_cancel_need_is_final(ref):
    violin = position(ref, VIOLIN_TUTTI)
    roster(ref, violin, ["Alva"])
    project = make_project(ref)
    need = add_need(ref, project, violin, "sequential")
    assert project_setup.cancel_need(ref.id, project.projectId, need.projectNeedId)["status"] == "cancelled"
    with pytest.raises(Conflict):
        projects.update_need(ref, need.projectNeedId, {"status": "active"})


def test_delete_project_only_while_nothing_was_sent(ref):
    violin, viola = position(ref, VIOLIN_TUTTI), position(ref, VIOLA_TUTTI)
    roster(ref, violin, ["Alva"])
    roster(ref, viola, ["Vera"])
    kept, deleted = make_project(ref, "Skickat"), make_project(ref, "Tomt")
    add_need(ref, kept, violin, "sequential")
    add_need(ref, deleted, viola, "sequential")
    custom_list(ref, deleted, violin, [])
    dispatch.send_project(ref, kept.projectId)
    with pytest.raises(Conflict) as caught:
        project_setup.delete_project(ref.id, kept.projectId)
    assert caught.value.code == "project_has_requests"
    project_setup.delete_project(ref.id, deleted.projectId)
    assert count(ref, Project) == 1 and count(ref, ProjectNeed) == 1 and count(ref, CustomRankingList) == 0
    with pytest.raises(NotFound):
        project_setup.delete_project(ref.id, deleted.projectId)


def test_answer_on_behalf_records_the_answer_and_stays_in_its_project(ref):
    violin = position(ref, VIOLIN_TUTTI)
    roster(ref, violin, ["Alva", "Bo"])
    project = make_project(ref)
    add_need(ref, project, violin, "sequential")
    dispatch.send_project(ref, project.projectId)
    first = requests(ref, project)[0]
    other = make_project(ref, "Annat", start=clock.now() + timedelta(days=40))
    with pytest.raises(NotFound):
        project_setup.answer_on_behalf(ref.id, other.projectId, first.requestId, "accept", "kansli")
    assert project_setup.answer_on_behalf(ref.id, project.projectId, first.requestId, "decline", "kansli",
                                          "ringde") == "declined"
    after = requests(ref, project)
    assert after[0].status == "declined"
    assert len(after) == 2 and after[1].status == "pending"  # sequential: the next one is asked
    assert count(ref, AuditLog, AuditLog.action == "staff_response") == 1
    with pytest.raises(Conflict):
        project_setup.answer_on_behalf(ref.id, project.projectId, first.requestId, "accept", "kansli")


def test_service_field_errors_become_catalog_keys_at_the_form_fields():
    from stagesub_ui.i18n import sv
    from state.projects import form_field_errors, pe_error_key

    exc = ValidationError("invalid_need", "x", {
        "quantity": "at most 3", "rankingListId": "required", "weekNumber": "from 1 to 53",
        "maxRecipients": "at least the quantity for first_come", "name": "at most 200 characters",
        "customListId": "used by NEED004", "positionId": "something new"})
    keys, details = form_field_errors(exc)
    assert keys == {"quantity": "pe.field.at_most", "list": "pe.field.list_in_use",
                    "weekNumber": "pe.field.range", "maxRecipients": "pe.field.max_recipients",
                    "name": "pe.field.too_long", "positionId": "pe.field.invalid"}
    assert details["quantity"] == "3" and details["weekNumber"] == "1–53" and details["list"] == "NEED004"
    assert all(key in sv.MESSAGES for key in keys.values())
    assert pe_error_key(Conflict("project_has_requests", "x")) == "pe.error.project_has_requests"
    assert pe_error_key(Conflict("something_else", "x")) == "error.unknown"
