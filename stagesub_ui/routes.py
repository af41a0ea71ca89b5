"""Every route of the UI in one place, as data: page routes with the roles they admit, and the navigation areas.

Plain Python (no Reflex import): the app's page table, the guards, the HTTP endpoints and the tests read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

# ----- page routes -----------------------------------------------------------------------------------
HOME = "/"
LOGIN = "/login"
INSTRUMENTS = "/instruments"
PROJECTS = "/projects"
PROJECT = "/projects/[project_id]"  # dynamic: PROJECTS + "/<projectId>"; build links with project()
PROJECT_LISTS = "/projects/[project_id]/lists"  # staff: a project's custom ranking lists; links: project_lists()
ACCOUNT = "/account"
TEMPLATES = "/templates"
SUPERADMIN = "/superadmin"
DEV_OUTBOX = "/dev/outbox"  # dev and test only (STAGESUB_ENV): the simulated e-mails and SMS
SETTINGS = "/settings"  # admins: the orchestra's e-mail/SMS providers, quiet hours, reminder percentage
GROUP_EMAIL = "/group-email"  # staff: e-mail a project's accepted musicians
DASHBOARD = "/dashboard"  # staff: the home page (upcoming projects, answers awaited, warnings)
COMMUNICATION = "/communication"  # staff: every e-mail and SMS (?status=…&projectId=… preselect), group e-mails
USERS = "/users"  # admins: the orchestra's accounts
LOGS = "/logs"  # admins: the orchestra's system log and audit trail
RANKINGS = "/rankings"  # staff: the A/B/C ranking lists of each position (?position=<positionId> preselects)
MUSICIANS = "/musicians"  # staff: the roster (search, filters, create)
MUSICIAN = "/musicians/[musician_id]"  # dynamic: one musician's profile; build links with musician()
MUSICIANS_IMPORT = "/musicians/import"  # staff: import a roster from CSV or Excel (preview, then all-or-nothing)

# ----- HTTP routes (Starlette, mounted in front of Reflex) ----------------------------------------------
AUTH_LOGIN = "/auth/login"
AUTH_LOGOUT = "/auth/logout"
API_HEALTH = "/api/v1/health"
RESPOND = "/respond/{token}"  # the public response page (token = the credential)
RESPOND_LEGACY = "/respond"  # the earlier system's links: /respond?token=…&org=…
TWILIO_SMS = "/webhooks/twilio/sms/{subdomain}"  # inbound SMS (signed by Twilio)
TWILIO_STATUS = "/webhooks/twilio/status/{subdomain}"  # SMS delivery status callbacks (signed by Twilio)
FILE_DOWNLOAD = "/files/{storage_id}"  # a project file: staff of this orchestra, or ?token= of a request
MUSICIANS_EXPORT_CSV = "/musicians/export.csv"  # the roster as CSV (staff of this orchestra; ?archived=1, ?lang=en)
MUSICIANS_EXPORT_XLSX = "/musicians/export.xlsx"  # the same as an Excel workbook

# ----- roles ------------------------------------------------------------------------------------------
SUPERADMIN_ROLES: tuple[str, ...] = ("superadmin",)
ADMIN_ROLES: tuple[str, ...] = ("admin",)
STAFF_ROLES: tuple[str, ...] = ("admin", "user")
ALL_ROLES: tuple[str, ...] = ("superadmin", "admin", "user")


def project(project_id: str) -> str:
    """The detail page of one project: ``project("PROJ001") == "/projects/PROJ001"``."""
    return f"{PROJECTS}/{quote(project_id, safe='')}"


def project_lists(project_id: str) -> str:
    """The custom ranking lists page of one project: ``project_lists("PROJ001") == "/projects/PROJ001/lists"``."""
    return f"{project(project_id)}/lists"


def musician(musician_id: str) -> str:
    """The profile page of one musician: ``musician("MUS001") == "/musicians/MUS001"``."""
    return f"{MUSICIANS}/{quote(musician_id, safe='')}"


def musician_id_from_path(path: str | None) -> str:
    """The musician id in a browser path of the profile page (``/musicians/MUS001/`` -> ``MUS001``), else ""."""
    parts = [part for part in (path or "").split("?")[0].split("/") if part]
    if len(parts) == 2 and f"/{parts[0]}" == MUSICIANS:
        return parts[1]
    return ""


def project_id_from_path(path: str | None) -> str:
    """The project id in a browser path of the detail page (``/projects/PROJ001/`` -> ``PROJ001``), else ""."""
    parts = [part for part in (path or "").split("?")[0].split("/") if part]
    if len(parts) == 2 and f"/{parts[0]}" == PROJECTS:
        return parts[1]
    return ""


def project_id_from_lists_path(path: str | None) -> str:
    """The project id in a browser path of the custom lists page (``/projects/PROJ001/lists/`` -> ``PROJ001``),
    else ""."""
    parts = [part for part in (path or "").split("?")[0].split("/") if part]
    if len(parts) == 3 and f"/{parts[0]}" == PROJECTS and parts[2] == "lists":
        return parts[1]
    return ""


def dev_tools_enabled() -> bool:
    """True in dev and test (``STAGESUB_ENV``), where the developer pages (simulated outbox) exist.

    Reads only the settings, never a database. A configuration error counts as prod: the pages stay away.
    """
    from services.settings import ConfigError, get_settings

    try:
        return get_settings().is_dev_or_test
    except ConfigError:
        return False


def home_for(role: str | None) -> str:
    """Where a user lands after login or on ``/``: superadmin -> /superadmin, staff -> /dashboard."""
    if role in SUPERADMIN_ROLES:
        return SUPERADMIN
    if role in STAFF_ROLES:
        return DASHBOARD
    return LOGIN


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    ``roles`` is None for a public page; otherwise only those roles may see it (others are sent to their home,
    anonymous visitors to the login page). ``redirect_only`` pages show nothing and always send the visitor
    on to ``home_for`` their role. ``dev_only`` pages exist only in dev and test (``dev_tools_enabled``).
    """

    route: str
    roles: tuple[str, ...] | None
    title_key: str
    redirect_only: bool = False
    dev_only: bool = False


