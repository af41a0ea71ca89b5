"""The header: orchestra logo and name, the user menu (who is logged in, language, log out)."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import styles
from state.session import SessionState

LOGOUT_JS = """(async () => {
  try {
    const r = await fetch('/auth/logout', {method: 'POST', credentials: 'same-origin',
                                           headers: {'Accept': 'application/json'}});
    const j = await r.json();
    window.location.assign((j && j.redirect) || '/login');
  } catch (e) { window.location.assign('/login'); }
})()"""


def language_switch(id_prefix: str = "lang") -> rx.Component:
    """Two buttons, Svenska / English; the current one is marked with aria-pressed."""

    def option(code: str, is_current: rx.Var) -> rx.Component:
        return rx.el.button(
            SessionState.t[f"lang.{code}"],
            id=f"{id_prefix}-{code}",
            type="button",
            lang=code,
            aria_pressed=rx.cond(is_current, "true", "false"),
            on_click=SessionState.set_lang(code),
            style=rx.cond(is_current, styles.LINK_BUTTON_ACTIVE_STYLE, styles.LINK_BUTTON_STYLE),
        )

    return rx.hstack(
        option("sv", ~SessionState.lang_is_en),
        rx.text("|", color_scheme="gray", size="1", aria_hidden="true"),
        option("en", SessionState.lang_is_en),
        role="group",
        aria_label=SessionState.t["lang.choose"],
        spacing="0",
        align="center",
    )


def role_label() -> rx.Component:
    return rx.match(
        SessionState.role,
        ("superadmin", SessionState.t["role.superadmin"]),
        ("admin", SessionState.t["role.admin"]),
        ("user", SessionState.t["role.user"]),
        "",
    )


def user_menu() -> rx.Component:
    return rx.hstack(
        language_switch(),
        rx.separator(orientation="vertical", size="1", display=["none", "block"]),
        rx.box(
            rx.text(SessionState.user_name, weight="medium", size="2", id="user-name"),
            rx.text(role_label(), size="1", color_scheme="gray"),
            aria_label=SessionState.t["header.signed_in_as"],
            display=["none", "block"],
            text_align="right",
        ),
        rx.button(
            rx.icon("log-out", size=16),
            SessionState.t["header.logout"],
            id="logout",
            type="button",
            variant="soft",
            color_scheme="gray",
            on_click=[SessionState.clear_before_logout, rx.call_script(LOGOUT_JS)],
        ),
        role="group",
        aria_label=SessionState.t["header.user_menu"],
        align="center",
        spacing="3",
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.hstack(
                rx.image(
                    src=SessionState.orchestra_logo,
                    alt=SessionState.t["header.logo_alt"],
                    height="2.25rem",
                    width="auto",
                    max_width="8rem",
                    object_fit="contain",
                ),
                rx.box(
                    rx.text(
                        rx.cond(SessionState.orchestra_name != "", SessionState.orchestra_name,
                                SessionState.t["header.platform"]),
                        weight="bold",
                        size="4",
                        id="orchestra-name",
                    ),
                    rx.text(SessionState.t["app.name"], size="1", color_scheme="gray"),
                ),
                align="center",
                spacing="3",
                min_width="0",
            ),
            rx.spacer(),
            user_menu(),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        style=styles.HEADER_STYLE,
    )
