"""Results before rendering: /progress and /review come from data a web page can render too.

The data carries ids, scores, flags and lesson ids and no wording; the chat renderers turn the
same data into the messages the other tests read."""

from __future__ import annotations

import dataclasses

from bot.app import App
from bot.i18n import Translator
from bot.services import progress_chat, review, review_chat, standings
from bot.services.ports import GradeStatus
from tests.conftest import Chat, join_code


def no_wording(value: object) -> None:
    """Nothing in the data is a sentence: every string is an id, a code or a name from storage."""
    for field in dataclasses.fields(value):  # type: ignore[arg-type]
        item = getattr(value, field.name)
        if isinstance(item, str):
            assert " " not in item or field.name in {"text", "group_name", "level_title"}, field


async def test_progress_report_is_data_and_renders_the_same(app: App) -> None:
    chat = Chat(app, "4101")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "4101")
        assert ident is not None
        learner = await repo.learners.learner(ident.learner_id)
        assert learner is not None
        report = await standings.progress_report(app.deps, repo, learner)
    lesson = app.deps.curriculum.lessons[0]
    assert report.learner_id == learner.id
    assert report.lesson_id == lesson.id and report.level == lesson.level
    assert report.lessons_total == len(app.deps.curriculum.lessons)
    assert (report.lessons_done, report.lessons_passed) == (0, 0)
    assert report.unit_id == learner.unit_id and report.group_name
    assert report.rank is not None and report.group_size >= 1
    assert report.freezes_max >= report.freezes_held >= 0
    no_wording(report)
    rendered = progress_chat.progress(report, Translator("vi"))
    assert rendered.text == (await chat.send("/progress"))[0].text


async def test_review_queue_is_data_with_ids_scores_and_flags(app: App) -> None:
    app.deps.admins = frozenset({"telegram:9000"})
    chat = Chat(app, "4102")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    await chat.send("", kind="photo", photo_ref="tg:photo-9")  # a photo alone waits for a person
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "4102")
        assert ident is not None
        waiting = await review.review_queue(repo)
        empty = await review.review_queue(repo, units=[])
    lesson = app.deps.curriculum.lessons[0]
    [item] = [i for i in waiting.items if i.learner_id == ident.learner_id]
    assert (item.status, item.flags, item.photo_ref, item.text) == (
        GradeStatus.REVIEW,
        ("photo_pending",),
        "tg:photo-9",
        "",
    )
    assert waiting.held is None and not item.appealed
    assert item.submitted_at is not None and item.graded_at is not None
    assert item.submitted_at <= item.graded_at
    for item in waiting.items:
        assert item.lesson_id == lesson.id and 0 <= item.score <= 100
        assert isinstance(item.flags, tuple) and item.grade_id > 0 and item.submission_id > 0
        no_wording(item)
    assert waiting.total >= len(waiting.items)
    assert empty.items == () and empty.total == 0 and empty.held is None
    # The chat is a rendering of the same data.
    instructor = Chat(app, "9000")
    shown = await instructor.send("/review")
    rendered = review_chat.queue(app.deps, waiting, Translator("vi"))
    assert [o.text for o in rendered] == [o.text for o in shown[: len(rendered)]]