PAGES: list[PageSpec] = [
    PageSpec(HOME, None, "app.name", redirect_only=True),
    PageSpec(LOGIN, None, "login.title"),
    PageSpec(INSTRUMENTS, STAFF_ROLES, "instruments.title"),
    PageSpec(PROJECTS, STAFF_ROLES, "projects.title"),
    PageSpec(PROJECT, STAFF_ROLES, "project.title"),
    PageSpec(PROJECT_LISTS, STAFF_ROLES, "custom_lists.title"),
    PageSpec(MUSICIANS, STAFF_ROLES, "musicians.title"),
    PageSpec(MUSICIAN, STAFF_ROLES, "musicians.profile_title"),
    PageSpec(MUSICIANS_IMPORT, STAFF_ROLES, "roster_import.title"),
    PageSpec(GROUP_EMAIL, STAFF_ROLES, "group_email.title"),
    PageSpec(RANKINGS, STAFF_ROLES, "rankings.title"),
    PageSpec(SETTINGS, ADMIN_ROLES, "settings.title"),
    PageSpec(ACCOUNT, ALL_ROLES, "account.title"),
    PageSpec(TEMPLATES, ADMIN_ROLES, "templates.title"),
    PageSpec(DASHBOARD, STAFF_ROLES, "dashboard.title"),
    PageSpec(COMMUNICATION, STAFF_ROLES, "communication.title"),
    PageSpec(USERS, ADMIN_ROLES, "users.title"),
    PageSpec(LOGS, ADMIN_ROLES, "logs.title"),
    PageSpec(SUPERADMIN, SUPERADMIN_ROLES, "superadmin.title"),
    PageSpec(DEV_OUTBOX, STAFF_ROLES, "dev_outbox.title", dev_only=True),
]
"""Every page there is, developer pages included; ``pages()`` gives those of this installation."""

PAGES_BY_ROUTE: dict[str, PageSpec] = {page.route: page for page in PAGES}


def pages(include_dev: bool | None = None) -> list[PageSpec]:
    """The pages this installation serves: ``PAGES`` without the ``dev_only`` ones unless in dev or test."""
    if include_dev is None:
        include_dev = dev_tools_enabled()
    return [page for page in PAGES if include_dev or not page.dev_only]


@dataclass(frozen=True)
class NavArea:
    """An area of the staff UI (SPEC.md §Staff UI). Only ``built`` areas appear in the navigation."""

    key: str
    route: str
    label_key: str
    roles: tuple[str, ...]
    built: bool
    dev_only: bool = False


NAV_AREAS: list[NavArea] = [
    NavArea("dashboard", DASHBOARD, "nav.dashboard", STAFF_ROLES, built=True),
    NavArea("musicians", MUSICIANS, "nav.musicians", STAFF_ROLES, built=True),
    NavArea("instruments", INSTRUMENTS, "nav.instruments", STAFF_ROLES, built=True),
    NavArea("rankings", RANKINGS, "nav.rankings", STAFF_ROLES, built=True),
    NavArea("projects", PROJECTS, "nav.projects", STAFF_ROLES, built=True),
    NavArea("group-email", GROUP_EMAIL, "nav.group_email", STAFF_ROLES, built=True),
    NavArea("templates", TEMPLATES, "nav.templates", ADMIN_ROLES, built=True),
    NavArea("settings", SETTINGS, "nav.settings", ADMIN_ROLES, built=True),
    NavArea("communication", COMMUNICATION, "nav.communication", STAFF_ROLES, built=True),
    NavArea("users", USERS, "nav.users", ADMIN_ROLES, built=True),
    NavArea("logs", LOGS, "nav.logs", ADMIN_ROLES, built=True),
    NavArea("orchestras", SUPERADMIN, "nav.orchestras", SUPERADMIN_ROLES, built=True),
    NavArea("account", ACCOUNT, "nav.account", ALL_ROLES, built=True),
    NavArea("dev-outbox", DEV_OUTBOX, "nav.dev_outbox", STAFF_ROLES, built=True, dev_only=True),
]


def built_areas(include_dev: bool | None = None) -> list[NavArea]:
    """The areas shown in the navigation: built ones, developer areas only in dev and test."""
    if include_dev is None:
        include_dev = dev_tools_enabled()
    return [area for area in NAV_AREAS if area.built and (include_dev or not area.dev_only)]
