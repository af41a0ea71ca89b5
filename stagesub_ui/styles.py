"""Design tokens and the app-wide base style (colours from the Radix theme scale, sizes, reusable styles)."""

from __future__ import annotations

import reflex as rx

ACCENT = "indigo"  # the Radix theme itself (accent indigo, gray slate) is set in rxconfig.py

SIDEBAR_WIDTH = "15rem"
CONTENT_MAX_WIDTH = "72rem"
FORM_MAX_WIDTH = "28rem"

BORDER = f"1px solid {rx.color('gray', 5)}"

BASE: dict = {
    "font_family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    # Visible keyboard focus everywhere.
    ":focus-visible": {"outline": f"2px solid {rx.color(ACCENT, 8)}", "outline_offset": "2px"},
}

HEADER_STYLE: dict = {
    "border_bottom": BORDER,
    "background": rx.color("gray", 1),
    "padding_x": ["0.75rem", "1rem", "1.25rem"],
    "padding_y": "0.625rem",
    "position": "sticky",
    "top": "0",
    "z_index": "10",
}

SIDEBAR_STYLE: dict = {
    "background": rx.color("gray", 2),
    "border_right": ["none", "none", BORDER],
    "border_bottom": [BORDER, BORDER, "none"],
    "width": ["100%", "100%", SIDEBAR_WIDTH],
    "min_width": ["0", "0", SIDEBAR_WIDTH],
    "padding": ["0.5rem", "0.5rem", "1rem 0.75rem"],
}

NAV_LINK_STYLE: dict = {
    "display": "flex",
    "align_items": "center",
    "gap": "0.625rem",
    "padding": "0.5rem 0.75rem",
    "border_radius": "var(--radius-3)",
    "color": rx.color("gray", 12),
    "text_decoration": "none",
    "font_weight": "500",
    "white_space": "nowrap",
    "_hover": {"background": rx.color(ACCENT, 3), "color": rx.color("gray", 12), "text_decoration": "none"},
}

NAV_LINK_ACTIVE_STYLE: dict = {
    **NAV_LINK_STYLE,
    "background": rx.color(ACCENT, 4),
    "color": rx.color(ACCENT, 12),
    "_hover": {"background": rx.color(ACCENT, 5), "color": rx.color(ACCENT, 12), "text_decoration": "none"},
}

# Responsive lists are [phone, 30em, 48em (tablet portrait) ...]: the sidebar moves beside the content at 48em.
BODY_STYLE: dict = {
    "display": "flex",
    "flex_direction": ["column", "column", "row"],
    "min_height": "calc(100vh - 3.75rem)",
}

MAIN_STYLE: dict = {
    "flex": "1",
    "min_width": "0",
    "padding": ["1rem", "1.25rem", "1.5rem 2rem"],
    "background": rx.color("gray", 1),
}

SKIP_LINK_STYLE: dict = {
    "position": "absolute",
    "left": "-999px",
    "top": "0.5rem",
    "z_index": "100",
    "padding": "0.5rem 1rem",
    "background": rx.color(ACCENT, 9),
    "color": "white",
    "border": "none",
    "cursor": "pointer",
    "font": "inherit",
    "border_radius": "var(--radius-2)",
    "_focus": {"left": "0.5rem"},
}

LINK_BUTTON_STYLE: dict = {
    "background": "none",
    "border": "none",
    "padding": "0.25rem 0.5rem",
    "cursor": "pointer",
    "font": "inherit",
    "font_size": "0.875rem",
    "color": rx.color(ACCENT, 11),
    "text_decoration": "underline",
    "border_radius": "var(--radius-2)",
}

LINK_BUTTON_ACTIVE_STYLE: dict = {
    **LINK_BUTTON_STYLE,
    "color": rx.color("gray", 12),
    "font_weight": "600",
    "text_decoration": "none",
    "cursor": "default",
}

LABEL_STYLE: dict = {"font_weight": "500", "font_size": "0.875rem", "display": "block", "margin_bottom": "0.25rem"}

ERROR_TEXT_STYLE: dict = {"color": rx.color("red", 11), "font_size": "0.875rem", "min_height": "1.25rem"}
