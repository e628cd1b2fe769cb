"""Lessons read aloud and voice notes as work, through the real dialog and a fake speech server."""

from __future__ import annotations

import io
import wave
from pathlib import Path

from bot.services.io import Out
from tests.conftest import Chat, join_code, text_of
from tests.curric.conftest import MakeApp
from tests.fakes.speech_api import FakeSpeech, tone_wav
from tests.keys import says

SPOKEN_WORK = (
    "Bạn là cán bộ phường. Tổ dân phố số 5 họp lúc 19 giờ thứ Sáu tại nhà văn hóa. "
    "Hãy viết thông báo mời họp dưới 150 chữ, lịch sự. Kết quả AI viết dùng được, "
    "tôi sửa lại giờ họp cho đúng."
)


def voices(messages: list[Out]) -> list[Out]:
    return [m for m in messages if m.voice is not None]


def decoded(content: bytes) -> tuple[int, int, int]:
    with wave.open(io.BytesIO(content)) as audio:
        return audio.getnchannels(), audio.getframerate(), audio.getnframes()


async def submissions(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from bot.storage.models import Submission

    async with app.store.transaction() as repo:
        rows = await repo.s.execute(select(Submission.text, Submission.channel))
    return [tuple(r) for r in rows]


async def test_a_lesson_is_read_aloud_as_a_real_audio_file_and_cached(
    make: MakeApp,
    speech_server: FakeSpeech,
    tmp_path: Path,
) -> None:
    app = await make(SPEECH_BASE_URL=speech_server.url, TTS_FORMAT="wav", TTS_VOICE="nova")
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    out = await chat.send("/lesson")
    keys = [o.key for m in out for o in m.options]
    assert "sp:listen" in keys and "ai:start" in keys
    lesson = app.deps.curriculum.lessons[0]

    out = await chat.tap("sp:listen")
    [sent] = voices(out)
    assert sent.voice is not None and sent.voice.mime == "audio/wav"
    assert sent.voice.name.startswith(lesson.id)
    channels, rate, frames = decoded(sent.voice.content)
    assert channels == 1 and rate == 16_000 and frames > 1000
    [request] = speech_server.spoken
    assert request["voice"] == "nova" and request["response_format"] == "wav"
    assert lesson.title in request["input"] and lesson.practice.submit in request["input"]

    again = voices(await chat.send("nghe"))  # typed, without diacritics: the cached file
    assert len(speech_server.spoken) == 1
    assert again[0].voice is not None and again[0].voice.content == sent.voice.content
    assert list((tmp_path / "data" / "audio").glob(f"{lesson.id}-*.wav"))


async def test_a_voice_note_is_transcribed_confirmed_then_graded(
    make: MakeApp,
    speech_server: FakeSpeech,
) -> None:
    speech_server.transcript = SPOKEN_WORK
    app = await make(SPEECH_BASE_URL=speech_server.url)
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    note = tone_wav(1.0)

    out = await chat.send(kind="voice", audio=note, audio_mime="audio/ogg")
    assert SPOKEN_WORK in text_of(out)
    assert [o.key for o in out[-1].options] == ["sp:send", "sp:again"]
    [heard] = speech_server.heard
    assert heard["file"]["bytes"] == note and heard["model"] == "gpt-4o-mini-transcribe"
    assert await submissions(app) == []  # nothing is graded before the learner confirms

    out = await chat.send("1")  # the numbered reply confirms on any channel
    assert says(text_of(out), "grade.title")
    assert await submissions(app) == [(SPOKEN_WORK, "telegram")]
    out = await chat.tap("sp:send")  # a second tap sends nothing more
    assert says(text_of(out), "speech.nothing_pending")
    assert len(await submissions(app)) == 1


async def test_saying_it_again_drops_the_transcript(
    make: MakeApp,
    speech_server: FakeSpeech,
) -> None:
    app = await make(SPEECH_BASE_URL=speech_server.url)
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    await chat.send(kind="voice", audio=tone_wav(), audio_mime="audio/ogg")
    out = await chat.tap("sp:again")
    assert "gửi tin nhắn thoại khác" in text_of(out)
    assert says(text_of(await chat.tap("sp:send")), "speech.nothing_pending")
    assert await submissions(app) == []


async def test_without_a_speech_server_a_voice_note_gets_a_kind_answer(make: MakeApp) -> None:
    app = await make()
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    out = await chat.send("/lesson")
    assert "sp:listen" not in [o.key for m in out for o in m.options]
    out = await chat.send(kind="voice", audio=tone_wav(), audio_mime="audio/ogg")
    assert "gõ chữ" in text_of(out) and not voices(out)
    assert says(text_of(await chat.tap("sp:listen")), "speech.listen_off")
    assert await submissions(app) == []


async def test_speech_server_down_or_zalo_get_kind_answers(
    make: MakeApp,
    speech_server: FakeSpeech,
) -> None:
    speech_server.fail = True
    app = await make(SPEECH_BASE_URL=speech_server.url)
    chat = Chat(app)
    await chat.join(await join_code(app, "T05"))
    await chat.send("/lesson")
    out = await chat.send(kind="voice", audio=tone_wav(), audio_mime="audio/ogg")
    assert "chưa nghe được" in text_of(out) and not out[-1].options
    assert "bận" in text_of(await chat.tap("sp:listen"))

    zalo = Chat(app, user="z-77", channel="zalo_bot")
    await zalo.join(await join_code(app, "T05"))
    await zalo.send("/lesson")
    spoken = len(speech_server.spoken)
    out = await zalo.tap("sp:listen")
    assert "Zalo" in text_of(out) and not voices(out)
    assert len(speech_server.spoken) == spoken  # nothing made that could not be sent


async def test_the_console_saves_the_audio_and_says_where(tmp_path: Path) -> None:
    from bot.channels.console.chat import ConsoleOutbound
    from bot.services.io import OutFile

    printed = io.StringIO()
    outbound = ConsoleOutbound(out=printed, files_dir=tmp_path / "files")
    await outbound.send("demo", Out(text="Bài 1", voice=OutFile("l1.wav", tone_wav(), "audio/wav")))
    path = tmp_path / "files" / "l1.wav"
    assert str(path) in printed.getvalue()
    assert decoded(path.read_bytes())[2] > 1000
