"""Done is not passed: a 0/100 lesson is done, not passed, comes back on a review day with its
feedback and can be retried; a held (provisional) grade passes nothing until it is confirmed."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.services import delivery
from lessons.model import Lesson
from tests.conftest import Chat, Clock, join_code, text_of
from tests.keys import says
from tests.services.test_delivery import FAST, RecordingOutbound
from tests.services.test_held_grades import WORK, no_model_app  # noqa: F401  (a fixture)

NOTHING = "tôi không biết làm bài này đâu bạn ơi"  # a few words: 0/100 by the rules


def first(app: App) -> Lesson:
    return app.deps.curriculum.lessons[0]


async def do_first_lesson(app: App, user: str, work: str) -> tuple[Chat, str]:
    chat = Chat(app, user)
    await chat.join(await join_code(app, "T05"))
    lesson = first(app)
    await chat.send("/lesson")
    for question in range(lesson.quiz_count):
        await chat.tap(f"q:{lesson.id}:{question}:{lesson.quiz[question].answer_index}")
    await chat.tap("work:submit")  # "Nộp bài": the next message is the work, however short
    return chat, text_of(await chat.send(work))


async def practice_points(app: App, user: str) -> int:
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
        assert ident is not None
        return await repo.ledger.practice_points_paid(ident.learner_id, first(app).id)


async def test_a_zero_is_done_not_passed_and_comes_back_on_a_review_day(
    app: App,
    clock: Clock,
) -> None:
    chat, graded = await do_first_lesson(app, "7001", NOTHING)
    assert "Điểm bài làm: 0/100" in graded
    assert "làm xong bài học" in graded and "chưa đạt" in graded and "cần 60" in graded
    assert "hoàn thành bài học" not in graded  # the old "🎉 ... hoàn thành" was said for 0/100
    progress = text_of(await chat.send("tien do"))
    assert "Bài đã xong: 1/" in progress and "đã đạt: 0" in progress

    clock.advance(days=5)  # the 6th day: an ordinary day
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "7001")
        assert ident is not None
        assert await repo.passing.review_on(ident.learner_id, clock.now.date()) is None
    clock.advance(days=1)  # the 7th day since joining: a review day
    out = await chat.send("/lesson")
    text = text_of(out)
    assert says(text, "pass.review_title") and first(app).title in text
    assert says(text, "pass.review_feedback") and "0 điểm" in text  # its feedback comes with it
    assert first(app).practice.task.strip()[:40] in text
    assert [o.key for o in out[-1].options] == ["work:submit"]
    assert text_of(await chat.send("/lesson")).count("Ngày ôn tập") == 1  # the same review

    await chat.tap("work:submit")
    retried = text_of(await chat.send(WORK["4001"]))  # a retry through the same grading
    assert "Điểm bài làm: 100/100" in retried and "đã đạt" in retried
    assert await practice_points(app, "7001") == 50  # half the best confirmed score, once
    again = text_of(await chat.send("/lesson"))
    assert "đã học xong" in again and "Học tiếp" in again  # the review was today's lesson
    progress = text_of(await chat.send("tiến độ"))
    assert "đã đạt: 1" in progress


async def test_a_retry_the_same_day_goes_through_the_same_pipeline(app: App) -> None:
    chat, graded = await do_first_lesson(app, "7002", NOTHING)
    assert "chưa đạt" in graded and await practice_points(app, "7002") == 0
    await chat.tap("work:submit")
    retried = text_of(await chat.send(WORK["4003"]))
    assert "đã đạt" in retried and await practice_points(app, "7002") == 50
    await chat.tap("work:submit")
    worse = text_of(await chat.send(NOTHING + " nữa"))  # a worse retry takes nothing away
    assert "Điểm bài làm: 0/100" in worse and await practice_points(app, "7002") == 50
    assert "đã đạt: 1" in text_of(await chat.send("/progress"))


async def test_a_passed_learner_gets_a_new_lesson_on_the_review_day(app: App, clock: Clock) -> None:
    chat, graded = await do_first_lesson(app, "7003", WORK["4001"])
    assert says(graded, "pass.completed_passed")
    clock.advance(days=6)
    out = await chat.send("/lesson")
    assert not says(text_of(out), "pass.review_title") and app.deps.curriculum.lessons[1].title in (
        text_of(out)
    )


async def test_the_review_day_push_brings_the_lesson_back(app: App, clock: Clock) -> None:
    await do_first_lesson(app, "7004", NOTHING)  # lesson time 19:00
    sent = RecordingOutbound()
    app.sender.add(sent, FAST)
    clock.now = datetime(2026, 11, 29, 12, 1, tzinfo=UTC)  # 19:01 on the 7th day
    report = await delivery.delivery_round(app.deps, app.sender)
    assert report.sent == 1
    pushed = "\n".join(m.text for _, m in sent.sent)
    assert says("\n".join(m.title for _, m in sent.sent) + pushed, "pass.review_title")
    assert first(app).title in pushed
    assert (await delivery.delivery_round(app.deps, app.sender)).sent == 0  # once


async def test_a_held_grade_passes_nothing_until_confirmed(no_model_app: App) -> None:  # noqa: F811
    told: list[str] = []

    async def notify(learner_id: int, messages: list) -> None:
        told.extend(m.text for m in messages)

    no_model_app.deps.notify = notify
    chat, graded = await do_first_lesson(no_model_app, "4001", WORK["4001"])
    assert "tạm thời" in graded and "làm xong bài học" in graded and "xác nhận" in graded
    assert not says(graded, "pass.completed_passed")
    assert "đã đạt: 0" in text_of(await chat.send("/progress"))
    assert not says(text_of(await chat.send("/lesson")), "pass.review_title")

    instructor = Chat(no_model_app, "9000")
    queue = await instructor.send("/review")
    bulk = next(o for m in queue for o in m.options if o.key.startswith("rv:bulk:"))
    preview = await instructor.tap(bulk.key)
    await instructor.tap(next(o for m in preview for o in m.options).key)
    assert any("đã đạt" in t for t in told)
    assert "đã đạt: 1" in text_of(await chat.send("/progress"))
