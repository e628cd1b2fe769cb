"""The learner's day through the dialog, on a real SQLite file (and PostgreSQL via any_app)."""

from __future__ import annotations

import json

from bot.app import App
from lessons.model import Lesson
from tests.conftest import Chat, Clock, join_code, text_of
from tests.keys import says
from tests.storage_helpers import count_rows


def first_lesson(app: App) -> Lesson:
    return app.deps.curriculum.lessons[0]


async def test_onboarding_walks_every_step_and_joins_the_group(app: App) -> None:
    code = await join_code(app, "T05")
    chat = Chat(app)
    out = await chat.send(f"/start g_{code}")
    assert "Tổ dân phố số 5" in text_of(out)
    assert [o.key for o in out[-1].options] == ["ob:consent:yes", "ob:consent:no"]
    out = await chat.tap("ob:consent:yes")
    assert "tên" in text_of(out)
    out = await chat.send("Nguyễn Thị Hoa")
    assert "Nguyễn Thị Hoa" in text_of(out) and says(text_of(out), "onboarding.ask_birth")
    out = await chat.send("1990")
    assert len(out[-1].options) == 6
    out = await chat.send("4")  # a numbered reply picks the 4th occupation: nông dân
    assert says(text_of(out), "onboarding.ask_time")
    out = await chat.send("7h toi")  # typed without diacritics
    assert "19:00" in text_of(out)
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "1001")
        learner = await repo.learners.learner(ident.learner_id)
    assert learner.status == "active" and learner.occupation == "farmer"
    assert learner.birth_year == 1990 and learner.lesson_time == "19:00"
    assert learner.consent_at is not None and learner.unit_id is not None


async def test_start_twice_never_makes_a_second_learner(app: App) -> None:
    code = await join_code(app, "T05")
    chat = Chat(app)
    await chat.join(code)
    out = await chat.send(f"/start g_{code}")
    assert "quay lại" in text_of(out)
    async with app.store.transaction() as repo:
        assert await count_rows(repo, "learners") == 1


async def test_wrong_code_gets_a_clear_answer_and_another_try(app: App) -> None:
    chat = Chat(app)
    out = await chat.send("/start g_ZZZZ99")
    assert "không đúng hoặc đã hết hạn" in text_of(out)
    out = await chat.send("!!!")
    assert "không đúng" in text_of(out)
    out = await chat.send(await join_code(app, "T07"))
    assert "Tổ dân phố số 7" in text_of(out)


async def test_lesson_quiz_practice_progress(app: App) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    out = await chat.send("/lesson")
    lesson = first_lesson(app)
    assert lesson.title in text_of(out)
    # The lesson alone first: the quiz starts with one tap, the practice comes after the quiz.
    assert [o.key for o in out[-1].options] == [f"qs:{lesson.id}"]
    assert lesson.practice.task not in text_of(out)
    out = await chat.tap(f"qs:{lesson.id}")
    assert out[-1].options[0].key == f"q:{lesson.id}:0:0"

    right = lesson.quiz[0].answer_index
    out = await chat.tap(f"q:{lesson.id}:0:{right}")
    assert says(text_of(out), "quiz.right") and "+10" in text_of(out)
    out = await chat.tap(f"q:{lesson.id}:0:{(right + 1) % 4}")  # a second tap scores nothing
    assert "trả lời câu 1 rồi" in text_of(out)
    wrong = (lesson.quiz[1].answer_index + 1) % 4
    out = await chat.send("ABCD"[wrong])  # a letter answers the offered question
    assert "Chưa đúng" in text_of(out)
    await chat.tap(f"q:{lesson.id}:2:{lesson.quiz[2].answer_index}")

    out = await chat.send(lesson.rubric.exemplary)
    graded = text_of(out)
    assert says(graded, "grade.title") and "Chuỗi ngày học: 1" in graded
    # The rubric's own exemplary is a copy: done, but not passed, and the message says so.
    assert "làm xong bài học" in graded and "chưa đạt" in graded
    assert "hoàn thành bài học" not in graded

    out = await chat.send("/progress")
    body = text_of(out)
    assert (
        "Bài đã xong: 1/" in body
        and "đã đạt: 0" in body
        and "Hạng trong nhóm Tổ dân phố số 5: 1/1" in body
    )
    out = await chat.send("/lesson")
    assert "đã học xong" in text_of(out)  # one new lesson per calendar day


