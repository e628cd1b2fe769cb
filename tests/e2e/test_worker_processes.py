"""Two and four delivery workers and two schedulers, real processes on one PostgreSQL database:
the standby scheduler takes over when the active one is killed, and every learner gets the
day's lesson exactly once."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.workers import (
    Proc,
    Rows,
    environment,
    seed_learners,
    tally,
    wait_until,
)
from tests.fakes.telegram_api import FakeTelegram

# Real processes on a shared 2-core machine: one retry absorbs a slow start, never a wrong answer
# (a test that fails twice still fails).
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.flaky(reruns=1)]

LEARNERS = 300
ACTIVE = "this process is the scheduler"


@pytest.mark.parametrize("workers", [2, 4])
async def test_workers_share_a_round_and_a_killed_scheduler_is_replaced(
    pg_url: str, workers: int
) -> None:
    """Guards the scheduler lock (one active scheduler; the standby takes over once the
    active one's connection is gone) and the skip-locked, leased claims (no delivery is taken
    by two workers: without them every worker sends every lesson)."""
    await seed_learners(pg_url, LEARNERS)
    fake = FakeTelegram()
    await fake.start()
    # No worker dies here: the default lease, so a slow moment of a busy machine is not a stall.
    env = environment(pg_url, fake.base, HOCAI_DELIVERY_LEASE_SECONDS="60")
    rows = Rows(pg_url)
    schedulers = [await Proc("scheduler", env).start() for _ in range(2)]
    senders = [await Proc("worker", env).start() for _ in range(workers)]
    outputs = ""
    try:

        async def one_active() -> bool:
            return any(s.said(ACTIVE) for s in schedulers)

        await wait_until(one_active, 180, "a scheduler")  # six processes start on two cores
        await asyncio.sleep(1)
        active = [s for s in schedulers if s.said(ACTIVE)]
        assert len(active) == 1  # the other stands by
        standby = next(s for s in schedulers if s is not active[0])

        async def round_planned() -> bool:
            return await rows.planned() == LEARNERS

        await wait_until(round_planned, 30, "the round planned")
        killed_at = time.monotonic()
        await active[0].kill()

        async def taken_over() -> bool:
            return standby.said(ACTIVE)

        await wait_until(taken_over, 20, "the standby scheduler taking over")
        takeover = time.monotonic() - killed_at

        async def done() -> bool:
            return await rows.unfinished() == 0

        await wait_until(done, 180, "every delivery finished")
        await asyncio.sleep(0.5)  # nothing more arrives
    finally:
        for proc in [*senders, *schedulers]:
            outputs += f"\n--- {proc.role} ---\n" + await proc.stop()
        print(outputs[-4000:])  # shown when the test fails
        await rows.close()
        await fake.stop()
    result = tally(fake, range(1, LEARNERS + 1))
    print(
        f"\n{workers} workers, 2 schedulers (the active one killed, the standby active "
        f"{takeover:.1f} s later): {result.line()}"
    )
    assert result.lost == 0 and result.duplicates == 0
    assert "Traceback" not in outputs, outputs[-3000:]
