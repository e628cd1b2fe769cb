"""APScheduler, with its jobs stored in the application's own database."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduling import jobs
from bot.services.delivery import release_stale

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

DELIVERY_EVERY_SECONDS = 60
REGRADE_EVERY_SECONDS = 300
OUTBOX_EVERY_SECONDS = 30  # leaders' nudges and announcements go out within half a minute
CHALLENGES_EVERY_SECONDS = 60  # announcements within a minute; results a minute after the deadline


def sync_url(async_url: str) -> str:
    """The job store is synchronous: use the sync driver for the same database."""
    if async_url.startswith("sqlite+aiosqlite"):
        return async_url.replace("sqlite+aiosqlite", "sqlite", 1)
    if async_url.startswith("postgresql+asyncpg"):
        return async_url.replace("postgresql+asyncpg", "postgresql+psycopg", 1)
    return async_url


async def start_scheduler(app: App) -> AsyncIOScheduler:
    # A process that died mid-round left deliveries 'sending': this process resumes them.
    released = await release_stale(app.deps)
    if released:
        log.info("resuming %d deliveries left half-sent by an earlier run", released)
    jobs.bind(app)
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=sync_url(app.settings.database_url),
                                                 tablename="scheduler_jobs")},
        timezone=app.settings.zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    scheduler.add_job("bot.scheduling.jobs:delivery_tick", "interval",
                      seconds=DELIVERY_EVERY_SECONDS, id="delivery_tick", replace_existing=True)
    scheduler.add_job("bot.scheduling.jobs:challenges_tick", "interval",
                      seconds=CHALLENGES_EVERY_SECONDS, id="challenges_tick", replace_existing=True)
    scheduler.add_job("bot.scheduling.jobs:grade_waiting", "interval",
                      seconds=REGRADE_EVERY_SECONDS, id="grade_waiting", replace_existing=True)
    scheduler.add_job("bot.scheduling.jobs:regrade_provisional", "interval",
                      seconds=REGRADE_EVERY_SECONDS * 2, id="regrade_provisional",
                      replace_existing=True)
    scheduler.add_job("bot.scheduling.jobs:outbox_tick", "interval",
                      seconds=OUTBOX_EVERY_SECONDS, id="outbox_tick", replace_existing=True)
    scheduler.start()
    return scheduler
