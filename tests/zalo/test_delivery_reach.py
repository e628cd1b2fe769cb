"""The daily push on Zalo: the OA's 7-day window, the one tap that keeps it open, the people
to reach in person, the Bot Platform's monthly quota, and channels that never hold each other
up."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from bot.app import declared_policies
from bot.services import delivery, reach
from bot.services.io import Out
from bot.services.policy import OPEN
from bot.services.sender import Limits
from tests.conftest import Chat, Clock, text_of
from tests.zalo.conftest import Zalo, walk_onboarding

OA_USER, BOT_USER = "oa-user-4001", "bot-user-4001"
PUSH_TIME = datetime(2026, 11, 23, 12, 1, tzinfo=UTC)  # 19:01 in Hà Nội


class RecordingTelegram:
    channel = "telegram"
    policy = OPEN

    def __init__(self) -> None:
        self.sent: list[tuple[str, Out]] = []

    async def send(self, chat_id: str, message: Out) -> None:
        self.sent.append((chat_id, message))


async def oa_learner(zalo: Zalo, user: str = OA_USER) -> None:
    await walk_onboarding(lambda t: zalo.oa_says(user, t), await zalo.code())


async def test_a_lesson_inside_the_window_ends_with_one_tap(zalo: Zalo, clock: Clock) -> None:
    await oa_learner(zalo)
    lesson = zalo.app.deps.curriculum.lessons[0]
    clock.now = PUSH_TIME
    report = await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert report.sent == 1
    assert lesson.title in zalo.oa.texts(OA_USER)
    (button,) = zalo.oa.last_buttons(OA_USER)  # "Làm câu hỏi": one tap ends the lesson
    assert button["title"] == "Làm câu hỏi"
    assert not zalo.oa.to(OA_USER)[-1].by_message_id  # a push, not a reply

    await zalo.oa_says(OA_USER, button["payload"])
    for q in range(3):  # the quiz is done, the practice is not: tomorrow it comes again
        await zalo.oa_says(OA_USER, "ABCD"[lesson.quiz[q].answer_index])
    clock.advance(days=1)
    before = len(zalo.oa.to(OA_USER))
    await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert lesson.title in zalo.oa.texts(OA_USER, before)
    # Part-way through (issue 15): a short reminder of where they are, not the lesson again;
    # its one button is the tap that keeps the window open, and it resumes the lesson.
    (button,) = zalo.oa.last_buttons(OA_USER)
    assert button["title"] == "▶️ Học tiếp bài này"
    assert lesson.title in await zalo.oa_says(OA_USER, button["payload"])


async def test_outside_the_window_nobody_is_messaged_and_the_leader_sees_them(
    zalo: Zalo, clock: Clock
) -> None:
    await oa_learner(zalo)
    clock.now = PUSH_TIME
    clock.advance(days=8)  # no word from the learner for 8 days
    sent_before = len(zalo.oa.sent)
    report = await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert report.scheduled == 1 and report.sent == 0
    assert len(zalo.oa.sent) == sent_before  # not even tried: -230 is known in advance
    rows = await reach.people_to_reach(
        zalo.app.store, "PDP", clock.now, zalo.app.deps.policies
    )  # the ward and below
    assert rows is not None
    assert [(r.name, r.group, r.channels, r.reason) for r in rows] == [
        ("Lò Thị Mai", "Tổ dân phố số 5", "zalo_oa", "outside_window")
    ]

    await zalo.oa_says(OA_USER, "học")  # they write: the window is open again
    assert (
        await reach.people_to_reach(zalo.app.store, "T05", clock.now, zalo.app.deps.policies) == []
    )


async def test_error_230_is_not_a_block(zalo: Zalo, clock: Clock) -> None:
    await oa_learner(zalo)
    zalo.oa.outside_window.add(OA_USER)  # Zalo disagrees with our count
    clock.now = PUSH_TIME
    report = await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert report.outside_window == 1 and report.unreachable == 0
    async with zalo.app.store.transaction() as repo:
        ident = await repo.learners.identity("zalo_oa", OA_USER)
    assert ident is not None and ident.reachable  # not blocked forever
    assert [
        r.reason
        for r in await reach.people_to_reach(
            zalo.app.store, "T05", clock.now, zalo.app.deps.policies
        )
        or []
    ] == ["outside_window"]
    zalo.oa.outside_window.clear()
    clock.advance(minutes=5)
    await zalo.oa_says(OA_USER, "tiến độ")
    assert (
        await reach.people_to_reach(zalo.app.store, "T05", clock.now, zalo.app.deps.policies) == []
    )


async def test_monthly_quota_stops_the_push_not_the_replies(
    zalo: Zalo, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    await walk_onboarding(lambda t: zalo.bot_says(BOT_USER, t), await zalo.code())
    quota = zalo.app.sender.by_channel["zalo_bot"].outbound.quota
    used = await quota.used()
    assert used == len(zalo.bot.to(BOT_USER))  # every message counted, replies included
    quota.limit = used  # this month's messages are spent
    clock.now = PUSH_TIME
    with caplog.at_level(logging.WARNING):
        report = await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert report.scheduled == 1 and report.sent == 0
    assert "daily lessons are paused until next month" in caplog.text
    assert "1. Làm câu hỏi" in await zalo.bot_says(BOT_USER, "học")  # a reply still goes out

    clock.advance(days=10)  # December: a new month, a new quota
    report = await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert report.sent == 1


async def test_one_channels_outage_or_pause_never_holds_up_another(
    zalo: Zalo, clock: Clock
) -> None:
    telegram = RecordingTelegram()
    zalo.app.sender.add(telegram, Limits(per_second=1000, per_chat_interval=0))
    code = await zalo.code()
    for i in range(3):
        await Chat(zalo.app, f"tg{i}").join(code)
        await walk_onboarding(lambda t, u=f"zb{i}": zalo.bot_says(u, t), code)
    clock.now = PUSH_TIME

    zalo.bot.down = True  # Zalo is down: Telegram learners still get their lessons
    report = await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert report.sent == 3 and report.retry == 3
    assert {chat for chat, _ in telegram.sent} == {"tg0", "tg1", "tg2"}

    # Zalo comes back but answers 429: its sender pauses; Telegram's lessons do not wait.
    zalo.bot.down = False
    slow = {"ok": False, "error_code": 429, "parameters": {"retry_after": 2}}
    zalo.bot.failures.append((429, slow))  # one 429 pauses every Zalo send
    for i in range(3):
        await Chat(zalo.app, f"tg-late{i}").join(code)
    clock.advance(minutes=3)  # the Zalo retries are due again, with the new learners
    sent_before, zalo_before = len(telegram.sent), len(zalo.bot.sent)
    round_task = asyncio.create_task(delivery.delivery_round(zalo.app.deps, zalo.app.sender))
    async with asyncio.timeout(1.5):  # well inside Zalo's 2-second pause
        while {c for c, _ in telegram.sent[sent_before:]} != {"tg-late0", "tg-late1", "tg-late2"}:
            await asyncio.sleep(0.02)
    # Sends already in flight when the 429 came may land; the one that got it waits out the pause.
    assert {s.chat_id for s in zalo.bot.sent[zalo_before:]} != {"zb0", "zb1", "zb2"}
    report = await round_task
    assert report.sent == 6 and report.failed == 0  # and then Zalo's lessons went out too
    assert {s.chat_id for s in zalo.bot.sent[zalo_before:]} == {"zb0", "zb1", "zb2"}


def test_one_tap_is_added_only_where_a_window_exists() -> None:
    from bot.i18n import Translator

    tr = Translator("vi")
    parts = [Out(text="bài học")]
    declared = declared_policies()
    assert delivery.with_one_tap(parts, declared.policy("telegram"), tr) == parts
    assert delivery.with_one_tap(parts, declared.policy("zalo_bot"), tr) == parts
    tapped = delivery.with_one_tap(parts, declared.policy("zalo_oa"), tr)
    assert [o.key for o in tapped[-1].options] == ["ack:lesson"]
    assert text_of(tapped[-1:]).strip().startswith("Đọc xong")
