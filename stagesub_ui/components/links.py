"""Plain ``<a href>`` elements.

In Reflex 0.10.1 ``rx.el.a`` and ``rx.link`` both render a React Router ``<Link>``, which routes inside the app
instead of letting the browser load the address. Links that must reach the server (HTTP routes such as the
response page) or open in a new tab use the plain HTML element instead.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A

# Read by screen readers, not shown.
VISUALLY_HIDDEN_STYLE: dict = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white_space": "nowrap",
    "border": "0",
}


def plain_link(*children, href: rx.Var | str, new_tab: bool = False, **props) -> rx.Component:
    """An ordinary anchor; ``new_tab`` adds ``target="_blank"`` with ``rel="noopener noreferrer"``."""
    if new_tab:
        props.setdefault("target", "_blank")
        props.setdefault("rel", "noopener noreferrer")
    return A.create(*children, href=href, **props)
