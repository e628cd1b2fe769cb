"""Defects a new user met on the first day, each driven through the real dialog.

Console and Zalo Bot Platform learners answer by number or words; Telegram learners tap buttons.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.app import App
from bot.channels.console.chat import ConsoleOutbound, run_console
from bot.i18n import catalog
from scoring.grading import FLAGS
from tests.conftest import Chat, join_code, text_of
from tests.keys import says


async def learner_of(app: App, chat: Chat):  # type: ignore[no-untyped-def]
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity(chat.channel, chat.user)
        assert ident is not None
        return await repo.learners.learner(ident.learner_id)


async def up_to_birth(app: App, channel: str) -> Chat:
    chat = Chat(app, "6001", channel=channel)
    await chat.send(f"/start g_{await join_code(app, 'T05')}")
    await chat.send("1")  # Đồng ý
    await chat.send("Hoa")
    return chat


async def finish(chat: Chat, app: App) -> list:  # type: ignore[type-arg]
    """Answer the open lesson's quiz and send its exemplary work."""
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity(chat.channel, chat.user)
        current = await repo.progress.current_assignment(ident.learner_id)
    lesson = app.deps.curriculum.by_id(current.lesson_id)
    for q in range(lesson.quiz_count):
        await chat.tap(f"q:{lesson.id}:{q}:{lesson.quiz[q].answer_index}")
    return await chat.send(lesson.rubric.exemplary)


# 1. Skipping the birth year without buttons.
@pytest.mark.parametrize("channel", ["console", "zalo_bot"])
@pytest.mark.parametrize("skip", ["1", "bỏ qua", "bo qua", "Bỏ Qua."])
async def test_birth_year_is_skipped_by_number_or_words(app: App, channel: str, skip: str) -> None:
    chat = await up_to_birth(app, channel)
    out = await chat.send(skip)
    assert not says(text_of(out), "onboarding.bad_birth")
    assert says(text_of(out), "onboarding.ask_occupation")
    out = await chat.send("4")
    out = await chat.send("19:00")
    learner = await learner_of(app, chat)
    assert learner.status == "active" and learner.birth_year is None


# 2. Typing an option's words.
@pytest.mark.parametrize(
    ("typed", "occupation"),
    [
        ("Nông dân", "farmer"),
        ("nong dan", "farmer"),
        ("NÔNG", "farmer"),
        ("cán bộ", "official"),
        ("hoc sinh", "student"),
        ("Khác", "other"),
        # what people call their work, not the label offered
        ("cong nhan", "worker"),
        ("buôn bán", "business"),
        ("lam ruong", "farmer"),
        ("sinh vien", "student"),
        ("nội trợ", "other"),
    ],
)
async def test_occupation_by_its_words(app: App, typed: str, occupation: str) -> None:
    chat = await up_to_birth(app, "console")
    await chat.send("năm 1962")
    out = await chat.send(typed)
    assert says(text_of(out), "onboarding.ask_time")
    learner = await learner_of(app, chat)
    assert learner.occupation == occupation and learner.birth_year == 1962


async def test_an_ambiguous_start_of_a_label_asks_again(app: App) -> None:
    chat = await up_to_birth(app, "console")
    await chat.send("1990")
    out = await chat.send("chủ")  # too little to tell; nothing is chosen
    assert says(text_of(out), "onboarding.tap_occupation")
    assert (await learner_of(app, chat)).occupation is None


@pytest.mark.parametrize("form", ["câu {L}", "đáp án {L}", "dap an {l}", "chọn {L}", "{text}"])
async def test_quiz_answered_by_its_words(app: App, form: str) -> None:
    chat = Chat(app, "6002", channel="console")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    await chat.send("làm câu hỏi")
    question = app.deps.curriculum.lessons[0].quiz[0]
    typed = form.format(
        L=question.answer, l=question.answer.lower(), text=question.options[question.answer_index]
    )
    out = await chat.send(typed)
    assert says(text_of(out), "quiz.right")


# 3. /mydata when the export folder's name is taken by a file.
async def test_mydata_on_the_console_when_the_folder_is_a_file(app: App, tmp_path: Path) -> None:
    await Chat(app, "demo", channel="console").join(await join_code(app, "T05"))
    taken = tmp_path / "hocai-files"
    taken.write_text("not a folder", encoding="utf-8")
    screen = io.StringIO()
    await run_console(
        app.dialog,
        ConsoleOutbound(out=screen, files_dir=taken),
        stdin=io.StringIO("/mydata\n/progress\n"),
    )
    shown = screen.getvalue()
    assert says(shown, "console.file_failed") and '"display_name": "Nguyễn Thị Hoa"' in shown
    assert says(shown, "progress.title")  # the chat goes on


async def test_mydata_on_the_console_writes_the_file(app: App, tmp_path: Path) -> None:
    await Chat(app, "demo", channel="console").join(await join_code(app, "T05"))
    folder = tmp_path / "files"
    await run_console(
        app.dialog,
        ConsoleOutbound(out=io.StringIO(), files_dir=folder),
        stdin=io.StringIO("/mydata\n"),
    )
    (saved,) = folder.iterdir()
    assert json.loads(saved.read_text(encoding="utf-8"))["learner"]["display_name"]


# 4. A NUL byte in work, on both databases; SQL parameters stay out of logs.
async def test_control_characters_are_stripped_and_the_work_is_graded(any_app: App) -> None:
    chat = Chat(any_app, "6003")
    await chat.join(await join_code(any_app, "T05"))
    await chat.send("/lesson")
    lesson = any_app.deps.curriculum.lessons[0]
    work = lesson.rubric.exemplary.replace(" ", " \x00", 3) + "\x07\r\nhết\tbài"
    out = await chat.send(work)
    assert any(o.title.startswith("Điểm bài làm") for o in out)
    async with any_app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "6003")
        stored = (await repo.grades.latest_grade(ident.learner_id)).text
    assert "\x00" not in stored and "\x07" not in stored and "\r" not in stored
    assert stored.endswith("\nhết\tbài")


