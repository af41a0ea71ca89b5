"""A project's custom ranking lists as the staff page builds them (``/projects/<projectId>/lists``).

A custom list ("anpassad lista") is a one-off order of musicians for one position of one project
(ORIGINAL_BEHAVIOUR.md §1 ``CustomRankingList`` and §5.4, the custom list builder). The rules for creating one and
for replacing its order live in ``services.projects`` (``create_custom_list``, ``replace_custom_order``: one list
per project and position; qualified, non-archived musicians, each once), which the REST API uses as well. This
module adds what the page needs around them:

* ``project_lists``: the project, its custom lists (position, size, the need that uses each) and the orchestra's
  instruments and positions to choose from;
* ``position_builder``: for one position, the project's list for it (opened for editing) or none yet, the pool
  of musicians who may be put on it (qualified, active, not archived) and the lists whose order can be copied
  (the position's standard A/B/C lists, other custom lists of the position in this project, if any, and the
  position's lists in other projects that were saved as templates);
* ``save_custom_list``: create the list with the page's order, or replace the order of the one opened, and mark
  it as a template under a name or not; an empty list is refused, and so is a save over a list that someone else
  saved after the page read it;
* ``delete_custom_list``: delete a list no open need uses.

Every function takes an ``OrchestraRef`` and public ids and returns plain dicts, like ``services.rankings``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models.orchestra import (
    CustomRanking,
    CustomRankingList,
    Instrument,
    Musician,
    MusicianQualification,
    Position,
    Project,
    ProjectFile,
    ProjectNeed,
    Ranking,
    RankingList,
    Request,
)
from services import catalog, projects, tenancy
from services.catalog import swedish_sort_key
from services.errors import Conflict, NotFound, ValidationError
from services.musicians import position_by_public_id
from services.rankings import ordered_musician_ids

UNORDERED = 999  # instruments without a display order come last, as everywhere else


# ----- small helpers -----------------------------------------------------------------------------------------------


def _project(session: Session, project_id: Any) -> Project:
    project = None
    if isinstance(project_id, str) and project_id:
        project = session.exec(select(Project).where(Project.projectId == project_id)).first()
    if project is None:
        raise NotFound("project_not_found", f"No project {project_id}.")
    return project


def _custom(session: Session, custom_list_id: Any) -> CustomRankingList:
    custom = None
    if isinstance(custom_list_id, str) and custom_list_id:
        custom = session.exec(select(CustomRankingList).where(
            CustomRankingList.customListId == custom_list_id)).first()
    if custom is None:
        raise NotFound("custom_list_not_found", f"No custom list {custom_list_id}.")
    return custom


def _lock_project(session: Session, project_pk: int) -> None:
    """The project's lock, the one ``services.projects`` takes before adding a need (PostgreSQL; on SQLite the
    write transaction already serialises writers)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(sa.select(Project.id).where(Project.id == project_pk).with_for_update())


def new_list_name(project: Project) -> str:
    """The name ``services.projects.create_custom_list`` gives a new list: "V. <week> <project name>"."""
    return f"V. {project.weekNumber} {project.name}"


def _open_users(session: Session, list_pks: Sequence[int]) -> dict[int, str]:
    """Custom list pk → the public id of the open (not cancelled or archived) need that uses it."""
    if not list_pks:
        return {}
    rows = session.execute(
        sa.select(ProjectNeed.customRankingListId, ProjectNeed.projectNeedId)
        .where(ProjectNeed.customRankingListId.in_(list_pks), ProjectNeed.status.not_in(projects.CLOSED_STATUSES))
        .order_by(ProjectNeed.id)
    ).all()
    users: dict[int, str] = {}
    for list_pk, need_id in rows:
        users.setdefault(list_pk, need_id)
    return users


def _person(musician_id: str, first: str, last: str, email: str, local: bool, active: bool) -> dict:
    return {"musicianId": musician_id, "name": f"{first} {last}", "email": email, "localResidence": bool(local),
            "isActive": bool(active)}


