"""kill -9 of a delivery worker at three moments of a 300-learner round, restarted at once (as a
supervisor does) and later (every lease lapsed, as after 15 minutes): nobody loses the day's
lesson, and no more messages are repeated than the in-flight bound.

Guards the delivery leases (a dead worker's deliveries are taken up on a tick once their lease
lapses, not at the next start after ten minutes) and the in-flight slots (a part is recorded
before its slot is given back). The lease is 2 s here instead of 60 s, so "15 minutes later"
costs a few seconds.
"""

from __future__ import annotations

import asyncio

import pytest

from lessons.model import Curriculum
from tests.e2e.workers import (
    IN_FLIGHT,
    LEASE_SECONDS,
    Proc,
    environment,
    plan_round,
    seed_learners,
    tally,
    unfinished,
    wait_until,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LEARNERS = 300
PUSH_MESSAGES = 2  # the first lesson's push: the lesson, then "Làm câu hỏi"


@pytest.mark.parametrize("restart", ["at once", "later"])
@pytest.mark.parametrize("moment", [0.1, 0.5, 0.9], ids=["early", "middle", "late"])
async def test_kill_9_mid_round_loses_no_lesson_and_repeats_at_most_the_bound(
    pg_url: str, curriculum: Curriculum, moment: float, restart: str
) -> None:
    await seed_learners(pg_url, LEARNERS)
    assert await plan_round(pg_url, curriculum) == LEARNERS  # the scheduler's part, done here
    fake = FakeTelegram()
    await fake.start()
    env = environment(pg_url, fake.base)
    worker = await Proc("worker", env).start()
    restarted: Proc | None = None
    try:
        kill_at = int(moment * LEARNERS * PUSH_MESSAGES)

        async def reached() -> bool:
            return len(fake.sent) >= kill_at

        await wait_until(reached, 60, f"{kill_at} messages sent")
        await worker.kill()
        if restart == "later":
            await asyncio.sleep(LEASE_SECONDS + 0.5)  # every lease the dead worker held lapsed
        restarted = await Proc("worker", env).start()

        async def done() -> bool:
            return await unfinished(pg_url) == 0

        await wait_until(done, 60, "every delivery finished")
    finally:
        output = (await restarted.stop()) if restarted else ""
        await fake.stop()
    result = tally(fake, LEARNERS)
    print(f"\nkill -9 at {moment:.0%} ({kill_at} messages), restart {restart}: {result.line()}; "
          f"bound {IN_FLIGHT}")
    assert result.lost == 0
    assert result.duplicates <= IN_FLIGHT
    assert "Traceback" not in output, output[-3000:]
