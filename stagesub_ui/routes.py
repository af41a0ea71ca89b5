"""Every route of the UI in one place, as data: page routes with the roles they admit, and the navigation areas.

Plain Python (no Reflex import): the app's page table, the guards, the HTTP endpoints and the tests read it.
"""

from __future__ import annotations

from dataclasses import dataclass

# ----- page routes -----------------------------------------------------------------------------------
HOME = "/"
LOGIN = "/login"
INSTRUMENTS = "/instruments"
ACCOUNT = "/account"
SUPERADMIN = "/superadmin"

# ----- HTTP routes (Starlette, mounted in front of Reflex) ----------------------------------------------
AUTH_LOGIN = "/auth/login"
AUTH_LOGOUT = "/auth/logout"
API_HEALTH = "/api/v1/health"
RESPOND = "/respond/{token}"  # the public response page (token = the credential)
RESPOND_LEGACY = "/respond"  # the earlier system's links: /respond?token=…&org=…

# ----- roles ------------------------------------------------------------------------------------------
SUPERADMIN_ROLES: tuple[str, ...] = ("superadmin",)
ADMIN_ROLES: tuple[str, ...] = ("admin",)
STAFF_ROLES: tuple[str, ...] = ("admin", "user")
ALL_ROLES: tuple[str, ...] = ("superadmin", "admin", "user")


def home_for(role: str | None) -> str:
    """Where a user lands after login or on ``/``: superadmin -> /superadmin, staff -> /instruments."""
    if role in SUPERADMIN_ROLES:
        return SUPERADMIN
    if role in STAFF_ROLES:
        return INSTRUMENTS
    return LOGIN


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    ``roles`` is None for a public page; otherwise only those roles may see it (others are sent to their home,
    anonymous visitors to the login page). ``redirect_only`` pages show nothing and always send the visitor
    on to ``home_for`` their role.
    """

    route: str
    roles: tuple[str, ...] | None
    title_key: str
    redirect_only: bool = False


PAGES: list[PageSpec] = [
    PageSpec(HOME, None, "app.name", redirect_only=True),
    PageSpec(LOGIN, None, "login.title"),
    PageSpec(INSTRUMENTS, STAFF_ROLES, "instruments.title"),
    PageSpec(ACCOUNT, ALL_ROLES, "account.title"),
    PageSpec(SUPERADMIN, SUPERADMIN_ROLES, "superadmin.title"),
]

PAGES_BY_ROUTE: dict[str, PageSpec] = {page.route: page for page in PAGES}


@dataclass(frozen=True)
class NavArea:
    """An area of the staff UI (SPEC.md §Staff UI). Only ``built`` areas appear in the navigation."""

    key: str
    route: str
    label_key: str
    roles: tuple[str, ...]
    built: bool


NAV_AREAS: list[NavArea] = [
    NavArea("dashboard", "/dashboard", "nav.dashboard", STAFF_ROLES, built=False),
    NavArea("musicians", "/musicians", "nav.musicians", STAFF_ROLES, built=False),
    NavArea("instruments", INSTRUMENTS, "nav.instruments", STAFF_ROLES, built=True),
    NavArea("rankings", "/rankings", "nav.rankings", STAFF_ROLES, built=False),
    NavArea("projects", "/projects", "nav.projects", STAFF_ROLES, built=False),
    NavArea("group-email", "/group-email", "nav.group_email", STAFF_ROLES, built=False),
    NavArea("templates", "/templates", "nav.templates", ADMIN_ROLES, built=False),
    NavArea("settings", "/settings", "nav.settings", ADMIN_ROLES, built=False),
    NavArea("logs", "/logs", "nav.logs", ADMIN_ROLES, built=False),
    NavArea("orchestras", SUPERADMIN, "nav.orchestras", SUPERADMIN_ROLES, built=True),
    NavArea("account", ACCOUNT, "nav.account", ALL_ROLES, built=True),
]


def built_areas() -> list[NavArea]:
    return [area for area in NAV_AREAS if area.built]
