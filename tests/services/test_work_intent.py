"""Only work sent as work is graded: chat mid-lesson is understood or asked about, never scored."""

from __future__ import annotations

import pytest

from bot.app import App
from lessons.model import Lesson
from tests.conftest import Chat, join_code, text_of
from tests.keys import says
from tests.storage_helpers import count_rows

GRADE = "Điểm bài làm"


def first_lesson(app: App) -> Lesson:
    return app.deps.curriculum.lessons[0]


async def studying(app: App, channel: str = "telegram", user: str = "4001") -> Chat:
    """A learner with today's lesson open and its quiz started."""
    chat = Chat(app, user, channel=channel)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    await chat.tap(f"qs:{first_lesson(app).id}")
    return chat


async def submissions(app: App) -> int:
    async with app.store.transaction() as repo:
        return await count_rows(repo, "submissions")


async def test_phrases_mid_lesson_mean_what_they_say_and_are_never_graded(app: App) -> None:
    chat = await studying(app)
    lesson = first_lesson(app)
    out = await chat.send("bài tiếp theo")  # today's lesson is unfinished: it comes again
    assert lesson.title in text_of(out) and GRADE not in text_of(out)
    await chat.tap(f"qs:{lesson.id}")
    wrong = "ABCD"[(lesson.quiz[0].answer_index + 1) % 4]
    out = await chat.send(f"dap an {wrong.lower()}")  # a quiz answer, not work
    assert "Chưa đúng" in text_of(out)
    out = await chat.send(f"Câu {lesson.quiz[1].answer}")
    assert says(text_of(out), "quiz.right")
    out = await chat.send("khiếu nại")  # nothing was graded, so nothing can be appealed
    assert says(text_of(out), "appeal.unknown")
    assert await submissions(app) == 0  # no submission, so no grade in any average


async def test_a_quiz_letter_with_no_question_open_is_explained(app: App) -> None:
    chat = Chat(app, "4002")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    out = await chat.send("đáp án C")
    assert out[-1].text.startswith("Hiện không có câu hỏi") and await submissions(app) == 0


@pytest.mark.parametrize("channel", ["telegram", "console"])
async def test_a_short_message_is_asked_about_and_no_keeps_it_ungraded(
    app: App, channel: str
) -> None:
    chat = await studying(app, channel)
    out = await chat.send("tôi làm xong rồi nè")
    assert says(out[-1].text, "work.is_it_work")
    assert [o.key for o in out[-1].options] == ["work:yes", "work:no"]
    no = chat.tap("work:no") if channel == "telegram" else chat.send("2")
    out = await no
    assert says(text_of(out), "work.not_graded") and GRADE not in text_of(out)
    assert await submissions(app) == 0
    out = await chat.send("Có")  # nothing is held any more: the answer says so, grades nothing
    assert says(text_of(out), "work.nothing_held") and await submissions(app) == 0


@pytest.mark.parametrize("answer", ["tap", "1", "Có", "co"])
async def test_yes_grades_the_held_text(app: App, answer: str) -> None:
    chat = await studying(app, "console")
    work = "AI giúp tôi viết thư mời họp tổ"
    await chat.send(work)
    out = await (chat.tap("work:yes") if answer == "tap" else chat.send(answer))
    assert any(o.title.startswith(GRADE) for o in out)
    async with app.store.transaction() as repo:
        assert await count_rows(repo, "submissions") == 1
        ident = await repo.learners.identity("console", chat.user)
        latest = await repo.grades.latest_grade(ident.learner_id)
    assert latest is not None and latest.text == work


async def test_nop_bai_makes_the_next_message_work_even_a_short_one(app: App) -> None:
    chat = await studying(app)
    lesson = first_lesson(app)
    for q in range(lesson.quiz_count):
        out = await chat.tap(f"q:{lesson.id}:{q}:{lesson.quiz[q].answer_index}")
    practice = out[-1] if out[-1].options else next(o for o in out if o.options)
    assert lesson.practice.task in practice.text  # the practice comes after the quiz
    assert [o.key for o in practice.options] == ["work:submit"]
    out = await chat.send("nộp bài")  # typed, the same as the button
    assert "tin nhắn tiếp theo" in text_of(out)
    out = await chat.send("Đây là bài của tôi")
    assert any(o.title.startswith(GRADE) for o in out)
    out = await chat.send("cảm ơn bạn nhiều nhé")  # "Nộp bài" holds for one message only
    assert GRADE not in text_of(out)
    assert await submissions(app) == 1


async def test_a_reply_to_the_practice_message_is_work(app: App) -> None:
    chat = await studying(app)
    lesson = first_lesson(app)
    out = await chat.send("Bài của tôi đây ạ", reply_to=lesson.practice.task + "\n👉 ...")
    assert any(o.title.startswith(GRADE) for o in out)
    out = await chat.send("Bài của tôi đây ạ", reply_to="Câu hỏi 1/3 ...")  # another message
    assert says(out[-1].text, "work.is_it_work")
    assert await submissions(app) == 1


async def test_long_work_about_the_task_is_graded_at_once(app: App) -> None:
    chat = await studying(app)
    out = await chat.send(first_lesson(app).rubric.exemplary)
    assert any(o.title.startswith(GRADE) for o in out)


async def test_chat_with_no_lesson_open_is_never_work(app: App) -> None:
    chat = Chat(app, "4003")
    await chat.join(await join_code(app, "T05"))
    out = await chat.send("chào bạn nhé")
    assert GRADE not in text_of(out) and not says(text_of(out), "work.is_it_work")
    assert await submissions(app) == 0


async def test_a_long_message_about_something_else_is_asked_about(app: App) -> None:
    chat = await studying(app)
    out = await chat.send(
        "Hôm nay trời đẹp quá, tôi đi chợ mua rau về nấu canh cho cả nhà ăn, sau đó tôi sẽ "
        "học tiếp với bạn nhé, cảm ơn bạn rất nhiều vì đã giúp tôi mỗi ngày, chúc bạn vui vẻ"
    )
    assert says(out[-1].text, "work.is_it_work") and await submissions(app) == 0
