"""kill -9 of a delivery worker at three moments of a round (early, middle, late), restarted at
once (as a supervisor does) and later (every lease lapsed, as after 15 minutes): nobody loses
the day's lesson, and no more messages are repeated than the in-flight bound.

Guards the delivery leases (a dead worker's deliveries are taken up on a tick once their lease
lapses, not at the next start after ten minutes) and the in-flight slots (a part is recorded
before its slot is given back: without them a crash repeats every claimed delivery's part in
flight). The lease is 3 s here instead of 60 s, so "15 minutes later" costs seconds.

Sized for CI (2 cores, the whole suite well under 10 minutes): one chain of kills, each case one
process start (the worker that finished one round is the one killed in the next), each round a
fresh set of learners due now, the restarts alternating at once / later / at once. The full
matrix (300 learners, every moment with both restarts, several bounds) is bench/crash_bench.py.
"""

from __future__ import annotations

import asyncio

import pytest

from lessons.model import Curriculum
from tests.e2e.workers import (
    IN_FLIGHT,
    Proc,
    Rows,
    environment,
    plan_round,
    seed_learners,
    tally,
    wait_until,
)
from tests.fakes.telegram_api import FakeTelegram

# Real processes on a shared 2-core machine: one retry absorbs a slow start, never a wrong answer
# (a test that fails twice still fails).
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.flaky(reruns=1)]

LEARNERS = 80  # ten times the in-flight bound: a kill finds every slot taken
PUSH_MESSAGES = 2  # the first lesson's push: the lesson, then "Làm câu hỏi"
LEASE = 3
CASES = (("early", 0.1, "at once"), ("middle", 0.5, "later"), ("late", 0.9, "at once"))


async def test_kill_9_mid_round_loses_no_lesson_and_repeats_at_most_the_bound(
    pg_url: str, curriculum: Curriculum
) -> None:
    fake = FakeTelegram()
    await fake.start()
    env = environment(pg_url, fake.base, HOCAI_DELIVERY_LEASE_SECONDS=str(LEASE))
    rows = Rows(pg_url)
    worker = await Proc("worker", env).start()
    outputs, results = "", []
    try:
        for number, (moment, share, restart) in enumerate(CASES):
            learners = range(number * LEARNERS + 1, (number + 1) * LEARNERS + 1)
            await seed_learners(pg_url, LEARNERS, first=learners.start)
            before = len(fake.sent)
            # The scheduler's part, done here: the round is planned and due now.
            assert await plan_round(pg_url, curriculum) == LEARNERS
            kill_at = before + int(share * LEARNERS * PUSH_MESSAGES)

            async def reached(kill_at: int = kill_at) -> bool:
                return len(fake.sent) >= kill_at

            await wait_until(reached, 120, f"{kill_at} messages sent")
            await worker.kill()
            outputs += "\n".join(worker.lines)
            if restart == "later":
                await asyncio.sleep(LEASE + 0.5)  # every lease the dead worker held lapsed
            worker = await Proc("worker", env).start()

            async def done() -> bool:
                return await rows.unfinished() == 0

            await wait_until(done, 120, "every delivery finished")
            result = tally(fake, learners)
            results.append(result)
            print(
                f"\nkill -9 {moment} ({share:.0%} of the round's messages sent), restarted "
                f"{restart}: {result.line()}; bound {IN_FLIGHT}"
            )
    finally:
        outputs += await worker.stop()
        await rows.close()
        await fake.stop()
    assert [r.lost for r in results] == [0, 0, 0]
    assert all(r.duplicates <= IN_FLIGHT for r in results), results
    assert "Traceback" not in outputs, outputs[-3000:]
