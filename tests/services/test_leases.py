"""Leases on shared work, on SQLite and PostgreSQL: taken by one holder, lapsing when progress
stops, taken up on the next tick, and fencing a holder that was overtaken."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.app import App
from bot.services import delivery
from bot.services.io import Out
from bot.services.ports.push import DeliveryMark
from tests.conftest import Clock
from tests.services.test_delivery import FAST, RecordingOutbound, learners

LESSON_TIME = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)  # 19:01 in Hà Nội


async def test_work_lease_has_one_holder_until_it_lapses(any_app: App, clock: Clock) -> None:
    now, lease = clock.now, timedelta(minutes=3)
    async with any_app.store.transaction() as repo:
        assert await repo.leases.claim_work("grade", "41", "a", now, now + lease)
        assert not await repo.leases.claim_work("grade", "41", "b", now, now + lease)
        assert await repo.leases.claim_work("grade", "42", "b", now, now + lease)  # another key
        assert await repo.leases.claim_work("grade", "41", "a", now, now + lease)  # renewal
    later = now + lease
    async with any_app.store.transaction() as repo:
        assert await repo.leases.claim_work("grade", "41", "b", later, later + lease)
        assert not await repo.leases.claim_work("grade", "41", "a", later, later + lease)
        assert await repo.leases.drop_lapsed_work(later + lease + timedelta(seconds=1)) == 2
    async with any_app.store.transaction() as repo:  # work given back undone is free at once
        assert await repo.leases.claim_work("regrade", "7", "a", now, now + lease)
        await repo.leases.release_work("regrade", "7", "b")  # not b's to give back
        assert not await repo.leases.claim_work("regrade", "7", "b", now, now + lease)
        await repo.leases.release_work("regrade", "7", "a")
        assert await repo.leases.claim_work("regrade", "7", "b", now, now + lease)


async def test_a_dead_workers_deliveries_are_taken_up_on_a_later_tick(
    any_app: App, clock: Clock
) -> None:
    """Not at the next start, and not after a fixed ten minutes: one lease after progress
    stopped, by whichever worker ticks then."""
    users = await learners(any_app, 5)
    clock.now = LESSON_TIME
    assert await delivery.schedule_due(any_app.deps) == 5
    lease = any_app.deps.delivery_limits.lease
    async with any_app.store.transaction() as repo:  # a worker claims them, then dies
        dead = await repo.leases.claim_deliveries(clock.now, 3, "dead:1", clock.now + lease)
    assert len(dead) == 3
    out = RecordingOutbound()
    any_app.sender.add(out, FAST)
    first = await delivery.deliver_due(any_app.deps, any_app.sender)
    assert first.sent == 2  # the dead worker's three are still leased
    clock.now += lease - timedelta(seconds=1)
    assert (await delivery.deliver_due(any_app.deps, any_app.sender)).sent == 0
    clock.now += timedelta(seconds=1)
    assert (await delivery.deliver_due(any_app.deps, any_app.sender)).sent == 3
    per_learner = Counter(chat for chat, _ in out.sent)
    assert set(per_learner) == set(users) and len(set(per_learner.values())) == 1


async def test_an_overtaken_holder_changes_nothing(any_app: App, clock: Clock) -> None:
    await learners(any_app, 1)
    clock.now = LESSON_TIME
    await delivery.schedule_due(any_app.deps)
    lease = timedelta(seconds=60)
    async with any_app.store.transaction() as repo:
        (item,) = await repo.leases.claim_deliveries(clock.now, 5, "slow:1", clock.now + lease)
    clock.now += lease  # the slow worker stalled past its lease; another takes over
    async with any_app.store.transaction() as repo:  # (never the slow one from itself)
        assert (
            await repo.leases.claim_deliveries(
                clock.now, 5, "slow:2", clock.now + lease, skip=frozenset({item.id})
            )
            == []
        )
    async with any_app.store.transaction() as repo:
        (again,) = await repo.leases.claim_deliveries(clock.now, 5, "fast:1", clock.now + lease)
        assert again.id == item.id and again.attempts == item.attempts + 1
        assert not await repo.push.mark(
            [DeliveryMark(item.id, "slow:1", 1)], clock.now, clock.now + lease
        )
        assert not await repo.leases.finish_delivery(
            item.id, "slow:1", "sent", "telegram", None, clock.now
        )
        assert not await repo.leases.retry_delivery(item.id, "slow:1", clock.now, "x")
        assert await repo.push.mark(
            [DeliveryMark(item.id, "fast:1", 1)], clock.now, clock.now + lease
        )
        assert await repo.leases.finish_delivery(
            item.id, "fast:1", "sent", "telegram", None, clock.now
        )


class Watched(RecordingOutbound):
    """Counts, at every send, the messages already sent that no committed row records yet."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app
        self.most_unrecorded = 0

    async def send(self, chat_id: str, message: Out) -> None:
        # Looked at as the send starts and as it ends: the other slots' sends that went meanwhile
        # and wait for their commit are seen whatever the timing (records are grouped).
        await self._look()
        await asyncio.sleep(0.005)  # a platform's round trip
        await self._look()
        await super().send(chat_id, message)

    async def _look(self) -> None:
        async with self.app.store.engine.connect() as conn:
            recorded = int(
                (
                    await conn.execute(text("SELECT COALESCE(SUM(parts_sent), 0) FROM deliveries"))
                ).scalar_one()
            )
        self.most_unrecorded = max(self.most_unrecorded, len(self.sent) - recorded)


async def test_messages_sent_but_not_recorded_never_exceed_the_in_flight_bound(
    app: App, clock: Clock
) -> None:
    """What a kill -9 can repeat: guards the in-flight slots (held from a send until its part
    is committed). Without them, every claimed delivery sends at once."""
    app.deps.delivery_limits = replace(app.deps.delivery_limits, in_flight=3)
    users = await learners(app, 24)
    out = Watched(app)
    app.sender.add(out, FAST)
    clock.now = LESSON_TIME
    report = await delivery.delivery_round(app.deps, app.sender)
    assert report.sent == len(users)
    assert 1 <= out.most_unrecorded <= 3