async def test_a_failed_statement_does_not_carry_the_learners_text(any_app: App) -> None:
    secret = "bài làm riêng tư của Hoa"
    with pytest.raises(DBAPIError) as failure:
        async with any_app.store.engine.connect() as conn:
            await conn.execute(
                text("SELECT work FROM no_such_table WHERE work = :work"), {"work": secret}
            )
    assert "no_such_table" in str(failure.value) and secret not in str(failure.value)


# 5. A bad time in /settings never traps the learner.
async def test_bad_time_in_settings_has_a_way_out(app: App) -> None:
    chat = Chat(app, "6004", channel="console")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/settings")
    await chat.send("1")  # Đổi giờ học
    out = await chat.send("giờ nào cũng được")
    assert "chưa hiểu giờ" in text_of(out)
    assert "set:keep" in [o.key for o in out[-1].options]
    out = await chat.send("tiến độ")  # keywords work in any step
    assert says(text_of(out), "progress.title")
    out = await chat.send("dạ")
    assert "chưa hiểu giờ" not in text_of(out)  # the step is over
    await chat.send("/settings")
    await chat.send("1")
    await chat.send("abc")
    out = await chat.send("giữ giờ cũ")
    assert "19:00" in text_of(out)
    await chat.send("/settings")
    await chat.send("1")
    out = await chat.send("7 rưỡi tối")
    assert "19:30" in text_of(out)
    assert (await learner_of(app, chat)).lesson_time == "19:30"


# 6. After /stop: lessons are paused, studying on request still works, and it says so.
async def test_paused_learner_is_told_and_may_still_study(app: App) -> None:
    chat = Chat(app, "6005")
    await chat.join(await join_code(app, "T05"))
    out = await chat.send("/stop")
    assert 'vẫn gõ "học"' in text_of(out)
    out = await chat.send("học")
    body = text_of(out)
    assert "đang tạm dừng" in body and "/start" in body
    assert app.deps.curriculum.lessons[0].title in body
    app.deps.lessons_per_day = 1
    await finish(chat, app)
    out = await chat.send("hoc")
    body = text_of(out)
    assert "đang tạm dừng" in body and "ngày mai" not in body
    assert (await learner_of(app, chat)).status == "paused"


# 7. Instructors read flags in Vietnamese; empty groups say so.
def test_every_grading_flag_has_a_phrase_in_both_languages() -> None:
    for language in ("vi", "en"):
        assert {f"review.flag.{f}" for f in FLAGS} <= set(catalog(language))


async def test_review_shows_flag_phrases_not_codes(app: App) -> None:
    chat = Chat(app, "6006")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    await chat.send("nộp bài")
    await chat.send("Tôi đã thử với AI rồi")  # sent as work; too short, so it is flagged
    await chat.send("khiếu nại")
    app.deps.admins = frozenset({"console:admin"})
    queue = await Chat(app, "admin", channel="console").send("/review")
    item = text_of(queue[1:])
    assert says(item, "review.flag.too_short") and "too_short" not in item


async def test_leaderboard_shows_a_group_without_members_kindly(app: App) -> None:
    chat = Chat(app, "6007")
    await chat.join(await join_code(app, "T05"))
    out = await chat.send("/leaderboard")
    rows = out[1].text  # the commune's groups
    assert "Tổ dân phố số 7: chưa có thành viên" in rows and "(0/0)" not in rows


# 9. "Học tiếp": more lessons the same day, up to the cap.
@pytest.mark.parametrize("more", ["tap", "học tiếp", "hoc tiep", "1"])
async def test_more_lessons_the_same_day_within_the_cap(app: App, more: str) -> None:
    app.deps.lessons_per_day = 2
    lessons = app.deps.curriculum.lessons
    chat = Chat(app, "6008", channel="console")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    out = await finish(chat, app)
    assert "cmd:next" in [o.key for o in out[-1].options]
    out = await (chat.tap("cmd:next") if more == "tap" else chat.send(more))
    assert out[0].title == lessons[1].title
    out = await finish(chat, app)
    assert "học đủ" in text_of(out) and not out[-1].options
    out = await chat.send("học tiếp")
    assert "đã học 2 bài" in text_of(out)
    out = await chat.send("học")
    assert f'học xong bài "{lessons[1].title}"' in text_of(out)
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("console", "6008")
        assert await repo.progress.lesson_count(ident.learner_id) == 2


async def test_hoc_tiep_while_the_lesson_is_open_continues_it(app: App) -> None:
    chat = Chat(app, "6009")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    out = await chat.send("Học tiếp")
    assert out[0].title == app.deps.curriculum.lessons[0].title


# 10. One thing at a time: the lesson, then the quiz on a tap, then the practice.
async def test_the_lesson_comes_before_the_quiz_and_the_practice(app: App) -> None:
    chat = Chat(app, "6010", channel="console")
    await chat.join(await join_code(app, "T05"))
    lesson = app.deps.curriculum.lessons[0]
    out = await chat.send("/lesson")
    body = text_of(out)
    assert lesson.example.prompt in body and lesson.practice.task not in body
    assert "Câu hỏi 1/" not in body and out[-1].options[0].label == "Làm câu hỏi"
    assert sum(len(o.text) for o in out) < 2600
    out = await chat.send("1")
    assert out[-1].title.startswith("Câu hỏi 1/")
