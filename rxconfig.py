"""Reflex configuration. No project imports and no secrets here.

``STAGESUB_PORT`` (default 3000) is the one port of ``reflex run --env prod --single-port``; in dev mode the
frontend uses it and the backend the next port.
"""

import os

import reflex as rx

_port = int(os.environ.get("STAGESUB_PORT") or 3000)

config = rx.Config(
    app_name="stagesub_ui",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=_port,
    backend_port=_port + 1,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", appearance="light"),
        ),
    ],
    # The sitemap needs one deploy_url; every orchestra has its own host, and staff pages are not public.
    disable_plugins=[rx.plugins.SitemapPlugin],
)
