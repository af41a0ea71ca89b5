"""The admin operations on instruments and positions (``services.catalog``): what each writes, the audit trail,
and every refusal (bad input, names taken, deleting what is in use), after which nothing has changed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from reflex.istate.data import RouterData
from reflex.state import State

from models.orchestra import AuditLog, Instrument, Position, Ranking, RankingList
from services import auth, catalog, tenancy
from services.errors import Conflict, NotFound, ValidationError
from state.instruments import InstrumentsState  # at import time, so Reflex registers it in the main context
from tests.engine_helpers import (
    VIOLA_TUTTI,
    VIOLIN_TUTTI,
    add_musician,
    add_need,
    custom_list,
    make_orchestra,
    make_project,
    position,
    rank,
)


@pytest.fixture
def ref(installation):
    return make_orchestra()


def snapshot(ref) -> dict:
    """Everything the operations could write, to prove a refusal wrote nothing."""
    with tenancy.orchestra_session(ref) as session:
        def rows(model, *columns):
            return sorted(tuple(row) for row in session.execute(sa.select(*columns)).all())

        return {
            "instruments": rows(Instrument, Instrument.instrumentId, Instrument.name, Instrument.displayOrder,
                                Instrument.isArchived, Instrument.archivedAt),
            "positions": rows(Position, Position.positionId, Position.instrumentId, Position.name,
                              Position.hierarchyLevel),
            "lists": rows(RankingList, RankingList.rankingListId, RankingList.positionId, RankingList.listType),
            "rankings": rows(Ranking, Ranking.listId, Ranking.musicianId, Ranking.rank),
            "audit": session.execute(sa.select(sa.func.count()).select_from(AuditLog)).scalar_one(),
        }


def instrument_names(ref, include_archived=True) -> list[str]:
    with tenancy.orchestra_session(ref) as session:
        return [view.name for view in catalog.list_instruments(session, include_archived=include_archived)]


def view_of(ref, name: str) -> catalog.InstrumentView:
    with tenancy.orchestra_session(ref) as session:
        return next(v for v in catalog.list_instruments(session, include_archived=True) if v.name == name)


def audit_actions(ref) -> list[tuple[str, str | None]]:
    with tenancy.orchestra_session(ref) as session:
        return [tuple(row) for row in session.execute(
            sa.select(AuditLog.action, AuditLog.userId).order_by(AuditLog.id)).all()]


def refused(ref, error: type, call, *args, **kwargs):
    """Run an operation that must fail with ``error`` and leave every row as it was."""
    before = snapshot(ref)
    with pytest.raises(error) as caught:
        call(ref, *args, **kwargs)
    assert snapshot(ref) == before
    return caught.value


# ----- instruments -------------------------------------------------------------------------------------------


def test_create_instrument_comes_last_and_is_audited(ref):
    created = catalog.create_instrument(ref, "  Nyckelharpa  ", actor="admin1")
    assert created["name"] == "Nyckelharpa"
    assert created["instrumentId"].startswith("INST")
    names = instrument_names(ref)
    assert names[-1] == "Nyckelharpa"
    assert created["displayOrder"] == max(v.displayOrder for v in catalog_views(ref))
    assert audit_actions(ref)[-1] == ("create_instrument", "admin1")


def catalog_views(ref):
    with tenancy.orchestra_session(ref) as session:
        return catalog.list_instruments(session, include_archived=True)


@pytest.mark.parametrize("name, field_error", [("", "required"), ("   ", "required"), (None, "required"),
                                                ("x" * 101, "too_long")])
def test_create_instrument_refuses_bad_names(ref, name, field_error):
    error = refused(ref, ValidationError, catalog.create_instrument, name)
    assert error.fields == {"name": field_error}


def test_instrument_names_are_unique_whatever_the_case(ref):
    error = refused(ref, Conflict, catalog.create_instrument, "violin")
    assert error.code == "instrument_name_taken" and error.fields == {"name": "taken"}
    viola = view_of(ref, "Viola")
    error = refused(ref, Conflict, catalog.rename_instrument, viola.instrumentId, "VIOLIN")
    assert error.fields == {"name": "taken"}
    catalog.create_instrument(ref, "Ängsflöjt")
    assert refused(ref, Conflict, catalog.create_instrument, "ÄNGSFLÖJT").code == "instrument_name_taken"
    catalog.rename_instrument(ref, view_of(ref, "Ängsflöjt").instrumentId, "ängsflöjt")  # its own name: fine


def test_rename_instrument(ref):
    viola = view_of(ref, "Viola")
    catalog.rename_instrument(ref, viola.instrumentId, "Altfiol", actor="a")
    assert view_of(ref, "Altfiol").instrumentId == viola.instrumentId
    assert audit_actions(ref)[-1] == ("rename_instrument", "a")
    refused(ref, NotFound, catalog.rename_instrument, "INST999", "Något")


def test_move_instrument_up_and_down_renumbers(ref):
    names = instrument_names(ref)
    second = view_of(ref, names[1])
    order = catalog.move_instrument(ref, second.instrumentId, "up", actor="a")
    assert instrument_names(ref)[:2] == [names[1], names[0]]
    assert [v.displayOrder for v in catalog_views(ref)] == list(range(1, len(names) + 1))
    assert order[0] == second.instrumentId
    catalog.move_instrument(ref, second.instrumentId, "down")
    assert instrument_names(ref) == names
    assert [a for a, _ in audit_actions(ref)][-2:] == ["reorder_instruments", "reorder_instruments"]


def test_move_at_the_edge_or_with_bad_direction_writes_nothing(ref):
    first = catalog_views(ref)[0]
    refused(ref, ValidationError, catalog.move_instrument, first.instrumentId, "sideways")
    before = snapshot(ref)
    catalog.move_instrument(ref, first.instrumentId, "up")
    assert snapshot(ref) == before


def test_move_skips_archived_instruments_the_page_hides(ref):
    names = instrument_names(ref)
    catalog.set_instrument_archived(ref, view_of(ref, names[1]).instrumentId, True)
    catalog.move_instrument(ref, view_of(ref, names[2]).instrumentId, "up")
    assert instrument_names(ref, include_archived=False)[:2] == [names[2], names[0]]


def test_reorder_instruments_takes_every_instrument_once(ref):
    ids = [v.instrumentId for v in catalog_views(ref)]
    refused(ref, ValidationError, catalog.reorder_instruments, ids[:-1])
    refused(ref, ValidationError, catalog.reorder_instruments, ids + ids[:1])
    refused(ref, ValidationError, catalog.reorder_instruments, "not a list")
    catalog.reorder_instruments(ref, list(reversed(ids)))
    assert [v.instrumentId for v in catalog_views(ref)] == list(reversed(ids))


def test_archive_and_restore_instrument(ref):
    viola = view_of(ref, "Viola")
    catalog.set_instrument_archived(ref, viola.instrumentId, True, actor="a")
    assert "Viola" not in instrument_names(ref, include_archived=False)
    with tenancy.orchestra_session(ref) as session:
        row = session.execute(sa.select(Instrument).where(Instrument.name == "Viola")).scalar_one()
        assert row.isArchived and row.archivedAt is not None
    refused(ref, Conflict, catalog.set_instrument_archived, viola.instrumentId, True)
    catalog.set_instrument_archived(ref, viola.instrumentId, False, actor="a")
    assert "Viola" in instrument_names(ref, include_archived=False)
    refused(ref, Conflict, catalog.set_instrument_archived, viola.instrumentId, False)
    refused(ref, ValidationError, catalog.set_instrument_archived, viola.instrumentId, "yes")
    assert [a for a, _ in audit_actions(ref)][-2:] == ["archive_instrument", "restore_instrument"]


def test_delete_unused_instrument_removes_positions_and_lists(ref):
    created = catalog.create_instrument(ref, "Theremin")
    position_id = catalog.create_position(ref, created["instrumentId"], "Solo")["positionId"]
    assert catalog.instrument_usage(ref, created["instrumentId"]) == dict.fromkeys(catalog.USAGE_KINDS, 0)
    catalog.delete_instrument(ref, created["instrumentId"], actor="a")
    assert "Theremin" not in instrument_names(ref)
    with tenancy.orchestra_session(ref) as session:
        assert session.execute(sa.select(Position).where(Position.positionId == position_id)).first() is None
        assert session.execute(sa.select(sa.func.count()).select_from(RankingList).join(
            Position, Position.id == RankingList.positionId, isouter=True).where(Position.id.is_(None))
        ).scalar_one() == 0
    assert audit_actions(ref)[-1] == ("delete_instrument", "a")
    refused(ref, NotFound, catalog.delete_instrument, created["instrumentId"])


def test_delete_instrument_refused_while_a_musician_is_qualified(ref):
    pos = position(ref, VIOLA_TUTTI)
    add_musician(ref, "Arkiverad", qualified=[pos], archived=True)  # archived musicians count too
    viola = view_of(ref, "Viola")
    error = refused(ref, Conflict, catalog.delete_instrument, viola.instrumentId)
    assert error.code == "instrument_in_use" and error.fields == {"qualifications": "1"}
    assert "Viola" in error.message


def test_delete_instrument_refused_while_a_list_has_musicians(ref):
    pos = position(ref, VIOLA_TUTTI)
    musician = add_musician(ref, "Rankad")
    rank(ref, pos, [musician])
    error = refused(ref, Conflict, catalog.delete_instrument, view_of(ref, "Viola").instrumentId)
    assert error.fields == {"rankings": "1"}


def test_delete_instrument_refused_while_a_project_needs_it(ref):
    pos = position(ref, VIOLA_TUTTI)
    add_need(ref, make_project(ref), pos, "sequential")
    error = refused(ref, Conflict, catalog.delete_instrument, view_of(ref, "Viola").instrumentId)
    assert error.fields == {"needs": "1"}


def test_delete_instrument_refused_while_a_project_has_a_custom_list(ref):
    pos = position(ref, VIOLA_TUTTI)
    custom_list(ref, make_project(ref), pos, [])
    error = refused(ref, Conflict, catalog.delete_instrument, view_of(ref, "Viola").instrumentId)
    assert error.fields == {"customLists": "1"}


# ----- positions ---------------------------------------------------------------------------------------------


def test_create_position_gets_its_abc_lists_and_comes_last(ref):
    viola = view_of(ref, "Viola")
    created = catalog.create_position(ref, viola.instrumentId, "Extra", actor="a")
    assert created["positionId"].startswith("POS")
    view = view_of(ref, "Viola")
    assert [p.name for p in view.positions][-1] == "Extra"
    assert [p.hierarchyLevel for p in view.positions] == list(range(1, len(view.positions) + 1))
    assert next(p for p in view.positions if p.name == "Extra").rankingLists == {"A": 0, "B": 0, "C": 0}
    with tenancy.orchestra_session(ref) as session:
        descriptions = session.execute(sa.select(RankingList.description).join(
            Position, Position.id == RankingList.positionId).where(Position.positionId == created["positionId"])
        ).scalars().all()
    assert sorted(descriptions) == [f"{t}-lista för Extra (Viola)" for t in "ABC"]
    assert audit_actions(ref)[-1] == ("create_position", "a")


def test_create_position_at_a_level_moves_the_others_down(ref):
    viola = view_of(ref, "Viola")
    before = [p.name for p in viola.positions]
    catalog.create_position(ref, viola.instrumentId, "Ny först", 1)
    view = view_of(ref, "Viola")
    assert [p.name for p in view.positions] == ["Ny först", *before]
    assert [p.hierarchyLevel for p in view.positions] == list(range(1, len(before) + 2))


@pytest.mark.parametrize("level", [0, -1, "två", 1.5, True])
def test_create_position_refuses_bad_levels(ref, level):
    error = refused(ref, ValidationError, catalog.create_position, view_of(ref, "Viola").instrumentId, "X", level)
    assert error.fields == {"hierarchyLevel": "number"}


def test_create_position_refusals(ref):
    viola = view_of(ref, "Viola")
    taken = viola.positions[0].name.upper()
    assert refused(ref, Conflict, catalog.create_position, viola.instrumentId, taken).fields == {"name": "taken"}
    assert refused(ref, ValidationError, catalog.create_position, viola.instrumentId, "").fields == {
        "name": "required"}
    refused(ref, NotFound, catalog.create_position, "INST999", "Solo")


def test_the_same_position_name_is_fine_on_another_instrument(ref):
    cello_tutti = position(ref, ("Cello", "Tutti"))
    assert cello_tutti.positionId
    created = catalog.create_position(ref, catalog.create_instrument(ref, "Kontrabas 2")["instrumentId"], "Tutti")
    assert created["name"] == "Tutti"


def test_rename_position(ref):
    pos = position(ref, VIOLA_TUTTI)
    catalog.rename_position(ref, pos.positionId, "Tutti altfiol", actor="a")
    assert "Tutti altfiol" in [p.name for p in view_of(ref, "Viola").positions]
    other = view_of(ref, "Viola").positions[0]
    assert refused(ref, Conflict, catalog.rename_position, other.positionId, "tutti ALTFIOL").fields == {
        "name": "taken"}
    refused(ref, NotFound, catalog.rename_position, "POS999", "X")
    assert audit_actions(ref)[-1] == ("rename_position", "a")


def test_move_and_reorder_positions(ref):
    view = view_of(ref, "Violin")
    names = [p.name for p in view.positions]
    catalog.move_position(ref, view.positions[1].positionId, "up", actor="a")
    assert [p.name for p in view_of(ref, "Violin").positions][:2] == [names[1], names[0]]
    before = snapshot(ref)
    catalog.move_position(ref, view_of(ref, "Violin").positions[-1].positionId, "down")
    assert snapshot(ref) == before
    refused(ref, ValidationError, catalog.move_position, view.positions[0].positionId, "left")
    ids = [p.positionId for p in view.positions]
    refused(ref, ValidationError, catalog.reorder_positions, view.instrumentId, ids[1:])
    catalog.reorder_positions(ref, view.instrumentId, list(reversed(ids)))
    levels = [(p.positionId, p.hierarchyLevel) for p in view_of(ref, "Violin").positions]
    assert levels == [(pid, n) for n, pid in enumerate(reversed(ids), start=1)]


def test_delete_unused_position_closes_the_gap(ref):
    viola = view_of(ref, "Viola")
    created = catalog.create_position(ref, viola.instrumentId, "Mitt", 1)
    catalog.delete_position(ref, created["positionId"], actor="a")
    view = view_of(ref, "Viola")
    assert "Mitt" not in [p.name for p in view.positions]
    assert [p.hierarchyLevel for p in view.positions] == list(range(1, len(view.positions) + 1))
    assert audit_actions(ref)[-1] == ("delete_position", "a")
    refused(ref, NotFound, catalog.delete_position, created["positionId"])


def test_delete_position_refusals_name_every_use(ref):
    pos = position(ref, VIOLIN_TUTTI)
    musician = add_musician(ref, "Kvalificerad", qualified=[pos])
    rank(ref, pos, [musician])
    project = make_project(ref)
    add_need(ref, project, pos, "sequential")
    custom_list(ref, project, pos, [musician])
    assert catalog.position_usage(ref, pos.positionId) == {"qualifications": 1, "rankings": 1, "needs": 1,
                                                           "customLists": 1}
    error = refused(ref, Conflict, catalog.delete_position, pos.positionId)
    assert error.code == "position_in_use"
    assert error.fields == {"qualifications": "1", "rankings": "1", "needs": "1", "customLists": "1"}


def test_delete_position_refused_for_a_qualification_alone(ref):
    pos = position(ref, VIOLA_TUTTI)
    add_musician(ref, "Bara", qualified=[pos])
    assert refused(ref, Conflict, catalog.delete_position, pos.positionId).fields == {"qualifications": "1"}


# ----- the page's state handlers, called as the websocket would call them -----------------------------------

HOST = "engine.localhost:3000"
PASSWORD = "staff-password-2026"


def logged_in_state(role: str):
    """InstrumentsState of a fresh root state, logged in as a ``role`` of the "engine" orchestra."""
    auth.create_user(username=f"engine-{role}", email=f"{role}@engine.test", password=PASSWORD, role=role,
                     orchestra_subdomain="engine")
    token, _ = auth.login(f"engine-{role}", PASSWORD, ip="127.0.0.1")
    root = State()
    root.router = RouterData.from_router_data({
        "headers": {"host": HOST, "origin": f"http://{HOST}", "cookie": f"{auth.SESSION_COOKIE}={token}"},
        "pathname": "/instruments", "asPath": "/instruments", "query": {},
    })
    return root.get_substate(InstrumentsState.get_full_name().split(".")[1:])


async def test_a_user_cannot_change_the_catalogue_even_with_a_crafted_event(ref):
    state = logged_in_state("user")
    await state.load_instruments()
    assert state.loaded and not state.is_admin
    before = snapshot(ref)
    state.dialog_kind, state.form_name = "create_instrument", "Smuggel"
    await state.save_dialog()
    await state.move_instrument(state.instruments[1].instrumentId, "up")
    await state.ask("delete_instrument", state.instruments[-1].instrumentId)
    state.confirm_action, state.confirm_target = "archive", state.instruments[0].instrumentId
    await state.confirm()
    assert state.error_key == "error.forbidden"
    assert snapshot(ref) == before


async def test_admin_dialogs_show_field_errors_and_refusal_reasons(ref):
    state = logged_in_state("admin")
    await state.load_instruments()
    assert state.is_admin
    state.open_create_instrument()
    state.set_form_name("  ")
    await state.save_dialog()
    assert state.dialog_open and state.field_errors == {"name": "instruments.field.required"}
    state.set_form_name("Nyckelharpa")
    await state.save_dialog()
    assert not state.dialog_open and state.ok_key == "instruments.done.create_instrument"
    assert state.instruments[-1].name == "Nyckelharpa"

    nyckelharpa = state.instruments[-1].instrumentId
    state.open_create_position(nyckelharpa)
    state.set_form_name("Solo")
    state.set_form_level("0")
    await state.save_dialog()
    assert state.field_errors == {"hierarchyLevel": "instruments.field.number"}
    state.set_form_level("")
    await state.save_dialog()
    solo = state.instruments[-1].positions[0]
    assert solo.name == "Solo" and solo.rankingsHref == f"/rankings?position={solo.positionId}"
    assert [size.size for size in solo.lists] == ["0", "0", "0"]

    pos = position(ref, VIOLA_TUTTI)
    add_musician(ref, "Kvalificerad", qualified=[pos])
    viola = next(row.instrumentId for row in state.instruments if row.name == "Viola")
    await state.ask("delete_instrument", viola)
    assert state.confirm_open
    assert [(reason.key, reason.count) for reason in state.blocked_reasons] == [
        ("instruments.in_use.qualifications", 1)]
    before = snapshot(ref)
    await state.confirm()  # the dialog offers no delete; a crafted confirm does nothing either
    assert snapshot(ref) == before

    await state.ask("delete_instrument", nyckelharpa)
    assert state.blocked_reasons == [] and not state.confirm_ready
    before = snapshot(ref)
    await state.confirm()  # the word RADERA has not been typed
    assert snapshot(ref) == before and state.confirm_open
    state.set_confirm_text(" RADERA ")
    await state.confirm()
    assert state.ok_key == "instruments.done.delete_instrument"
    assert "Nyckelharpa" not in [row.name for row in state.instruments]


def test_every_refusal_of_the_catalogue_has_a_text_in_both_languages():
    from stagesub_ui.i18n import en, sv

    codes = ["instrument_not_found", "position_not_found", "instrument_name_taken", "position_name_taken",
             "already_archived", "not_archived", "instrument_in_use", "position_in_use", "invalid_direction",
             "invalid_order"]
    for catalog_dict in (sv.MESSAGES, en.MESSAGES):
        for code in codes:
            assert f"instruments.error.{code}" in catalog_dict
        for value in ("required", "too_long", "taken", "number"):
            assert f"instruments.field.{value}" in catalog_dict
        for kind in catalog.USAGE_KINDS:
            assert f"instruments.in_use.{kind}" in catalog_dict
