"""Helpers shared by the all-pages browser test and scripts/screenshots.py: demo requests and load marks.

The server itself is conftest's ``running_server`` (re-exported here for the script).
"""

from __future__ import annotations

from pathlib import Path

from stagesub_ui.routes import PAGES_BY_ROUTE
from tests.e2e.conftest import running_server  # noqa: F401  (re-exported for scripts/screenshots.py)


def send_demo_project(data_dir: Path, project_name: str = "Mahler 5") -> str:
    """Send the demo project's requests, deliver them (simulated) and accept the first one by staff (on the
    phone), through the services on the server's data directory: the pages then show real rows. Returns the
    project id."""
    from services import dispatch, outbox, project_views, tenancy
    from tests.e2e.conftest import services_on

    with services_on(data_dir):
        acme = tenancy.get_orchestra("acme")
        project_id = next(row["projectId"] for row in project_views.projects_overview(acme.id)
                          if row["name"] == project_name)
        dispatch.send_project(acme, project_id, actor="acme-admin")
        outbox.deliver_due(acme)
        first = dispatch.list_requests(acme, project_id)[0]
        dispatch.respond_on_behalf(acme, first["requestId"], "accept", staff="acme-admin", note="telefon")
        outbox.deliver_due(acme)
    return project_id


# A row each main page shows once its on_load has read the data (the demo data fills them all), keyed by the
# route, or by the first path segment for the dynamic pages (``loaded_mark``).
LOADED_MARKS = {
    "/dashboard": "upcoming-row", "/musicians": "musician-row", "musicians": "qualification",
    "/instruments": "instrument-card", "/rankings": "rank-row", "/projects": "project-row",
    "projects": "request-row", "/communication": "message-row", "/templates": "template-group",
    "/users": "user-row", "/logs": "system-log-row",
}


def loaded_mark(path: str) -> str | None:
    """The test id to wait for on ``path`` before reading or photographing it, if the page has one."""
    path = path.split("?")[0].rstrip("/") or "/"
    if path in LOADED_MARKS or path in PAGES_BY_ROUTE:  # a page of its own (/musicians/import has no mark)
        return LOADED_MARKS.get(path)
    parts = [part for part in path.split("/") if part]
    return LOADED_MARKS.get(parts[0]) if len(parts) == 2 else None
