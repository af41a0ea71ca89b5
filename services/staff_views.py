"""Read models for the staff and superadmin pages, as plain dicts ready for the UI state.

The UI never opens sessions itself: these functions pick the right database through ``services.tenancy`` and
return JSON-friendly values (strings, numbers, booleans, lists, dicts).
"""

from __future__ import annotations

from sqlmodel import select

from models.central import Orchestra
from services import catalog, clock, tenancy
from services.settings import get_settings

LIST_TYPES = ("A", "B", "C")


def instruments_for_orchestra(orchestra_pk: str, include_archived: bool = False) -> list[dict]:
    """The orchestra's instruments (display order), each with its positions and A/B/C list sizes."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    with tenancy.orchestra_session(ref) as session:
        views = catalog.list_instruments(session, include_archived=include_archived)
    return [
        {
            "instrumentId": view.instrumentId,
            "name": view.name,
            "displayOrder": view.displayOrder if view.displayOrder is not None else "",
            "isArchived": view.isArchived,
            "musicianCount": view.musicianCount,
            "positionCount": len(view.positions),
            "positions": [
                {
                    "positionId": position.positionId,
                    "name": position.name,
                    "hierarchyLevel": position.hierarchyLevel,
                    "qualifiedCount": position.qualifiedCount,
                    # Always A, B and C (in that order), "–" when the list does not exist yet.
                    "lists": [
                        {"listType": list_type,
                         "size": str(position.rankingLists[list_type])
                         if list_type in position.rankingLists else "–"}
                        for list_type in LIST_TYPES
                    ],
                }
                for position in view.positions
            ],
        }
        for view in views
    ]


def orchestras_overview() -> list[dict]:
    """Every orchestra (by name) for the superadmin table, creation time in the platform's time zone."""
    refs = tenancy.list_orchestras()
    # OrchestraRef carries no creation time; read it (and only it) from the central table.
    with tenancy.central_session() as session:
        created = dict(session.exec(select(Orchestra.id, Orchestra.createdAt)).all())
    tz_name = get_settings().timezone
    return [
        {
            "id": ref.id,
            "name": ref.name,
            "subdomain": ref.subdomain,
            "status": ref.status,
            "created": clock.format_local(created.get(ref.id), tz_name),
        }
        for ref in refs
    ]
