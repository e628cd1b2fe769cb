"""Badges and the streak freeze through the dialog, on a real SQLite file (and PostgreSQL)."""

from __future__ import annotations

import json

from bot.app import App
from bot.services import badges, leader
from scoring.badges import FREEZE_COST
from scoring.certificate_code import new_code
from scoring.points import Award
from tests.conftest import Chat, Clock, join_code, text_of
from tests.keys import says


async def learner_id(app: App, user: str) -> int:
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
    assert ident is not None
    return ident.learner_id


async def study_a_lesson(chat: Chat, app: App, wrong: int | None = None) -> list:
    """Today's lesson: every quiz answer right (but question `wrong`), then the work."""
    out = await chat.send("/lesson")
    keys = [o.key for message in out for o in message.options]
    if "work:submit" in keys:  # a review day (one in seven): a lesson not passed comes back
        async with app.store.transaction() as repo:
            current = await repo.progress.current_assignment(await learner_id(app, chat.user))
        assert current is not None
        lesson = app.deps.curriculum.by_id(current.lesson_id)
        assert lesson is not None
        return await chat.tap("work:submit") + await chat.send(lesson.rubric.exemplary)
    lesson = app.deps.curriculum.by_id(next(k for k in keys if k.startswith("qs:")).split(":")[1])
    assert lesson is not None
    said = []
    for q in range(lesson.quiz_count):
        pick = lesson.quiz[q].answer_index + (1 if q == wrong else 0)
        said += await chat.tap(f"q:{lesson.id}:{q}:{pick % 4}")
    said += await chat.send(lesson.rubric.exemplary)
    return said


async def answer_one(chat: Chat, app: App) -> None:
    """The smallest day of study: one quiz answer."""
    await chat.send("/lesson")
    async with app.store.transaction() as repo:
        current = await repo.progress.current_assignment(await learner_id(app, chat.user))
    assert current is not None
    lesson_id = current.lesson_id
    lesson = app.deps.curriculum.by_id(lesson_id)
    assert lesson is not None
    answered = await _answered(app, chat.user, lesson_id)
    q = next(i for i in range(lesson.quiz_count) if i not in answered)
    await chat.tap(f"q:{lesson.id}:{q}:{lesson.quiz[q].answer_index}")


async def _answered(app: App, user: str, lesson_id: str) -> dict[int, bool]:
    async with app.store.transaction() as repo:
        return await repo.progress.quiz_answers(await learner_id(app, user), lesson_id)


async def give_points(app: App, user: str, points: int) -> None:
    async with app.store.transaction() as repo:
        await repo.ledger.award(
            await learner_id(app, user), Award(f"test:{user}", points, "bonus"), app.deps.now()
        )


async def test_badges_are_earned_announced_once_and_shown_in_progress(
    app: App, clock: Clock
) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    said: dict[int, str] = {}
    for day in range(1, 9):
        said[day] = text_of(await study_a_lesson(chat, app))
        clock.advance(days=1)
    # Five days of quizzes, every answer right: a perfect quiz week, announced that day.
    assert [d for d, text in said.items() if says(text, "badge.name.perfect_week")] == [5]
    assert [d for d, text in said.items() if "7 ngày liên tiếp" in text] == [7]
    out = await chat.send("/progress")
    assert "🔥 7 ngày liên tiếp" in out[0].text and "🎯 Tuần trả lời đúng hết" in out[0].text
    async with app.store.transaction() as repo:
        earned = [b.code for b in await repo.badges.earned(await learner_id(app, "1001"))]
    assert sorted(earned) == ["perfect_week", "streak_7"]


async def test_a_wrong_answer_spoils_the_perfect_week(app: App, clock: Clock) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    for day in range(8):  # a mistake on day 1 spoils every week that holds it: days 0 to 7
        await study_a_lesson(chat, app, wrong=1 if day == 1 else None)
        clock.advance(days=1)
    assert not says(text_of(chat.log), "badge.name.perfect_week")
    out = await study_a_lesson(chat, app)  # days 2 to 8: all right
    assert says(text_of(out), "badge.name.perfect_week")


async def test_a_freeze_is_bought_once_per_tap_and_at_most_two_held(any_app: App) -> None:
    chat = Chat(any_app)
    await chat.join(await join_code(any_app, "T05"))
    out = await chat.send("bao ve chuoi")  # typed without diacritics
    assert "cần 100 điểm" in text_of(out) and not out[-1].options  # 0 points: nothing to buy
    await give_points(any_app, "1001", 2 * FREEZE_COST + 50)
    out = await chat.send("bảo vệ chuỗi")
    assert [o.key for o in out[-1].options] == ["frz:buy:0"]
    first = await chat.tap("frz:buy:0")
    again = await chat.tap("frz:buy:0")  # a double tap pays once
    assert "1/2" in text_of(first) and says(text_of(again), "freeze.already")
    out = await chat.send("/freeze")
    assert [o.key for o in out[-1].options] == ["frz:buy:1"]
    await chat.tap("frz:buy:1")
    out = await chat.send("/freeze")
    assert "đủ 2 lượt" in text_of(out) and not out[-1].options
    for forged in ("frz:buy:2", "frz:buy:abc", "frz:buy:99999999999", "frz:sell:0"):
        await chat.tap(forged)
    async with any_app.store.transaction() as repo:
        me = await learner_id(any_app, "1001")
        assert await repo.ledger.points(me) == 50
        state = await repo.badges.freezes(me)
    assert (state.bought, state.held) == (2, 2)


