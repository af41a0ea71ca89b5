"""Background work started with the app (Reflex lifespan tasks).

The scheduler loop runs in every server process that starts it, but only the leader (PostgreSQL advisory
lock or a file lock) does the work; see services.scheduler. ``STAGESUB_RUN_SCHEDULER=0`` leaves it to
``python -m services.cli scheduler``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from services.settings import get_settings

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def scheduler_lifespan():
    if not get_settings().run_scheduler:
        yield
        return
    from services.scheduler import SchedulerLoop

    loop = SchedulerLoop()
    loop.start()
    log.info("scheduler loop started")
    try:
        yield
    finally:
        await asyncio.to_thread(loop.stop)
        log.info("scheduler loop stopped")
