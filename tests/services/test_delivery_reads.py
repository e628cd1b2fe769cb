"""The daily push reads each thing once: the reads folded into one statement answer exactly what
the separate reads did, and a delivery's statement count stays down (the push is bound by it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event

from bot.app import App
from bot.services import delivery
from bot.services.conversation import StatePatch
from bot.services.ports.records import SubmissionStatus
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


async def learner_id(app: App, user: str) -> int:
    async with app.store.transaction() as repo:
        found = await repo.learners.identity("telegram", user)
    assert found is not None
    return found.learner_id


async def test_lesson_state_is_what_the_three_reads_were(any_app: App) -> None:
    await Chat(any_app, "7001").join(await join_code(any_app, "T05"))
    lid = await learner_id(any_app, "7001")
    first, second, third = (lesson.id for lesson in any_app.deps.curriculum.lessons[:3])
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    async with any_app.store.transaction() as repo:
        await repo.progress.assign(lid, first, 1, date(2026, 11, 23))
        await repo.progress.mark_started(lid, first, now)
        await repo.progress.record_quiz_answer(lid, first, 0, 1, True, now)
        await repo.progress.record_quiz_answer(lid, first, 2, 0, False, now)
        # answers to a lesson never assigned (an old or forged button) count as well
        await repo.progress.record_quiz_answer(lid, second, 1, 0, False, now)
        for status, lesson in (
            (SubmissionStatus.GRADED, first),
            (SubmissionStatus.RECEIVED, third),
        ):
            await repo.submissions.add_submission(
                lid, lesson, "telegram", "bài", None, None, status, now
            )
    for lesson in (first, second, third, "no-such-lesson"):
        async with any_app.store.transaction() as repo:
            with counting(any_app) as statements:
                state = await repo.progress.lesson_state(lid, lesson)
            assert len(statements) == 1
            assert state.assignment == await repo.progress.assignment(lid, lesson)
            assert state.answered == await repo.progress.quiz_answers(lid, lesson)
            assert state.submitted == await repo.submissions.has_graded_submission(lid, lesson)
    async with any_app.store.transaction() as repo:
        state = await repo.progress.lesson_state(lid, first)
    assert state.answered == {0: True, 2: False} and state.submitted
    assert state.assignment is not None and state.assignment.started_at == now


async def test_standing_is_the_current_assignment_and_the_completed_lessons(any_app: App) -> None:
    await Chat(any_app, "7002").join(await join_code(any_app, "T05"))
    lid = await learner_id(any_app, "7002")
    a, b, c = (lesson.id for lesson in any_app.deps.curriculum.lessons[:3])
    async with any_app.store.transaction() as repo:
        assert await repo.progress.standing(lid) == (None, set())
        await repo.progress.assign(lid, a, 1, date(2026, 11, 20))
        await repo.progress.complete(lid, a, date(2026, 11, 20))
        await repo.progress.assign(lid, b, 1, date(2026, 11, 21))
        await repo.progress.assign(lid, c, 1, date(2026, 11, 21))  # same day: the later row
        await repo.progress.complete(lid, c, date(2026, 11, 22))
        current, completed = await repo.progress.standing(lid)
        assert current == await repo.progress.current_assignment(lid)
        assert current is not None and current.lesson_id == c
        assert completed == await repo.progress.completed_lessons(lid) == {a, c}


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
    users = await learners(app, 6)
    out = RecordingOutbound()
    app.sender.add(out, FAST)
    clock.now = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)
    assert await delivery.schedule_due(app.deps) == len(users)
    with counting(app) as statements:
        report = await delivery.deliver_due(app.deps, app.sender)
    assert report.sent == len(users)
    # 18 a learner here before the reads were folded, 13 after. Claims are shared by the batch.
    assert len(statements) / len(users) <= 14, len(statements) / len(users)
