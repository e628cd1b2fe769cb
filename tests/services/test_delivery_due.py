"""The stored next due time: a tick plans only learners due now, once a day, in chunks, and
follows changes of lesson time and status; standings count a week's activity only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.app import App
from bot.services import delivery
from bot.services.ports import LearnerStatus
from scoring.points import Award
from tests.conftest import Chat, Clock, join_code
from tests.services.test_delivery import FAST, RecordingOutbound, learners

PUSH = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 19:00 in Hà Nội


async def learner_id(app: App, user: str) -> int:
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
    assert ident is not None
    return ident.learner_id


async def rows(app: App) -> list[tuple[int, str, str]]:
    async with app.store.engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT learner_id, CAST(day AS TEXT), status FROM deliveries ORDER BY learner_id, day"
            )
        )
        return [tuple(r) for r in result]


async def test_planning_in_chunks_makes_one_row_each_and_signals_each_chunk(
    any_app: App, clock: Clock
) -> None:
    await learners(any_app, 5)
    clock.now = PUSH
    signals: list[int] = []
    made = await delivery.schedule_due(any_app.deps, chunk=2, planned=lambda: signals.append(1))
    assert made == 5 and len(signals) == 3  # chunks of 2, 2 and 1
    assert {status for *_, status in await rows(any_app)} == {"pending"}
    clock.advance(minutes=1)
    assert await delivery.schedule_due(any_app.deps, chunk=2) == 0
    clock.advance(days=1)  # the next day's row, once
    assert await delivery.schedule_due(any_app.deps, chunk=2) == 5
    assert await delivery.schedule_due(any_app.deps, chunk=2) == 0
    assert len(await rows(any_app)) == 10


async def test_a_row_is_planned_without_a_lesson_and_the_lesson_chosen_when_sent(
    any_app: App, clock: Clock
) -> None:
    await learners(any_app, 1)
    clock.now = PUSH
    assert await delivery.schedule_due(any_app.deps) == 1
    async with any_app.store.engine.connect() as conn:
        assert (await conn.execute(text("SELECT lesson_id FROM deliveries"))).scalar_one() == ""
    out = RecordingOutbound()
    any_app.sender.add(out, FAST)
    assert (await delivery.deliver_due(any_app.deps, any_app.sender)).sent == 1
    first = any_app.deps.curriculum.lessons[0]
    async with any_app.store.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT lesson_id FROM deliveries"))).scalar_one()
    assert stored == first.id and out.sent[0][1].title == first.title


async def test_a_later_lesson_time_the_same_day_does_not_push_twice(app: App, clock: Clock) -> None:
    (user,) = await learners(app, 1)
    app.sender.add(RecordingOutbound(), FAST)
    clock.now = PUSH + timedelta(minutes=1)
    assert (await delivery.delivery_round(app.deps, app.sender)).sent == 1
    async with app.store.transaction() as repo:
        await repo.learners.update_learner(await learner_id(app, user), lesson_time="20:00")
    clock.now = PUSH + timedelta(hours=1, minutes=1)
    report = await delivery.delivery_round(app.deps, app.sender)
    assert report.scheduled == 0 and report.sent == 0
    clock.now = PUSH + timedelta(days=1, hours=1)  # tomorrow at 20:00, the new time
    assert await delivery.schedule_due(app.deps) == 1
    assert [day for _, day, _ in await rows(app)] == ["2026-11-23", "2026-11-24"]


async def test_an_earlier_lesson_time_already_past_is_planned_at_the_next_tick(
    app: App, clock: Clock
) -> None:
    (user,) = await learners(app, 1)  # 19:00
    clock.now = PUSH - timedelta(hours=3)  # 16:00 in Hà Nội
    assert await delivery.schedule_due(app.deps) == 0
    async with app.store.transaction() as repo:
        await repo.learners.update_learner(await learner_id(app, user), lesson_time="15:00")
    assert await delivery.schedule_due(app.deps) == 1
    clock.now = PUSH
    assert await delivery.schedule_due(app.deps) == 0  # 19:00 is no longer their time


async def test_a_paused_learner_is_not_planned_until_active_again(app: App, clock: Clock) -> None:
    (user,) = await learners(app, 1)
    me = await learner_id(app, user)
    clock.now = PUSH - timedelta(hours=1)
    assert await delivery.schedule_due(app.deps) == 0
    async with app.store.transaction() as repo:
        await repo.learners.update_learner(me, status=LearnerStatus.PAUSED)
    clock.now = PUSH
    assert await delivery.schedule_due(app.deps) == 0
    clock.advance(days=1)
    assert await delivery.schedule_due(app.deps) == 0
    async with app.store.transaction() as repo:
        await repo.learners.update_learner(me, status=LearnerStatus.ACTIVE)
    assert await delivery.schedule_due(app.deps) == 1  # back, and today's time has come


async def test_commune_board_counts_only_points_from_the_last_week(
    any_app: App, clock: Clock
) -> None:
    code = await join_code(any_app, "T05")
    users = ["8001", "8002", "8003"]
    for user in users:
        await Chat(any_app, user).join(code)
    ids = [await learner_id(any_app, u) for u in users]
    now = clock.now
    async with any_app.store.transaction() as repo:
        await repo.ledger.award(ids[0], Award("bench:a", 10, "practice"), now - timedelta(days=10))
        await repo.ledger.award(ids[1], Award("bench:b", 10, "practice"), now - timedelta(days=10))
        await repo.ledger.award(ids[1], Award("bench:c", 5, "practice"), now - timedelta(days=2))
        learner = await repo.learners.learner(ids[0])
        assert learner is not None and learner.unit_id is not None
        unit = await repo.units.unit(learner.unit_id)
        assert unit is not None and unit.parent_id is not None
        stats = await repo.ledger.group_stats(unit.parent_id, now - timedelta(days=7))
    mine = next(s for s in stats if s.unit_id == unit.id)
    assert mine.members == 3 and mine.active == 1
