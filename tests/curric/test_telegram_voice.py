"""Voice on Telegram: a voice note fetched with getFile and transcribed; the lesson sent with
sendVoice (OGG/Opus) or as a file (WAV), through aiogram against fake Bot API and speech servers."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator

import pytest
from aiogram import Dispatcher
from aiogram.types import Update

from bot.app import App
from bot.channels.telegram.handlers import router
from bot.channels.telegram.outbound import TelegramOutbound
from bot.channels.telegram.runner import make_bot
from bot.services.io import Out, OutFile
from bot.services.sender import Limits
from tests.conftest import join_code
from tests.curric.conftest import MakeApp
from tests.fakes.speech_api import FakeSpeech, tone_wav
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
USER = 778


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


async def feed(fake: FakeTelegram, bot, dp: Dispatcher) -> None:  # type: ignore[no-untyped-def]
    pending, fake._updates = fake._updates, []
    for raw in pending:
        await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))


async def test_voice_note_and_listening_on_telegram(
    make: MakeApp,
    speech_server: FakeSpeech,
    telegram: FakeTelegram,
) -> None:
    speech_server.transcript = "Bạn là cán bộ phường, hãy viết thông báo mời họp tổ dân phố."
    app: App = await make(SPEECH_BASE_URL=speech_server.url, TTS_FORMAT="wav")
    bot = make_bot(TOKEN, telegram.base)
    sender = app.sender.add(TelegramOutbound(bot), Limits(per_second=1000, per_chat_interval=0))
    dp = Dispatcher()
    dp.include_router(router(app.dialog, sender, fetch_voices=app.deps.speech is not None))
    try:
        for step in (f"/start g_{await join_code(app, 'T05')}",):
            telegram.message(USER, step)
        telegram.tap(USER, "ob:consent:yes")
        telegram.message(USER, "Hoa")
        telegram.message(USER, "1960")
        telegram.tap(USER, "ob:occ:farmer")
        telegram.message(USER, "19:00")
        telegram.message(USER, "/lesson")
        await feed(telegram, bot, dp)

        note = tone_wav(0.8)
        telegram.files["voice-1"] = note
        telegram.message(
            USER,
            None,
            voice={
                "file_id": "voice-1",
                "file_unique_id": "v1",
                "duration": 1,
                "mime_type": "audio/ogg",
                "file_size": len(note),
            },
        )
        await feed(telegram, bot, dp)
        [heard] = speech_server.heard
        assert heard["file"]["bytes"] == note  # the very bytes Telegram held
        assert speech_server.transcript in telegram.to(USER)[-1].text
        assert [d for _, d in telegram.last_options(USER)] == ["sp:send", "sp:again"]

        telegram.tap(USER, "sp:listen")
        await feed(telegram, bot, dp)
        method, params = telegram.uploads[-1]
        assert method == "sendDocument"  # WAV is not a Telegram voice format: sent as a file
        with wave.open(io.BytesIO(params["document"]["content"])) as audio:
            assert audio.getnframes() > 1000 and audio.getframerate() == 16_000
    finally:
        await bot.session.close()


async def test_ogg_opus_goes_as_a_voice_message(telegram: FakeTelegram) -> None:
    bot = make_bot(TOKEN, telegram.base)
    try:
        outbound = TelegramOutbound(bot)
        clip = b"OggS" + bytes(200)
        await outbound.send(
            str(USER), Out(text="Bài 1", voice=OutFile("l1.ogg", clip, "audio/ogg"))
        )
        await outbound.send(
            str(USER), Out(text="Bài 1", voice=OutFile("l1.mp3", b"ID3" + bytes(50), "audio/mpeg"))
        )
        (first, voice), (second, music) = telegram.uploads
        assert first == "sendVoice" and voice["voice"]["content"] == clip
        assert second == "sendAudio" and music["audio"]["filename"] == "l1.mp3"
    finally:
        await bot.session.close()
