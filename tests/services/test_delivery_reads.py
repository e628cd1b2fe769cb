"""The daily push reads each thing once: the reads folded into one statement answer exactly what
the separate reads did, and a delivery's statement count stays down (the push is bound by it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update

from bot.app import App
from bot.services import delivery
from bot.services.conversation import StatePatch
from bot.services.ports.push import DeliveryMark
from bot.services.ports.records import SubmissionStatus
from bot.storage.models import Delivery, Learner
from tests.conftest import Chat, Clock, join_code
from tests.services.test_delivery import FAST, RecordingOutbound, learners


@contextmanager
def counting(app: App) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.store.engine.sync_engine

    def seen(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


async def delivery_rows(app: App) -> list[Delivery]:
    async with app.store.transaction() as repo:
        return list(await repo.s.scalars(select(Delivery)))  # type: ignore[attr-defined]


async def planned(app: App, clock: Clock, n: int) -> tuple[list[str], RecordingOutbound]:
    """`n` learners whose 19:00 lesson is planned, sent through a recording outbound."""
    users = await learners(app, n)
    out = RecordingOutbound()
    app.sender.add(out, FAST)
    clock.now = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)  # 19:01 in Hà Nội
    assert await delivery.schedule_due(app.deps) == len(users)
    return users, out


async def learner_id(app: App, user: str) -> int:
    async with app.store.transaction() as repo:
        found = await repo.learners.identity("telegram", user)
    assert found is not None
    return found.learner_id


async def test_lesson_work_is_what_the_separate_reads_were(any_app: App) -> None:
    await Chat(any_app, "7001").join(await join_code(any_app, "T05"))
    await Chat(any_app, "7011").join(await join_code(any_app, "T05"))
    lid, other = await learner_id(any_app, "7001"), await learner_id(any_app, "7011")
    first, second, third = (lesson.id for lesson in any_app.deps.curriculum.lessons[:3])
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    async with any_app.store.transaction() as repo:
        await repo.progress.assign(lid, first, 1, date(2026, 11, 23))
        await repo.progress.mark_started(lid, first, now)
        await repo.progress.record_quiz_answer(lid, first, 0, 1, True, now)
        await repo.progress.record_quiz_answer(lid, first, 2, 0, False, now)
        # answers to a lesson never assigned (an old or forged button) count as well
        await repo.progress.record_quiz_answer(lid, second, 1, 0, False, now)
        await repo.progress.record_quiz_answer(other, first, 1, 2, True, now)
        for status, lesson in (
            (SubmissionStatus.GRADED, first),
            (SubmissionStatus.GRADED, first),  # twice: still one lesson with work in
            (SubmissionStatus.RECEIVED, third),
        ):
            await repo.submissions.add_submission(
                lid, lesson, "telegram", "bài", None, None, status, now
            )
    keys = [(lid, lesson) for lesson in (first, second, third, "no-such-lesson")]
    keys.append((other, first))
    async with any_app.store.transaction() as repo:
        with counting(any_app) as statements:
            work = await repo.push.lesson_work(keys)
        assert len(statements) == 2  # quiz answers, graded work: for the whole batch
        assert set(work) == set(keys)
        for learner, lesson in keys:
            assert work[(learner, lesson)].answered == await repo.progress.quiz_answers(
                learner, lesson
            )
            assert work[(learner, lesson)].submitted == (
                await repo.submissions.has_graded_submission(learner, lesson)
            )
    assert work[(lid, first)].answered == {0: True, 2: False} and work[(lid, first)].submitted
    assert work[(other, first)].answered == {1: True} and not work[(other, first)].submitted


async def test_assignments_are_each_learners_current_one_first(any_app: App) -> None:
    await Chat(any_app, "7002").join(await join_code(any_app, "T05"))
    await Chat(any_app, "7012").join(await join_code(any_app, "T05"))
    lid, other = await learner_id(any_app, "7002"), await learner_id(any_app, "7012")
    a, b, c = (lesson.id for lesson in any_app.deps.curriculum.lessons[:3])
    async with any_app.store.transaction() as repo:
        assert await repo.push.assignments([lid, other]) == {}
        await repo.progress.assign(lid, a, 1, date(2026, 11, 20))
        await repo.progress.complete(lid, a, date(2026, 11, 20))
        await repo.progress.assign(lid, b, 1, date(2026, 11, 21))
        await repo.progress.assign(lid, c, 1, date(2026, 11, 21))  # same day: the later row
        await repo.progress.complete(lid, c, date(2026, 11, 22))
        await repo.push.assign([(other, a, 1, date(2026, 11, 22)), (lid, a, 1, date(2026, 11, 23))])
        found = await repo.push.assignments([lid, other])
        assert found[lid][0] == await repo.progress.current_assignment(lid)
        assert found[lid][0].lesson_id == c
        done = {row.lesson_id for row in found[lid] if row.completed_on is not None}
        assert done == await repo.progress.completed_lessons(lid) == {a, c}
        # assigning again keeps the row as it was (completed, on its own day)
        assert await repo.progress.assignment(lid, a) == next(
            row for row in found[lid] if row.lesson_id == a
        )
        assert [row.lesson_id for row in found[other]] == [a]


async def test_marks_are_fenced_by_each_deliverys_holder(any_app: App, clock: Clock) -> None:
    users = await learners(any_app, 3)
    clock.now = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)
    assert await delivery.schedule_due(any_app.deps) == len(users)
    now = clock.now
    async with any_app.store.transaction() as repo:
        one = await repo.leases.claim_deliveries(now, 2, "w:1", now + timedelta(minutes=5))
        two = await repo.leases.claim_deliveries(now, 1, "w:2", now + timedelta(minutes=5))
    going, ending, theirs = one[0].id, one[1].id, two[0].id
    later = now + timedelta(seconds=5)
    async with any_app.store.transaction() as repo:
        held = await repo.push.mark(
            [
                DeliveryMark(going, "w:1", 2),
                DeliveryMark(ending, "w:1", 4, "telegram"),
                DeliveryMark(theirs, "w:1", 3),  # w:2 holds it: nothing changes
            ],
            later,
            later + timedelta(minutes=5),
        )
    assert held == {going, ending}
    rows = {row.id: row for row in await delivery_rows(any_app)}
    assert (rows[going].status, rows[going].parts_sent) == ("sending", 2)
    assert rows[going].lease_until == later + timedelta(minutes=5)
    assert (rows[ending].status, rows[ending].parts_sent, rows[ending].channel) == (
        "sent",
        4,
        "telegram",
    )
    assert rows[ending].lease_owner is None
    assert (rows[theirs].parts_sent, rows[theirs].lease_owner) == (0, "w:2")


async def test_one_broken_learner_does_not_hold_up_the_batch(app: App, clock: Clock) -> None:
    users, out = await planned(app, clock, 5)
    broken = await learner_id(app, users[2])
    async with app.store.transaction() as repo:  # a zone that no longer exists (bad data)
        await repo.s.execute(
            update(Learner).where(Learner.id == broken).values(timezone="Nowhere/Atlantis")
        )
    report = await delivery.deliver_due(app.deps, app.sender)
    assert report.sent == len(users) - 1
    assert {chat for chat, _ in out.sent} == set(users) - {users[2]}
    rows = {row.learner_id: row for row in await delivery_rows(app)}
    assert rows[broken].status == "sending"  # its lease lapses; the next tick tries again
    # Broken for good: after the last attempt it ends failed instead of being claimed forever.
    for _ in range(delivery.MAX_ATTEMPTS):
        clock.now += app.deps.delivery_limits.lease + timedelta(seconds=1)
        await delivery.deliver_due(app.deps, app.sender)
    rows = {row.learner_id: row for row in await delivery_rows(app)}
    assert rows[broken].status == "failed" and "Atlantis" in (rows[broken].error or "")
    assert rows[broken].attempts == delivery.MAX_ATTEMPTS
    assert {chat for chat, _ in out.sent} == set(users) - {users[2]}


async def test_delivered_stamps_and_patches_in_one_statement(any_app: App) -> None:
    chat = Chat(any_app, "7003")
    await chat.send("/start")
    async with any_app.store.transaction() as repo:
        ident = (await repo.learners.identities_of(await learner_id(any_app, "7003")))[0]
        await repo.conversations.patch(ident.id, StatePatch(set={"step": "name"}))
    at = datetime(2026, 11, 23, 0, 5, tzinfo=UTC)
    async with any_app.store.transaction() as repo:
        with counting(any_app) as statements:
            await repo.conversations.delivered(
                ident.id, at, StatePatch(set={"options": ["quiz:a"]}, unset=("labels",))
            )
        assert len(statements) == 1
        after = (await repo.learners.identities_of(ident.learner_id))[0]
    assert after.last_delivered_at == at
    assert after.state.options == ["quiz:a"] and after.state.step == "name"  # kept


async def test_a_first_lesson_push_takes_few_statements_a_learner(app: App, clock: Clock) -> None:
    users, out = await planned(app, clock, 12)
    with counting(app) as statements:
        report = await delivery.deliver_due(app.deps, app.sender)
    assert report.sent == len(users)
    # 18 a learner when each was read on its own, 13 when its reads were folded; a claimed batch
    # is now read at once and the parts sent are recorded together (group commit).
    assert len(statements) / len(users) <= 5, len(statements) / len(users)
    # every part of every lesson was recorded
    per_chat = Counter(chat for chat, _ in out.sent)
    rows = await delivery_rows(app)
    assert len(rows) == len(users) and all(row.status == "sent" for row in rows)
    assert sorted(row.parts_sent for row in rows) == sorted(per_chat.values())
