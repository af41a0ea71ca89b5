"""GET /api/v1/health: 200 when the central database answers, 503 with details when it does not."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from services import health as health_service


async def health(request: Request) -> JSONResponse:
    report = await asyncio.to_thread(health_service.check_central_database)
    return JSONResponse(report.as_dict(), status_code=report.status_code, headers={"Cache-Control": "no-store"})
