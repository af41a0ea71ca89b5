"""Plain HTTP routes served in front of the Reflex app (``rx.App(api_transformer=build_api())``).

Reflex mounts its own ASGI app (and, in prod, the compiled frontend) under this Starlette app, so these routes
win and everything else falls through to Reflex. No Reflex import here: the tests run this app alone.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from stagesub_ui import routes
from stagesub_ui.endpoints import api_v1, auth, files, respond, roster, twilio_hooks


def api_routes() -> list[Route]:
    return [
        Route(routes.AUTH_LOGIN, auth.login, methods=["POST"], name="auth_login"),
        Route(routes.AUTH_LOGOUT, auth.logout, methods=["POST"], name="auth_logout"),
        Route(routes.RESPOND, respond.respond, methods=["GET", "POST"], name="respond"),
        Route(routes.RESPOND_LEGACY, respond.respond, methods=["GET", "POST"], name="respond_legacy"),
        Route(routes.TWILIO_SMS, twilio_hooks.sms_reply, methods=["POST"], name="twilio_sms"),
        Route(routes.TWILIO_STATUS, twilio_hooks.status_callback, methods=["POST"], name="twilio_status"),
        Route(routes.FILE_DOWNLOAD, files.download, methods=["GET"], name="file_download"),
        Route(routes.MUSICIANS_EXPORT_CSV, roster.export_csv, methods=["GET"], name="musicians_export_csv"),
        Route(routes.MUSICIANS_EXPORT_XLSX, roster.export_xlsx, methods=["GET"], name="musicians_export_xlsx"),
        # REST API v1 from its route table (also the OpenAPI document), /api/v1/health included. It ends with
        # a catch-all for /api/v1/* (JSON 404/405), so routes under /api/v1 must be added to that table.
        *api_v1.routes(),
    ]


def build_api() -> Starlette:
    """A new Starlette app with StageSub's HTTP routes (a new one each call: Reflex mounts itself into it)."""
    return Starlette(routes=api_routes())