def _version(custom: CustomRankingList, musician_ids: Sequence[str]) -> str:
    """A short hash of a list as the page showed it: its order (non-archived musicians in rank order) and its
    template name."""
    text = "\n".join((custom.customListId, ",".join(musician_ids), projects.template_label(custom) or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ----- the page's overview -----------------------------------------------------------------------------------------


def project_lists(ref: tenancy.OrchestraRef, project_id: str) -> dict:
    """The project (``projectId``, ``name``, ``weekNumber``), its custom lists in the orchestra's instrument and
    position order, and the instruments (not archived) with their positions.

    Each list: ``customListId, name, positionId, positionName, instrumentName, count`` (non-archived musicians
    on it), ``usedBy`` (the open need that uses it, "" if none) and ``templateName`` ("" unless the list is saved
    as a template). 404 ``project_not_found``.
    """
    with tenancy.orchestra_session(ref) as session:
        project = _project(session, project_id)
        rows = session.execute(
            sa.select(CustomRankingList, Position.positionId, Position.name, Instrument.name)
            .join(Position, Position.id == CustomRankingList.positionId)
            .join(Instrument, Instrument.id == Position.instrumentId)
            .where(CustomRankingList.projectId == project.id)
            .order_by(sa.func.coalesce(Instrument.displayOrder, UNORDERED), Instrument.id, Position.hierarchyLevel,
                      Position.id, CustomRankingList.id)
        ).all()
        list_pks = [custom.id for custom, *_ in rows]
        orders = ordered_musician_ids(session, CustomRanking, CustomRanking.__table__.c.customListId, list_pks)
        users = _open_users(session, list_pks)
        instruments = catalog.list_instruments(session)
        return {
            "project": {"projectId": project.projectId, "name": project.name, "weekNumber": project.weekNumber},
            "lists": [
                {"customListId": custom.customListId, "name": custom.name, "positionId": position_id,
                 "positionName": position_name, "instrumentName": instrument_name,
                 "count": len(orders[custom.id]), "usedBy": users.get(custom.id, ""),
                 "templateName": projects.template_label(custom) or ""}
                for custom, position_id, position_name, instrument_name in rows
            ],
            "instruments": [
                {"instrumentId": view.instrumentId, "name": view.name,
                 "positions": [{"positionId": p.positionId, "name": p.name} for p in view.positions]}
                for view in instruments if view.positions
            ],
        }


# ----- building one list -------------------------------------------------------------------------------------------


def _pool(session: Session, position: Position) -> list[dict]:
    """Musicians qualified for the position, active and not archived, by last and first name (Swedish order)."""
    rows = session.execute(
        sa.select(Musician.musicianId, Musician.firstName, Musician.lastName, Musician.email,
                  Musician.localResidence, Musician.isActive)
        .join(MusicianQualification, MusicianQualification.musicianId == Musician.id)
        .where(MusicianQualification.positionId == position.id, Musician.isActive == sa.true(),
               Musician.isArchived == sa.false())
    ).all()
    rows = sorted(rows, key=lambda r: (swedish_sort_key(r.lastName), swedish_sort_key(r.firstName), r.musicianId))
    return [_person(*row) for row in rows]


def _list_people(session: Session, custom: CustomRankingList) -> list[dict]:
    """The list's non-archived musicians in rank order (inactive ones included and marked)."""
    rows = session.execute(
        sa.select(Musician.musicianId, Musician.firstName, Musician.lastName, Musician.email,
                  Musician.localResidence, Musician.isActive)
        .join(CustomRanking, CustomRanking.musicianId == Musician.id)
        .where(CustomRanking.customListId == custom.id, Musician.isArchived == sa.false())
        .order_by(CustomRanking.rank, CustomRanking.id)
    ).all()
    return [_person(*row) for row in rows]


def _sources(session: Session, project: Project, position: Position, opened: CustomRankingList | None,
             pool_ids: set[str]) -> list[dict]:
    """The lists whose order the page can copy: the position's standard lists (A, B, C), the project's other
    custom lists of the position, then the position's lists in other projects saved as templates (by template
    name; ``project`` names their project). ``musicianIds`` holds only who may be put on the new list (the pool),
    in the list's order; ``skipped`` counts the rest (inactive, or no longer qualified)."""
    standard = list(session.exec(
        select(RankingList).where(RankingList.positionId == position.id).order_by(RankingList.listType)).all())
    others = list(session.exec(
        select(CustomRankingList).where(CustomRankingList.projectId == project.id,
                                        CustomRankingList.positionId == position.id,
                                        CustomRankingList.id != (opened.id if opened else -1))
        .order_by(CustomRankingList.id)).all())
    templates = session.execute(
        sa.select(CustomRankingList, Project.name)
        .join(Project, Project.id == CustomRankingList.projectId)
        .where(CustomRankingList.positionId == position.id, CustomRankingList.isTemplate == sa.true(),
               CustomRankingList.projectId != project.id)
    ).all()
    templates = sorted(templates, key=lambda row: (swedish_sort_key(projects.template_label(row[0])), row[0].id))
    standard_orders = ordered_musician_ids(session, Ranking, Ranking.__table__.c.listId, [rl.id for rl in standard])
    custom_orders = ordered_musician_ids(session, CustomRanking, CustomRanking.__table__.c.customListId,
                                         [c.id for c in others] + [c.id for c, _ in templates])

    def source(key: str, kind: str, name: str, order: list[str], project_name: str = "") -> dict:
        usable = [m for m in order if m in pool_ids]
        return {"key": key, "kind": kind, "name": name, "project": project_name, "musicianIds": usable,
                "skipped": len(order) - len(usable)}

    return ([source(f"list:{rl.rankingListId}", "standard", rl.listType, standard_orders[rl.id]) for rl in standard]
            + [source(f"custom:{c.customListId}", "custom", c.name, custom_orders[c.id]) for c in others]
            + [source(f"custom:{c.customListId}", "template", projects.template_label(c), custom_orders[c.id],
                      project_name) for c, project_name in templates])


def position_builder(ref: tenancy.OrchestraRef, project_id: str, position_id: str) -> dict:
    """What the builder shows for one position of the project.

    ``positionId, positionName, instrumentName``; ``list``: the project's custom list for the position
    (``customListId, name, templateName`` ("" when not a template)``, usedBy, version, musicians``) or None when
    there is none yet; ``newName``: the name a new list gets; ``pool``: everyone who may be put on the list (each
    ``musicianId, name, email, localResidence, isActive``); ``sources``: the lists to copy from (``key, kind``
    (standard, custom, template)``, name, project, musicianIds, skipped``). 404 ``project_not_found`` /
    ``position_not_found``.
    """
    with tenancy.orchestra_session(ref) as session:
        project = _project(session, project_id)
        if not isinstance(position_id, str) or not position_id:
            raise NotFound("position_not_found", f"No position {position_id}.")
        position = position_by_public_id(session, position_id)
        instrument = session.get(Instrument, position.instrumentId)
        opened = session.exec(
            select(CustomRankingList).where(CustomRankingList.projectId == project.id,
                                            CustomRankingList.positionId == position.id)
            .order_by(CustomRankingList.id)).first()
        pool = _pool(session, position)
        current = None
        if opened is not None:
            people = _list_people(session, opened)
            current = {
                "customListId": opened.customListId, "name": opened.name,
                "templateName": projects.template_label(opened) or "",
                "usedBy": _open_users(session, [opened.id]).get(opened.id, ""),
                "version": _version(opened, [p["musicianId"] for p in people]),
                "musicians": people,
            }
        return {
            "positionId": position.positionId, "positionName": position.name, "instrumentName": instrument.name,
            "list": current, "newName": new_list_name(project), "pool": pool,
            "sources": _sources(session, project, position, opened, {p["musicianId"] for p in pool}),
        }


def save_custom_list(ref: tenancy.OrchestraRef, project_id: str, position_id: str, musician_ids: Sequence[str],
                     custom_list_id: str | None = None, *, expected_version: str | None = None,
                     template_name: str | None = None) -> dict:
    """Save the builder's list: create the project's list for the position with ``musician_ids`` in that order
    (``projects.create_custom_list``), or, with ``custom_list_id``, replace that list's order
    (``projects.replace_custom_order``). ``template_name`` saves it as a template under that name; None saves it
    as no template (a template mark it had is taken off). Returns the saved list (``projects``' custom list dict).

    Refused, writing nothing: an empty list (422 ``empty_list``); musicians who may not be on it (422
    ``invalid_order``); a second list for the position (409 ``custom_list_exists``); a ``custom_list_id`` of
    another project or position (404 ``custom_list_not_found``); and, with ``expected_version`` (the
    ``version`` of ``position_builder``), a list whose order was saved by someone else since (409
    ``list_changed``); a template name that is blank or longer than 100 characters (422
    ``invalid_template_name``). The version check is made under the project's lock in the transaction that
    writes, so of two saves from the same version exactly one wins.
    """
    if not isinstance(musician_ids, (list, tuple)):
        raise ValidationError("invalid_order", "musicianIds must be a list of musicianIds.",
                              {"musicianIds": "a list of ids"})
    if not musician_ids:
        raise ValidationError("empty_list", "Add at least one musician to the list before saving it.",
                              {"musicianIds": "at least one"})
    template_name = projects.clean_template_name(template_name)
    if not custom_list_id:
        return projects.create_custom_list(ref, project_id, position_id, list(musician_ids), template_name)
    current = projects.get_custom_list(ref, custom_list_id)
    if current["projectId"] != project_id or current["positionId"] != position_id:
        raise NotFound("custom_list_not_found",
                       f"The custom list {custom_list_id} is not the list of {position_id} in {project_id}.")

    def unchanged(custom: CustomRankingList, order: list[str]) -> None:
        if expected_version is not None and _version(custom, order) != expected_version:
            raise Conflict("list_changed", f"The custom list {custom_list_id} was saved by someone else after "
                           "you opened it; nothing was saved. Open it again and redo your change.")

    # The version is compared under the project's lock, in the transaction that writes the new order.
    return projects.replace_custom_order(ref, custom_list_id, list(musician_ids), check=unchanged,
                                         template_name=template_name)


def delete_custom_list(ref: tenancy.OrchestraRef, custom_list_id: str, *, project_id: str | None = None) -> dict:
    """Delete a custom list; returns ``{"customListId", "name"}`` of the deleted list.

    Refused (409, nothing deleted) while an open need (not cancelled) uses it (``custom_list_in_use``), and when a
    cancelled need that used it has requests (``custom_list_has_history``: the need's history refers to the
    list). A cancelled need that used it but never sent a request goes with it (the database would cascade it
    anyway; here it is explicit). With ``project_id``, a list of another project is 404
    ``custom_list_not_found``. Runs under the project's lock, the lock taken when a need is added, so a need
    cannot start using the list while it is being deleted.
    """

    def work(session: Session) -> dict:
        custom = _custom(session, custom_list_id)
        _lock_project(session, custom.projectId)
        if project_id is not None:
            owner = session.get(Project, custom.projectId)
            if owner is None or owner.projectId != project_id:
                raise NotFound("custom_list_not_found", f"No custom list {custom_list_id} in {project_id}.")
        needs = session.execute(
            sa.select(ProjectNeed.id, ProjectNeed.projectNeedId, ProjectNeed.status)
            .where(ProjectNeed.customRankingListId == custom.id).order_by(ProjectNeed.id)
        ).all()
        open_needs = [need for need in needs if need.status not in projects.CLOSED_STATUSES]
        if open_needs:
            need_id = open_needs[0].projectNeedId
            raise Conflict("custom_list_in_use",
                           f"The custom list {custom.customListId} is used by the need {need_id}; cancel the need "
                           "before deleting the list.", {"customListId": f"used by {need_id}"})
        closed = [need.id for need in needs]
        if closed:
            asked = session.execute(sa.select(sa.func.count()).select_from(Request)
                                    .where(Request.projectNeedId.in_(closed))).scalar_one()
            if asked:
                raise Conflict("custom_list_has_history",
                               f"The custom list {custom.customListId} was used by a cancelled need that sent "
                               f"requests; it stays as part of that need's history.",
                               {"customListId": f"{asked} request(s)"})
            session.execute(sa.delete(ProjectFile).where(ProjectFile.projectNeedId.in_(closed)))
            session.execute(sa.delete(ProjectNeed).where(ProjectNeed.id.in_(closed)))
        session.execute(sa.delete(CustomRanking).where(CustomRanking.customListId == custom.id))
        session.execute(sa.delete(CustomRankingList).where(CustomRankingList.id == custom.id))
        return {"customListId": custom.customListId, "name": custom.name}

    return tenancy.write_transaction(ref, work)
