"""One learner across channels: a one-time code shown in one channel and typed in the other;
progress, points and streak are shared, and the daily lesson goes where the learner was last."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.services import delivery
from bot.services.linking import parse_link_text
from bot.services.sender import Limits
from tests.conftest import Chat, Clock, text_of
from tests.keys import says
from tests.storage_helpers import count_rows
from tests.zalo.conftest import Zalo, walk_onboarding
from tests.zalo.test_delivery_reach import RecordingTelegram

ZALO_USER = "bot-user-3001"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("liên kết", ""),
        ("Lien ket ab12cd", "AB12CD"),
        ("LIÊN KẾT: AB 12 CD", "AB12CD"),
        ("link HK7PQR", "HK7PQR"),
        ("liên kết bạn bè với nhau đi", None),  # a sentence, not a request
        ("kết nối", None),
    ],
)
def test_link_requests_are_read_with_or_without_diacritics(text: str, code: str | None) -> None:
    assert parse_link_text(text) == code


def shown_code(text: str) -> str:
    match = re.search(r"Mã của bạn: ([A-Z0-9]{6})", text)
    assert match, text
    return match.group(1)


async def studied_on_telegram(zalo: Zalo) -> Chat:
    chat = Chat(zalo.app, "tg-3001", name="Hoàng Văn Nam")
    await chat.join(await zalo.code())
    lesson = zalo.app.deps.curriculum.lessons[0]
    await chat.send("/lesson")
    await chat.tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    return chat


async def learner_of(zalo: Zalo, channel: str, user: str) -> int:
    async with zalo.app.store.transaction() as repo:
        ident = await repo.learners.identity(channel, user)
    assert ident is not None
    return ident.learner_id


async def test_telegram_learner_links_a_new_zalo_account(zalo: Zalo) -> None:
    telegram = await studied_on_telegram(zalo)
    code = shown_code(text_of(await telegram.send("/link")))
    answer = await zalo.bot_says(ZALO_USER, f"lien ket {code.lower()}")  # a first message
    assert "Đã liên kết! Hoàng Văn Nam" in answer and "Telegram, Zalo" in answer
    learner = await learner_of(zalo, "telegram", "tg-3001")
    assert await learner_of(zalo, "zalo_bot", ZALO_USER) == learner
    async with zalo.app.store.transaction() as repo:
        assert await count_rows(repo, "learners") == 1  # the empty Zalo learner is gone

    progress = await zalo.bot_says(ZALO_USER, "tiến độ")
    assert "Tổng điểm: 10" in progress  # the point earned on Telegram
    lesson = zalo.app.deps.curriculum.lessons[0]
    await zalo.bot_says(ZALO_USER, "học")
    await zalo.bot_says(ZALO_USER, "1")  # "Làm câu hỏi": the quiz goes on at question 2
    await zalo.bot_says(ZALO_USER, "ABCD"[lesson.quiz[1].answer_index])
    assert "Tổng điểm: 20" in text_of(await telegram.send("/progress"))  # shared both ways
    assert "hết hạn" in await zalo.bot_says(ZALO_USER, f"liên kết {code}")  # used once
    again = shown_code(text_of(await telegram.send("/link")))
    assert says(await zalo.bot_says(ZALO_USER, f"liên kết {again}"), "link.same")


async def test_zalo_learner_links_a_new_telegram_account(zalo: Zalo) -> None:
    await walk_onboarding(lambda t: zalo.bot_says(ZALO_USER, t), await zalo.code())
    code = shown_code(await zalo.bot_says(ZALO_USER, "liên kết"))
    telegram = Chat(zalo.app, "tg-new")
    answer = text_of(await telegram.send(f"/link {code}"))
    assert "Đã liên kết! Lò Thị Mai" in answer
    assert await learner_of(zalo, "telegram", "tg-new") == await learner_of(
        zalo, "zalo_bot", ZALO_USER
    )


async def test_two_learners_with_progress_are_not_merged(zalo: Zalo) -> None:
    telegram = await studied_on_telegram(zalo)
    await walk_onboarding(lambda t: zalo.bot_says(ZALO_USER, t), await zalo.code())
    await zalo.bot_says(ZALO_USER, "học")  # a lesson assigned on Zalo too: progress on both
    code = shown_code(text_of(await telegram.send("/link")))
    answer = await zalo.bot_says(ZALO_USER, f"liên kết {code}")
    assert says(answer, "link.both_have_progress") and "/deleteme" in answer
    assert await learner_of(zalo, "telegram", "tg-3001") != await learner_of(
        zalo, "zalo_bot", ZALO_USER
    )


async def test_codes_expire_and_guessing_is_limited(zalo: Zalo, clock: Clock) -> None:
    telegram = await studied_on_telegram(zalo)
    code = shown_code(text_of(await telegram.send("/link")))
    clock.advance(minutes=16)
    assert "hết hạn" in await zalo.bot_says(ZALO_USER, f"liên kết {code}")
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD"):
        await zalo.bot_says(ZALO_USER, f"liên kết {guess}")
    fresh = shown_code(text_of(await telegram.send("/link")))
    assert "sai mã nhiều lần" in await zalo.bot_says(ZALO_USER, f"liên kết {fresh}")
    clock.advance(minutes=61)
    fresh = shown_code(text_of(await telegram.send("/link")))
    assert says(await zalo.bot_says(ZALO_USER, f"liên kết {fresh}"), "link.done")


async def test_the_lesson_goes_to_the_channel_used_last(zalo: Zalo, clock: Clock) -> None:
    telegram_out = RecordingTelegram()
    zalo.app.sender.add(telegram_out, Limits(per_second=1000, per_chat_interval=0))
    telegram = await studied_on_telegram(zalo)
    code = shown_code(text_of(await telegram.send("/link")))
    clock.advance(minutes=1)
    await zalo.bot_says(ZALO_USER, f"liên kết {code}")  # Zalo is now the last one used

    clock.now = datetime(2026, 11, 24, 12, 1, tzinfo=UTC)  # tomorrow, 19:01 in Hà Nội
    before = len(zalo.bot.to(ZALO_USER))
    report = await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert report.sent == 1 and telegram_out.sent == []
    # The lesson was started yesterday: today's push is a reminder of it (issue 15), on Zalo.
    lesson = zalo.app.deps.curriculum.lessons[0]
    assert lesson.title in zalo.bot.texts(ZALO_USER, before)

    clock.advance(hours=1)
    await telegram.send("/progress")  # back on Telegram
    clock.now = datetime(2026, 11, 25, 12, 1, tzinfo=UTC)
    await delivery.delivery_round(zalo.app.deps, zalo.app.sender)
    assert {chat for chat, _ in telegram_out.sent} == {"tg-3001"}
