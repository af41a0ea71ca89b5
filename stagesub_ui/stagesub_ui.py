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
from stagesub_ui.pages.communication import communication_page
from stagesub_ui.pages.custom_lists import custom_lists_page
from stagesub_ui.pages.dashboard import dashboard_page
from stagesub_ui.pages.dev_outbox import dev_outbox_page
from stagesub_ui.pages.group_email import group_email_page
from stagesub_ui.pages.home import home_page
from stagesub_ui.pages.instruments import instruments_page
from stagesub_ui.pages.login import login_page
from stagesub_ui.pages.logs import logs_page
from stagesub_ui.pages.musician_profile import musician_profile_page
from stagesub_ui.pages.musicians import musicians_page
from stagesub_ui.pages.project_detail import project_detail_page
from stagesub_ui.pages.projects import projects_page
from stagesub_ui.pages.rankings import rankings_page
from stagesub_ui.pages.roster_import import roster_import_page
from stagesub_ui.pages.settings import settings_page
from stagesub_ui.pages.superadmin import superadmin_page
from stagesub_ui.pages.templates import templates_page
from stagesub_ui.pages.users import users_page
from state.account import AccountState
from state.communication import CommunicationState
from state.custom_lists import CustomListsState
from state.dashboard import DashboardState
from state.dev_outbox import DevOutboxState
from state.group_email import GroupEmailState
from state.instruments import InstrumentsState
from state.logs import LogsState
from state.musicians import MusicianProfileState, MusiciansState
from state.project_files import ProjectFilesState
from state.projects import ProjectDetailState, ProjectsState
from state.rankings import RankingsState
from state.roster_import import RosterImportState
from state.session import SessionState
from state.settings import SettingsState
from state.superadmin import SuperadminState
from state.templates import TemplatesState
from state.users import UsersState

# route -> (component, on_load handlers). routes.PAGES says who may see each route; the guards enforce it.
# Developer pages (routes.PageSpec.dev_only) are left out unless the installation runs in dev or test.
PAGE_TABLE: dict[str, tuple] = {
    routes.HOME: (home_page, [SessionState.go_home]),
    routes.LOGIN: (login_page, [SessionState.load_login_page]),
    routes.INSTRUMENTS: (instruments_page, [SessionState.guard_staff, InstrumentsState.load_instruments]),
    routes.PROJECTS: (projects_page, [SessionState.guard_staff, ProjectsState.load_projects]),
    routes.PROJECT: (project_detail_page, [SessionState.guard_staff, ProjectDetailState.load_project,
                                           ProjectFilesState.load_files]),
    routes.PROJECT_LISTS: (custom_lists_page, [SessionState.guard_staff, CustomListsState.load_custom_lists]),
    routes.GROUP_EMAIL: (group_email_page, [SessionState.guard_staff, GroupEmailState.load_group_email]),
    routes.RANKINGS: (rankings_page, [SessionState.guard_staff, RankingsState.load_rankings]),
    routes.MUSICIANS: (musicians_page, [SessionState.guard_staff, MusiciansState.load_musicians]),
    routes.MUSICIAN: (musician_profile_page, [SessionState.guard_staff, MusicianProfileState.load_profile]),
    routes.MUSICIANS_IMPORT: (roster_import_page, [SessionState.guard_staff, RosterImportState.load_import]),
    routes.SETTINGS: (settings_page, [SessionState.guard_admin, SettingsState.load_settings]),
    routes.DEV_OUTBOX: (dev_outbox_page, [SessionState.guard_staff, DevOutboxState.load_outbox]),
    routes.TEMPLATES: (templates_page, [SessionState.guard_admin, TemplatesState.load_templates]),
    routes.ACCOUNT: (account_page, [SessionState.guard_any_user, AccountState.load_account]),
    routes.DASHBOARD: (dashboard_page, [SessionState.guard_staff, DashboardState.load_dashboard]),
    routes.COMMUNICATION: (communication_page, [SessionState.guard_staff, CommunicationState.load_communication]),
    routes.USERS: (users_page, [SessionState.guard_admin, UsersState.load_users]),
    routes.LOGS: (logs_page, [SessionState.guard_admin, LogsState.load_logs]),
    routes.SUPERADMIN: (superadmin_page, [SessionState.guard_superadmin, SuperadminState.load_orchestras]),
}


def page_title(title_key: str) -> str:
    name = translate("app.name")
    title = translate(title_key)
    return name if title == name else f"{title} · {name}"


app = rx.App(
    style=styles.BASE,
    html_lang="sv",  # Swedish first; SessionState sets the user's language on every page load
    api_transformer=build_api(),
)
app.register_lifespan_task(scheduler_lifespan)

DEV_TOOLS = routes.dev_tools_enabled()

for spec in routes.pages(include_dev=DEV_TOOLS):
    component, on_load = PAGE_TABLE[spec.route]
    app.add_page(component, route=spec.route, title=page_title(spec.title_key), on_load=on_load)
