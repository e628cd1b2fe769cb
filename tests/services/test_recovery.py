"""Work stored before a crash is graded after the restart, and paid once."""

from __future__ import annotations

from bot.app import App
from bot.i18n import Translator
from bot.services import submissions
from bot.services.ports import SubmissionStatus
from tests.conftest import Chat, Clock, join_code
from tests.storage_helpers import count_rows


async def test_work_left_ungraded_by_a_crash_is_graded_later_and_paid_once(
    app: App, clock: Clock
) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    lesson = app.deps.curriculum.lessons[0]
    async with app.store.transaction() as repo:  # what the live path commits before grading
        ident = await repo.learners.identity("telegram", chat.user)
        await repo.submissions.add_submission(
            ident.learner_id,
            lesson.id,
            "telegram",
            lesson.rubric.exemplary,
            None,
            "telegram:crashed-update",
            SubmissionStatus.RECEIVED,
            clock(),
        )
    told = await submissions.grade_waiting(app.deps, {"vi": Translator("vi")})
    assert told == []  # too fresh: the live path may still be grading it
    clock.advance(minutes=3)
    told = await submissions.grade_waiting(app.deps, {"vi": Translator("vi")})
    assert len(told) == 1 and told[0][1][0].title.startswith("Điểm bài làm")
    async with app.store.transaction() as repo:
        points = await repo.ledger.points(ident.learner_id)
    assert points > 0
    assert await submissions.grade_waiting(app.deps, {}) == []  # nothing left, nothing paid again
    async with app.store.transaction() as repo:
        assert await repo.ledger.points(ident.learner_id) == points


async def test_the_same_work_sent_twice_is_stored_once(app: App) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    text = app.deps.curriculum.lessons[0].rubric.exemplary
    first = await chat.send(text, update_key="u-42")
    again = await chat.send(text, update_key="u-42")
    assert first and again == []
    async with app.store.transaction() as repo:
        assert await count_rows(repo, "submissions") == 1