async def test_a_freeze_covers_one_missed_day(app: App, clock: Clock) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await give_points(app, "1001", FREEZE_COST)
    await chat.send("/freeze")
    await chat.send("1")  # a numbered reply buys it too
    await answer_one(chat, app)
    clock.advance(days=1)
    await answer_one(chat, app)
    clock.advance(days=2)  # a day missed
    out = await chat.send("/progress")
    assert "Chuỗi ngày học: 2 ngày" in out[0].text and "0/2 lượt" in out[0].text
    assert "đã giữ chuỗi cho ngày 25/11" in out[0].text
    async with app.store.transaction() as repo:  # a leader's roster counts the frozen day too
        t05 = await repo.units.unit_by_code("T05")
        assert t05 is not None
        rows = (await leader.roster(app.deps, repo, t05)).rows
    assert [r.streak for r in rows] == [2]
    await answer_one(chat, app)
    out = await chat.send("/progress")
    assert "Chuỗi ngày học: 3 ngày (dài nhất: 3)" in out[0].text


async def test_two_missed_days_break_the_streak_and_keep_the_freeze(app: App, clock: Clock) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await give_points(app, "1001", FREEZE_COST)
    await chat.send("/freeze")
    await chat.tap("frz:buy:0")
    await answer_one(chat, app)
    clock.advance(days=3)
    await answer_one(chat, app)
    out = await chat.send("/progress")
    assert "Chuỗi ngày học: 1 ngày" in out[0].text and "1/2 lượt" in out[0].text


async def test_a_helpful_mentor_review_counts_once_and_earns_the_badge(app: App) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    mentor = await learner_id(app, "1001")
    async with app.store.transaction() as repo:
        first = await badges.mentor_review_helpful(app.deps, repo, mentor, "review:17")
        again = await badges.mentor_review_helpful(app.deps, repo, mentor, "review:17")
        assert await repo.badges.helpful_reviews(mentor) == 1
    assert says(text_of(first), "badge.name.helpful_mentor") and again == []
    out = await chat.send("/progress")
    assert "🤝 Người hướng dẫn tận tâm" in out[0].text


async def test_the_first_certificate_earns_the_first_level_badge_once(app: App) -> None:
    """The badge follows the level's certificate (issued: named), not lessons merely done."""
    chat = Chat(app, name="Nguyễn Thị Hoa")
    await chat.join(await join_code(app, "T05"))
    me = await learner_id(app, "1001")
    async with app.store.transaction() as repo:
        record = await repo.certificates.add(
            me, 1, "Bậc 1", new_code(), None, "", 20, 80, 80, app.deps.now()
        )
    assert record is not None
    out = await chat.send("/progress")  # earned, not yet issued: no badge
    assert not says(text_of(out), "badge.name.first_level")
    issued = await chat.tap(f"cert:use:{record.id}")
    again = await chat.tap(f"cert:use:{record.id}")  # sent again, announced once
    assert "🎓 Huy hiệu mới: Chứng nhận đầu tiên" in text_of(issued)
    assert not says(text_of(again), "badge.announce")
    async with app.store.transaction() as repo:
        assert [b.code for b in await repo.badges.earned(me)] == ["first_level"]


async def test_mydata_holds_badges_and_freezes(app: App) -> None:
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await give_points(app, "1001", FREEZE_COST)
    await chat.send("/freeze")
    await chat.tap("frz:buy:0")
    async with app.store.transaction() as repo:
        await badges.mentor_review_helpful(app.deps, repo, await learner_id(app, "1001"), "r:1")
    out = await chat.send("/mydata")
    data = json.loads(out[-1].file.content)
    assert [b["code"] for b in data["badges"]] == ["helpful_mentor"]
    assert [(f["number"], f["used_on"]) for f in data["streak_freezes"]] == [(0, None)]
    assert data["helpful_reviews"] == 1


async def test_freeze_and_honours_are_in_the_menu(app: App) -> None:
    from bot.i18n import Translator
    from bot.services.chat.routes import ROUTER
    from bot.services.permissions import Action

    for lang in ("vi", "en"):
        menu = dict(ROUTER.menu(Translator(lang), {Action.VIEW_REPORT}))  # an official's menu
        assert menu["freeze"] and menu["honours"]
        assert "honours" not in dict(ROUTER.menu(Translator(lang)))  # a learner's menu
        assert not menu["freeze"].startswith("command.desc")
