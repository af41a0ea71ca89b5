"""``/``: shows only a loading screen while ``SessionState.go_home`` sends the visitor on."""

from __future__ import annotations

import reflex as rx

from stagesub_ui.components.ui import loading_screen


def home_page() -> rx.Component:
    return loading_screen()
