"""The Reflex app: theme, the HTTP endpoints in front (api_transformer) and THE page table.

Nothing here touches a database at import time (``reflex export`` imports this module). The settings are read
(``routes.dev_tools_enabled``): the developer pages (the simulated outbox) are registered in dev and test only.
"""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.endpoints import build_api
from stagesub_ui.i18n import translate
from stagesub_ui.lifespan import scheduler_lifespan
from stagesub_ui.pages.account import account_page
from stagesub_ui.pages.dev_outbox import dev_outbox_page
from stagesub_ui.pages.home import home_page
from stagesub_ui.pages.instruments import instruments_page
from stagesub_ui.pages.login import login_page
from stagesub_ui.pages.project_detail import project_detail_page
from stagesub_ui.pages.projects import projects_page
from stagesub_ui.pages.superadmin import superadmin_page
from state.account import AccountState
from state.dev_outbox import DevOutboxState
from state.instruments import InstrumentsState
from state.projects import ProjectDetailState, ProjectsState
from state.session import SessionState
from state.superadmin import SuperadminState

# route -> (component, on_load handlers). routes.PAGES says who may see each route; the guards enforce it.
# Developer pages (routes.PageSpec.dev_only) are left out unless the installation runs in dev or test.
PAGE_TABLE: dict[str, tuple] = {
    routes.HOME: (home_page, [SessionState.go_home]),
    routes.LOGIN: (login_page, [SessionState.load_login_page]),
    routes.INSTRUMENTS: (instruments_page, [SessionState.guard_staff, InstrumentsState.load_instruments]),
    routes.PROJECTS: (projects_page, [SessionState.guard_staff, ProjectsState.load_projects]),
    routes.PROJECT: (project_detail_page, [SessionState.guard_staff, ProjectDetailState.load_project]),
    routes.DEV_OUTBOX: (dev_outbox_page, [SessionState.guard_staff, DevOutboxState.load_outbox]),
    routes.ACCOUNT: (account_page, [SessionState.guard_any_user, AccountState.load_account]),
    routes.SUPERADMIN: (superadmin_page, [SessionState.guard_superadmin, SuperadminState.load_orchestras]),
}


def page_title(title_key: str) -> str:
    name = translate("app.name")
    title = translate(title_key)
    return name if title == name else f"{title} · {name}"


app = rx.App(
    style=styles.BASE,
    api_transformer=build_api(),
)
app.register_lifespan_task(scheduler_lifespan)

DEV_TOOLS = routes.dev_tools_enabled()

for spec in routes.pages(include_dev=DEV_TOOLS):
    component, on_load = PAGE_TABLE[spec.route]
    app.add_page(component, route=spec.route, title=page_title(spec.title_key), on_load=on_load)
