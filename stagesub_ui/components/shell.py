"""The staff shell: header on top, sidebar navigation, main content. Wraps every logged-in page."""

from __future__ import annotations

import functools
import operator

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.header import header
from stagesub_ui.components.ui import loading_screen
from state.session import SessionState

SKIP_TO_MAIN_JS = "(() => { const m = document.getElementById('main'); if (m) { m.focus(); m.scrollIntoView(); } })()"

NAV_ICONS: dict[str, str] = {
    "dashboard": "layout-dashboard",
    "musicians": "users",
    "instruments": "music",
    "rankings": "list-ordered",
    "projects": "folder-kanban",
    "group-email": "mail",
    "templates": "file-text",
    "settings": "settings",
    "logs": "scroll-text",
    "communication": "messages-square",
    "users": "user-cog",
    "account": "circle-user-round",
    "orchestras": "building-2",
    "dev-outbox": "inbox",
}


def _role_in(roles: tuple[str, ...]) -> rx.Var:
    return rx.Var.create(list(roles)).contains(SessionState.role)


def nav_link(area: routes.NavArea, active_route: str) -> rx.Component:
    is_active = area.route == active_route
    style = styles.NAV_LINK_ACTIVE_STYLE if is_active else styles.NAV_LINK_STYLE
    return rx.el.li(
        rx.link(
            rx.icon(NAV_ICONS.get(area.key, "circle"), size=18, aria_hidden="true"),
            rx.text(SessionState.t[area.label_key], as_="span"),
            href=area.route,
            data_testid=f"nav-{area.key}",
            aria_current="page" if is_active else None,
            style=style,
            # rx.link brings its own hover colour (accent 8, too pale here) as a prop: override it the same way.
            _hover=style["_hover"],
        ),
        list_style="none",
    )


def sidebar(active_route: str) -> rx.Component:
    """Navigation built from ``routes.NAV_AREAS``: only built areas (developer areas only in dev and test), only
    those the user's role may open."""
    items = [rx.cond(_role_in(area.roles), nav_link(area, active_route)) for area in routes.built_areas()]
    return rx.el.nav(
        rx.el.ul(
            *items,
            style={
                "display": "flex",
                "flex_direction": ["row", "row", "column"],
                "flex_wrap": "wrap",
                "gap": "0.25rem",
                "margin": "0",
                "padding": "0",
            },
        ),
        aria_label=SessionState.t["nav.main"],
        style=styles.SIDEBAR_STYLE,
    )


def staff_page(content: rx.Component, *, active_route: str) -> rx.Component:
    """The whole page for a logged-in user whose role may see it; a loading screen until the guard has confirmed
    the session (and while it sends a user away from a page that is not theirs, so nothing of it shows)."""
    allowed = SessionState.is_authenticated
    spec = routes.PAGES_BY_ROUTE.get(active_route)
    if spec is not None and spec.roles:
        allowed = allowed & functools.reduce(operator.or_, [SessionState.role == role for role in spec.roles])
    return rx.cond(
        allowed,
        rx.box(
            # A button, not <a href="#main">: Reflex renders links as client-side router links.
            rx.el.button(
                SessionState.t["common.skip_to_content"],
                type="button",
                on_click=rx.call_script(SKIP_TO_MAIN_JS),
                style=styles.SKIP_LINK_STYLE,
            ),
            header(),
            rx.box(
                sidebar(active_route),
                rx.el.main(
                    rx.box(content, max_width=styles.CONTENT_MAX_WIDTH, width="100%"),
                    id="main",
                    tab_index=-1,
                    style=styles.MAIN_STYLE,
                ),
                style=styles.BODY_STYLE,
            ),
            lang=SessionState.lang,
        ),
        loading_screen(),
    )
