"""The Reflex app: theme, the HTTP endpoints in front (api_transformer) and THE page table.

Nothing here touches a database at import time (``reflex export`` imports this module).
"""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.endpoints import build_api
from stagesub_ui.i18n import translate
from stagesub_ui.lifespan import scheduler_lifespan
from stagesub_ui.pages.account import account_page
from stagesub_ui.pages.home import home_page
from stagesub_ui.pages.instruments import instruments_page
from stagesub_ui.pages.login import login_page
from stagesub_ui.pages.superadmin import superadmin_page
from state.account import AccountState
from state.instruments import InstrumentsState
from state.session import SessionState
from state.superadmin import SuperadminState

# route -> (component, on_load handlers). routes.PAGES says who may see each route; the guards enforce it.
PAGE_TABLE: dict[str, tuple] = {
    routes.HOME: (home_page, [SessionState.go_home]),
    routes.LOGIN: (login_page, [SessionState.load_login_page]),
    routes.INSTRUMENTS: (instruments_page, [SessionState.guard_staff, InstrumentsState.load_instruments]),
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

for spec in routes.PAGES:
    component, on_load = PAGE_TABLE[spec.route]
    app.add_page(component, route=spec.route, title=page_title(spec.title_key), on_load=on_load)