async def test_next_day_brings_the_next_lesson_and_unfinished_comes_back(
    app: App, clock: Clock
) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    clock.advance(days=1)
    out = await chat.send("hoc")  # keyword without diacritics
    assert says(text_of(out), "lesson.again")
    assert first_lesson(app).title in text_of(out)


async def test_points_are_paid_once_even_for_a_redelivered_update(app: App) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    lesson = first_lesson(app)
    key = f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}"
    first = await chat.send(kind="choice", choice=key, update_key="same-update")
    again = await chat.send(kind="choice", choice=key, update_key="same-update")
    assert first and again == []
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "1001")
        assert await repo.ledger.points(ident.learner_id) == 10


async def test_leaderboard_ranks_group_and_commune_groups(app: App) -> None:
    a, b = Chat(app, "1", name="Lan"), Chat(app, "2", name="Minh")
    c = Chat(app, "3", name="Tú")
    await a.join(await join_code(app, "T05"))
    await b.join(await join_code(app, "T05"))
    await c.join(await join_code(app, "T07"))
    lesson = first_lesson(app)
    for chat in (a, c):
        await chat.send("/lesson")
        await chat.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    out = await a.send("/leaderboard")
    group, commune, province = out
    assert group.text.splitlines()[0].startswith("1. Lan ⭐: 10")
    assert "Minh: 0" in group.text
    # No working-age population in this units file: rates are unknown, never "1 of 1 = 100%".
    assert "100%" not in commune.text and "chưa rõ" in commune.text
    assert "Phường Phan Đình Phùng ⭐" in province.text


async def test_settings_stop_start_mydata_deleteme(app: App) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    out = await chat.send("/settings")
    assert "19:00" in out[0].text
    await chat.tap("set:time")
    out = await chat.send("25:99")
    assert "chưa hiểu giờ" in text_of(out)
    out = await chat.send("6:45")
    assert "06:45" in text_of(out)
    out = await chat.tap("set:showname")
    assert says(out[0].text, "settings.name_hidden")

    out = await chat.send("/stop")
    assert "tạm dừng" in text_of(out).lower()
    out = await chat.send("/start")
    assert "bật lại" in text_of(out)

    out = await chat.send("/mydata")
    data = json.loads(out[0].file.content)
    assert data["learner"]["display_name"] == "Nguyễn Thị Hoa"
    assert data["group"] == "Tổ dân phố số 5"

    out = await chat.send("/deleteme")
    assert [o.key for o in out[0].options] == ["del:yes", "del:no"]
    out = await chat.send("1")
    assert says(text_of(out), "delete.done")
    async with app.store.transaction() as repo:
        assert await repo.learners.identity("telegram", "1001") is None
        assert await count_rows(repo, "learners") == 0


async def test_the_same_flow_on_postgres_and_sqlite(any_app: App) -> None:
    chat = Chat(any_app)
    await chat.join(await join_code(any_app, "T05"))
    await chat.send("/lesson")
    lesson = first_lesson(any_app)
    await chat.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    await chat.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    out = await chat.send(lesson.rubric.exemplary)
    assert says(text_of(out), "grade.title")
    out = await chat.send("/leaderboard")
    assert "Nguyễn Thị Hoa ⭐" in out[0].text
    async with any_app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", "1001")
        assert await repo.ledger.points(ident.learner_id) >= 10


async def test_lessons_come_in_curriculum_order_across_days_and_levels(
    app: App, clock: Clock
) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    lessons = app.deps.curriculum.lessons
    seen = []
    for _day in range(2):
        out = await chat.send("/lesson")
        seen.append(out[0].title)
        lesson = app.deps.curriculum.by_id(next(o.key for o in out[-1].options).split(":")[1])
        for q in range(3):
            await chat.tap(f"q:{lesson.id}:{q}:{lesson.quiz[q].answer_index}")
        await chat.send(lesson.rubric.exemplary)
        clock.advance(days=1)
    assert seen == [lessons[0].title, lessons[1].title]
    level_one = app.deps.curriculum.of_level(1)
    async with app.store.transaction() as repo:  # as if the learner finished level 1
        ident = await repo.learners.identity("telegram", chat.user)
        for lesson in level_one:
            await repo.progress.assign(ident.learner_id, lesson.id, 1, clock().date())
            await repo.progress.complete(ident.learner_id, lesson.id, clock().date())
    clock.advance(days=1)
    out = await chat.send("/lesson")
    assert out[0].title == app.deps.curriculum.of_level(2)[0].title
    assert "Bậc 2" in out[0].text
