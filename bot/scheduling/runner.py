"""The scheduler role: APScheduler in the one process that holds the scheduler lock.

Its jobs are defined here and re-added at every start, so they live in memory (APScheduler 3
does not support several schedulers sharing a job store); what they work on lives in the tables.
A process that loses the lock stops its scheduler; the one that gains it starts its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduling import jobs
from bot.scheduling.leader import Leadership

if TYPE_CHECKING:
    from bot.host import Host

log = logging.getLogger(__name__)

JOB_GRACE_SECONDS = 5.0  # a job running when the scheduler stops may finish this long


@dataclass(frozen=True)
class Intervals:
    """Seconds between runs of each job."""

    plan: float = 60.0
    grade_waiting: float = 300.0
    regrade: float = 600.0
    sweep: float = 3600.0
    outbox: float = 30.0  # leaders' nudges and announcements go out within half a minute
    challenges: float = 60.0  # announcements within a minute; results a minute after the deadline
    leader_check: float = 5.0
    # Boards read this snapshot only above rankings.LIVE_MAX_LEARNERS learners; a refresh takes
    # seconds at a province's size (bench/standings_bench.py), so not more often than this.
    standings: float = 600.0
    honours: float = 3600.0  # closed periods' honours stored within the hour after midnight
    # The officials' dashboard on a province's database reads this snapshot (below
    # rankings.LIVE_MAX_LEARNERS learners it counts live). A refresh counts the whole province,
    # a minute or two at 800,000 learners (bench/dashboard_bench.py): hourly is fresh enough for
    # figures reported quarterly.
    dashboard: float = 3600.0
    # Cheap when the previous quarter is closed already (one row read).
    quarters: float = 3600.0


class Scheduler:
    def __init__(self, app: Host, intervals: Intervals = Intervals()) -> None:
        self.app, self.intervals = app, intervals
        self.leadership = Leadership(app.store.engine, check_every=intervals.leader_check)
        self.aps: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return self.aps is not None and self.aps.running

    def _job(
        self, job: Callable[[Host], Coroutine[Any, Any, None]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if not self.leadership.held:  # lost the lock since this run was due
                return
            # Shielded from APScheduler's shutdown, which cancels running jobs mid-statement:
            # `changed(False)` lets them finish first.
            task: asyncio.Task[None] = asyncio.create_task(job(self.app))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:  # APScheduler is stopping; `changed` awaits the job
                return

        run.__name__ = run.__qualname__ = job.__name__
        return run

    async def changed(self, held: bool) -> None:
        if not held:
            if self.aps is not None:
                self.aps.shutdown(wait=False)
                self.aps = None
                log.info("scheduler stopped: another process may take over")
            if self._running:
                _, late = await asyncio.wait(set(self._running), timeout=JOB_GRACE_SECONDS)
                for task in late:  # its work is leased: whoever schedules next takes it up
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            return
        aps = AsyncIOScheduler(
            timezone=self.app.settings.zone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        now = datetime.now(self.app.settings.zone)
        every = self.intervals
        for job, seconds, first in (
            (jobs.plan_deliveries, every.plan, now),  # at once: a restart plans what is due
            (jobs.grade_waiting, every.grade_waiting, now),
            (jobs.regrade_provisional, every.regrade, None),
            (jobs.drop_lapsed_leases, every.sweep, None),
            (jobs.outbox_tick, every.outbox, None),
            # The snapshot survives restarts; a new database gets its first one soon after the
            # start, not during it.
            (jobs.refresh_standings, every.standings, now + timedelta(seconds=60)),
            (jobs.challenges_tick, every.challenges, None),
            (jobs.close_honours, every.honours, now + timedelta(seconds=120)),
            (jobs.refresh_dashboard, every.dashboard, now + timedelta(seconds=90)),
            (jobs.close_quarter, every.quarters, now + timedelta(seconds=120)),
        ):
            at_once = {"next_run_time": first} if first else {}  # None would pause the job
            aps.add_job(
                self._job(job),
                "interval",
                seconds=seconds,
                id=job.__name__,
                replace_existing=True,
                **at_once,
            )
        aps.start()
        self.aps = aps

    async def run(self) -> None:
        """Compete for the lock for as long as the process runs (a task of the process)."""
        await self.leadership.run(self.changed)
