"""A lesson the learner has opened themselves is never pushed to them again the same day.

Issue: a learner who joined after their chosen time, tapped "Học ngay" and was reading lesson 1
received the whole lesson again a minute later from the daily push.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.app import App
from bot.services import delivery
from bot.services.io import Out
from lessons.plan import Assignment
from tests.conftest import Chat, Clock, join_code
from tests.services.test_delivery import FAST, RecordingOutbound

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY = NOW.date()


def _a(started: bool = False, done: bool = False) -> Assignment:
    return Assignment("l1-01", DAY, DAY if done else None, NOW if started else None)


@pytest.mark.parametrize(
    ("assignment", "answered", "submitted", "seen_ago", "action"),
    [
        (None, 0, False, None, "send"),
        (_a(), 0, False, None, "send"),  # planned by the push, never opened
        (_a(), 0, False, timedelta(minutes=1), "send"),  # active, but not in this lesson
        (_a(done=True), 3, True, None, "skip_done"),
        (_a(started=True), 0, False, timedelta(minutes=1), "skip_active"),
        (_a(started=True), 0, False, timedelta(minutes=15), "skip_active"),
        (_a(started=True), 0, False, timedelta(minutes=16), "remind"),
        (_a(), 1, False, timedelta(hours=3), "remind"),  # answered a question of a pushed lesson
        (_a(), 0, True, timedelta(days=1), "remind"),  # sent work, quiz left
    ],
)
def test_push_action(
    assignment: Assignment | None,
    answered: int,
    submitted: bool,
    seen_ago: timedelta | None,
    action: str,
) -> None:
    seen = NOW - seen_ago if seen_ago is not None else None
    assert delivery.push_action(assignment, answered, submitted, seen, NOW) == action


class NumberedOutbound(RecordingOutbound):
    channel = "zalo_bot"  # no buttons: choices are numbered replies


def lesson_one_count(app: App, chat: Chat, pushed: list[tuple[str, Out]]) -> int:
    title = app.deps.curriculum.lessons[0].title
    shown = [m for m in chat.log if m.title == title]
    shown += [m for c, m in pushed if c == chat.user and m.title == title]
    return len(shown)


async def join_by_numbers(chat: Chat, code: str, time: str) -> None:
    """Onboarding as typed on a channel without buttons (numbers and words only)."""
    await chat.send(f"/start g_{code}")
    await chat.send("1")  # consent: "1. Đồng ý"
    await chat.send(chat.name)
    await chat.send("1988")
    await chat.send("4")  # an occupation by its number
    await chat.send(time)


@pytest.mark.parametrize("numbered", [False, True], ids=["buttons", "numbered"])
async def test_joining_after_ones_time_and_studying_at_once_gets_lesson_one_once(
    app: App, clock: Clock, numbered: bool
) -> None:
    outbound = NumberedOutbound() if numbered else RecordingOutbound()
    app.sender.add(outbound, FAST)
    clock.now = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 20:00 in Hà Nội
    code = await join_code(app, "T05")
    chat = Chat(app, "7001", channel=outbound.channel)
    if numbered:
        await join_by_numbers(chat, code, "6:30")
        out = await chat.send("1")  # "1. Học ngay"
    else:
        await chat.join(code, time="06:30")  # today's 06:30 has passed
        out = await chat.tap("cmd:lesson")
    assert out and out[0].title == app.deps.curriculum.lessons[0].title
    for minutes in (1, 2, 5, 30, 120):  # every tick of the evening
        clock.now = datetime(2026, 11, 23, 13, 0, tzinfo=UTC) + timedelta(minutes=minutes)
        await delivery.delivery_round(app.deps, app.sender)
    assert lesson_one_count(app, chat, outbound.sent) == 1
    assert [m for c, m in outbound.sent if c == chat.user] == []  # studying now: nothing pushed


async def test_joining_after_ones_time_without_studying_gets_the_lesson_by_push(
    app: App, clock: Clock
) -> None:
    outbound = RecordingOutbound()
    app.sender.add(outbound, FAST)
    clock.now = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    chat = Chat(app, "7002")
    await chat.join(await join_code(app, "T05"), time="06:30")  # and does not tap "Học ngay"
    clock.advance(minutes=1)
    await delivery.delivery_round(app.deps, app.sender)
    clock.advance(minutes=1)
    await delivery.delivery_round(app.deps, app.sender)
    assert lesson_one_count(app, chat, outbound.sent) == 1


async def test_opening_the_lesson_before_push_time_then_going_quiet_gets_one_reminder(
    app: App, clock: Clock
) -> None:
    outbound = RecordingOutbound()
    app.sender.add(outbound, FAST)
    clock.now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 18:00; the lesson time is 19:00
    chat = Chat(app, "7003")
    await chat.join(await join_code(app, "T05"), time="19:00")
    await chat.send("học")
    lesson = app.deps.curriculum.lessons[0]
    await chat.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    clock.now = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)  # 19:01, an hour of silence
    report = await delivery.delivery_round(app.deps, app.sender)
    assert report.sent == 1
    (sent,) = [m for c, m in outbound.sent if c == chat.user]
    assert sent.title != lesson.title  # not the lesson again
    assert lesson.title in sent.text and [o.key for o in sent.options] == ["cmd:lesson"]
    clock.advance(minutes=30)
    await delivery.delivery_round(app.deps, app.sender)
    assert len([m for c, m in outbound.sent if c == chat.user]) == 1  # once


async def test_a_lesson_finished_after_planning_is_not_sent(app: App, clock: Clock) -> None:
    outbound = RecordingOutbound()
    app.sender.add(outbound, FAST)
    chat = Chat(app, "7004")
    await chat.join(await join_code(app, "T05"), time="19:00")
    clock.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert await delivery.schedule_due(app.deps) == 1  # planned at 19:00 ...
    await chat.send("học")  # ... opened at once
    report = await delivery.deliver_due(app.deps, app.sender)
    assert report.sent == 0 and outbound.sent == []
    async with app.store.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT status, error FROM deliveries"))).all()
    assert [tuple(r) for r in rows] == [("skipped", "studying it now")]  # and says why
