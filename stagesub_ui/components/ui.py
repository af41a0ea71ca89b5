"""Small building blocks: labelled form fields, the loading screen, message callouts."""

from __future__ import annotations

import reflex as rx

from stagesub_ui import styles
from state.session import SessionState


def text_field(field_id: str, name: str, label_key: str, *, input_type: str = "text",
               autocomplete: str = "off", required: bool = True) -> rx.Component:
    """A label above an input, tied together by ``id`` (so screen readers announce the label)."""
    return rx.box(
        rx.el.label(SessionState.t[label_key], html_for=field_id, style=styles.LABEL_STYLE),
        rx.input(
            id=field_id,
            name=name,
            type=input_type,
            auto_complete=autocomplete,
            required=required,
            size="3",
            width="100%",
        ),
        width="100%",
    )


def loading_screen() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.spinner(size="3"),
            rx.text(SessionState.t["common.loading"], color_scheme="gray", size="2"),
            align="center",
            role="status",
        ),
        height="100vh",
        width="100%",
    )


def message(text: rx.Var | str, *, color: str, icon: str, role: str = "status", **props) -> rx.Component:
    """An inline message: ``role="alert"`` for errors, ``"status"`` for confirmations."""
    return rx.callout.root(
        rx.callout.icon(rx.icon(icon, size=18)),
        rx.callout.text(text),
        color_scheme=color,
        role=role,
        size="1",
        **props,
    )


def error_message(key: rx.Var, **props) -> rx.Component:
    """An error given as a catalog key (translated when shown); nothing when the key is empty."""
    return rx.cond(
        key != "",
        message(SessionState.t[key], color="red", icon="circle-alert", role="alert", **props),
    )


def ok_message(key: rx.Var, **props) -> rx.Component:
    return rx.cond(
        key != "",
        message(SessionState.t[key], color="green", icon="circle-check", role="status", **props),
    )
