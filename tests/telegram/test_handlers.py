"""Telegram handlers through aiogram, against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.app import App
from bot.channels.telegram.handlers import router
from bot.channels.telegram.outbound import TelegramOutbound, render_html, split_text
from bot.channels.telegram.runner import make_bot, register_commands
from bot.services.io import Option, Out
from bot.services.sender import Limits
from tests.conftest import join_code
from tests.fakes.telegram_api import FakeTelegram
from tests.keys import says
from tests.storage_helpers import count_rows

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
USER = 777


@dataclass
class Harness:
    fake: FakeTelegram
    bot: Bot
    dp: Dispatcher

    async def feed(self, update_id: int | None = None) -> None:
        """Hand every queued update to the dispatcher, as polling would."""
        pending, self.fake._updates = self.fake._updates, []
        for raw in pending:
            await self.dp.feed_update(
                self.bot, Update.model_validate(raw, context={"bot": self.bot})
            )


@pytest.fixture
async def tg(app: App) -> AsyncIterator[Harness]:
    fake = FakeTelegram()
    await fake.start()
    bot = make_bot(TOKEN, fake.base)
    sender = app.sender.add(TelegramOutbound(bot), Limits(per_second=1000, per_chat_interval=0))
    dp = Dispatcher()
    dp.include_router(router(app.dialog, sender, fetch_photos=True))
    yield Harness(fake, bot, dp)
    await bot.session.close()
    await fake.stop()


async def test_join_by_deep_link_with_buttons(app: App, tg: Harness) -> None:
    code = await join_code(app, "T05")
    tg.fake.message(USER, f"/start g_{code}")
    await tg.feed()
    sent = tg.fake.to(USER)
    assert "Tổ dân phố số 5" in sent[0].text
    assert [d for _, d in tg.fake.last_options(USER)] == ["ob:consent:yes", "ob:consent:no"]
    assert "<b>Dữ liệu của bạn</b>" in sent[-1].text  # titles are bold HTML


async def test_button_tap_and_redelivered_update(app: App, tg: Harness) -> None:
    tg.fake.message(USER, f"/start {await join_code(app, 'T05')}")
    await tg.feed()
    update_id = tg.fake.tap(USER, "ob:consent:yes")
    await tg.feed()
    count = len(tg.fake.to(USER))
    tg.fake.push(
        {
            "update_id": update_id,
            "callback_query": {
                "id": "dup",
                "from": {"id": USER, "is_bot": False, "first_name": "An"},
                "chat_instance": "x",
                "data": "ob:consent:yes",
            },
        }
    )
    await tg.feed()
    assert len(tg.fake.to(USER)) == count  # the same update twice is answered once
    assert "answerCallbackQuery" in tg.fake.calls


async def test_media_and_group_messages(app: App, tg: Harness) -> None:
    tg.fake.message(
        USER,
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    tg.fake.message(USER, None, voice={"file_id": "v", "file_unique_id": "v", "duration": 3})
    tg.fake.message(USER + 1, "/help", chat_type="group", chat_id=-100123)
    tg.fake.message(USER + 1, "chào mọi người", chat_type="group", chat_id=-100123)
    await tg.feed()
    texts = [s.text for s in tg.fake.to(USER)]
    assert any(says(t, "input.sticker") for t in texts) and any(
        "tin nhắn thoại" in t for t in texts
    )
    group = tg.fake.to(-100123)
    assert len(group) == 1 and "nhắn riêng" in group[0].text


async def test_forwarded_and_edited(app: App, tg: Harness) -> None:
    tg.fake.message(
        USER,
        "bài của ai đó",
        forward_origin={"type": "hidden_user", "sender_user_name": "X", "date": 1},
    )
    tg.fake.push(
        {
            "edited_message": {
                "message_id": 9,
                "date": 1,
                "edit_date": 2,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "An"},
                "text": "sửa",
            }
        }
    )
    await tg.feed()
    texts = " ".join(s.text for s in tg.fake.to(USER))
    assert "tin nhắn mới" in texts


async def test_commands_registered_and_missing_method_tolerated(tg: Harness) -> None:
    await register_commands(tg.bot)
    assert tg.fake.calls.count("setMyCommands") == 2
    tg.fake.missing_methods.add("setMyCommands")
    await register_commands(tg.bot)  # logs a warning, does not raise


def test_html_is_escaped_and_long_text_split() -> None:
    pieces = render_html(Out(title="A <b>", text="x < y & z"))
    assert pieces == ["<b>A &lt;b&gt;</b>\nx &lt; y &amp; z"]
    long = ("chữ " * 2000).strip()
    parts = split_text(long)
    assert len(parts) == 3 and all(len(p) <= 3800 for p in parts)
    assert " ".join(parts) == long  # nothing lost, no word cut


def test_callback_data_over_64_bytes_is_refused() -> None:
    from bot.channels.telegram.outbound import keyboard

    with pytest.raises(ValueError):
        keyboard(Out(text="x", options=(Option("q:" + "x" * 70, "A"),)))


class SeeingGrader:
    """Records what the grader was given; grades like the rules."""

    def __init__(self) -> None:
        self.photos: list[bytes | None] = []

    async def grade(self, lesson, work):  # type: ignore[no-untyped-def]
        from scoring.rules import grade_by_rules

        self.photos.append(work.photo)
        return grade_by_rules(lesson, work)


async def test_a_photo_of_work_reaches_the_grader_as_bytes(app: App, tg: Harness) -> None:
    from bot.services.photos import PhotoGrader
    from tests.conftest import Chat

    seeing = SeeingGrader()
    app.deps.grader = PhotoGrader(seeing)
    chat = Chat(app, str(USER))
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    tg.fake.files["big"] = b"\xff\xd8" + b"x" * 100
    tg.fake.message(
        USER,
        None,
        caption="Ảnh áp phích tôi làm với AI cho tổ dân phố, có chữ rõ ràng.",
        photo=[
            {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 10},
            {
                "file_id": "big",
                "file_unique_id": "b",
                "width": 800,
                "height": 800,
                "file_size": 102,
            },
        ],
    )
    await tg.feed()
    assert seeing.photos == [b"\xff\xd8" + b"x" * 100]
    assert any(says(s.text, "grade.title") for s in tg.fake.to(USER))


async def test_a_reply_to_the_practice_message_is_graded_as_work(app: App, tg: Harness) -> None:
    from tests.conftest import Chat

    chat = Chat(app, str(USER))
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    lesson = app.deps.curriculum.lessons[0]
    for q in range(lesson.quiz_count):
        out = await chat.tap(f"q:{lesson.id}:{q}:{lesson.quiz[q].answer_index}")
    practice = next(o for o in out if lesson.practice.task in o.text)
    bot_user = {"id": 123456, "is_bot": True, "first_name": "Học AI"}
    quoted = {
        "message_id": 900,
        "date": 0,
        "chat": {"id": USER, "type": "private"},
        "from": bot_user,
        "text": f"{practice.title}\n{practice.text}",
    }
    tg.fake.message(USER, "Bài của tôi đây ạ", reply_to_message=quoted)
    tg.fake.message(USER, "Cảm ơn bạn nhé")  # not a reply, and the lesson is done: chat
    await tg.feed()
    said = [s.text for s in tg.fake.to(USER)]
    assert sum(says(s, "grade.title") for s in said) == 1
    async with app.store.transaction() as repo:
        assert await count_rows(repo, "submissions") == 1
