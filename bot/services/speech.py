"""Lessons read aloud, and practice work sent as a voice note, for learners who read little.

Any OpenAI-compatible speech server does (`/audio/speech`, `/audio/transcriptions`; the adapter
is `bot/llm/speech.py`). A lesson's audio is made once per lesson text and voice and kept in the
audio cache; a voice note is transcribed, shown back to the learner, and graded as text only once
they confirm it. Without a speech server, a voice note gets a kind answer and nothing changes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

from bot.i18n import Translator
from bot.services import buttons
from bot.services.context import Deps
from bot.services.conversation import HeldText
from bot.services.io import Option, Out, OutFile
from bot.services.turn import Turn
from lessons.model import Lesson
from lessons.textnorm import folded_words

# Channels whose outbound can play audio; the Zalo APIs used here send text and images only.
PLAYS_AUDIO = ("telegram", "console")
MAX_SCRIPT_CHARS = 4000  # /audio/speech takes at most 4,096 characters
MAX_VOICE_BYTES = 10 * 1024 * 1024  # a few minutes of a phone's voice note
MAX_TRANSCRIPT_CHARS = 4000
_LISTEN = {"nghe", "nghe bai", "nghe bai hoc", "doc bai", "doc cho toi nghe", "listen"}
_MARKUP = re.compile(r"[*_#>`•]+")


@dataclass(frozen=True)
class Audio:
    content: bytes
    mime: str  # audio/ogg (Opus), audio/mpeg, audio/wav ...
    ext: str  # the file name's ending: ogg, mp3, wav


class SpeechUnavailable(Exception):
    """The speech server could not be reached or refused the request."""


class Speech(Protocol):
    # What changes the sound of the same text (model, voice, format): part of the cache key.
    signature: str

    async def synthesize(self, text: str) -> Audio: ...

    async def transcribe(self, audio: bytes, filename: str, mime: str) -> str: ...


class AudioCache(Protocol):
    async def get(self, key: str) -> Audio | None: ...

    async def put(self, key: str, audio: Audio) -> None: ...


def lesson_script(lesson: Lesson, tr: Translator) -> str:
    """What is read aloud: the title, the lesson, the worked example's prompt, the practice."""
    parts = [
        lesson.title,
        *lesson.content,
        tr("speech.script_example", prompt=lesson.example.prompt),
        tr("speech.script_practice", task=lesson.practice.task, submit=lesson.practice.submit),
    ]
    text = "\n\n".join(_MARKUP.sub("", part).strip() for part in parts)
    if len(text) <= MAX_SCRIPT_CHARS:
        return text
    cut = text[:MAX_SCRIPT_CHARS]
    return cut[: max(cut.rfind(". "), cut.rfind("\n"), MAX_SCRIPT_CHARS // 2) + 1].rstrip()


def audio_key(lesson_id: str, script: str, signature: str) -> str:
    """The lesson id and a hash of the words and the voice: edited text gets new audio."""
    digest = hashlib.sha256(f"{signature}\0{script}".encode()).hexdigest()[:16]
    return f"{lesson_id}-{digest}"


def is_listen(text: str) -> bool:
    return " ".join(folded_words(text)) in _LISTEN


def listen_option(deps: Deps, tr: Translator) -> Option | None:
    if deps.speech is None:
        return None
    return buttons.Speech("listen").as_option(tr("speech.listen_button"))


async def on_button(turn: Turn, button: buttons.Speech) -> list[Out]:
    """ "Nghe bài học", and confirming a voice note's transcript."""
    if button.action == "listen":
        return await listen(turn)
    if button.action == "send":
        return await confirm(turn)
    turn.state.voice = None  # "again"
    return [Out(text=turn.tr("speech.again_ok"))]


async def listen(turn: Turn) -> list[Out]:
    """'Nghe bài học': today's lesson as a voice message (made after the commit, then cached)."""
    deps, tr = turn.deps, turn.tr
    if deps.speech is None:
        return [Out(text=tr("speech.listen_off"))]
    if turn.event.channel not in PLAYS_AUDIO:
        return [Out(text=tr("speech.listen_not_here"))]
    current = await turn.repo.progress.current_assignment(turn.learner.id)
    lesson = deps.curriculum.by_id(current.lesson_id) if current else None
    if lesson is None:
        return [Out(text=tr("practice.no_lesson"))]
    fitted = lesson.fitted(turn.learner.occupation)

    async def read_aloud() -> list[Out]:
        try:
            audio = await lesson_audio(deps, fitted, tr)
        except SpeechUnavailable:
            return [Out(text=tr("speech.listen_failed"))]
        return [
            Out(
                text=tr("speech.listen_caption", title=fitted.title),
                voice=OutFile(f"{fitted.id}.{audio.ext}", audio.content, audio.mime),
            )
        ]

    turn.later = read_aloud
    return []


async def lesson_audio(deps: Deps, lesson: Lesson, tr: Translator) -> Audio:
    """The lesson's audio from the cache, or made now and kept."""
    assert deps.speech is not None
    script = lesson_script(lesson, tr)
    key = audio_key(lesson.id, script, deps.speech.signature)
    cached = await deps.audio_cache.get(key) if deps.audio_cache is not None else None
    if cached is not None:
        return cached
    audio = await deps.speech.synthesize(script)
    if deps.audio_cache is not None:
        await deps.audio_cache.put(key, audio)
    return audio


def voice_note(turn: Turn) -> list[Out]:
    """A voice note: transcribed after the commit and shown back for the learner to confirm."""
    deps, tr, ev = turn.deps, turn.tr, turn.event
    if deps.speech is None:
        return [Out(text=tr("speech.voice_off"))]
    if not ev.audio:  # a channel that fetches no voice notes (Zalo) gets the plain answer
        return [
            Out(
                text=tr(
                    "speech.voice_unreadable" if ev.channel in PLAYS_AUDIO else "speech.voice_off"
                )
            )
        ]
    if len(ev.audio) > MAX_VOICE_BYTES:
        return [Out(text=tr("speech.voice_too_long"))]
    speech, audio, mime = deps.speech, ev.audio, ev.audio_mime or "audio/ogg"
    name = "voice." + {
        "audio/ogg": "ogg",
        "audio/mpeg": "mp3",
        "audio/wav": "wav",
        "audio/x-wav": "wav",
        "audio/mp4": "m4a",
    }.get(mime, "ogg")

    async def transcribe() -> list[Out]:
        try:
            text = " ".join((await speech.transcribe(audio, name, mime)).split())
        except SpeechUnavailable:
            return [Out(text=tr("speech.transcribe_failed"))]
        if not folded_words(text):
            return [Out(text=tr("speech.heard_nothing"))]
        text = text[:MAX_TRANSCRIPT_CHARS]
        turn.state.voice = HeldText(text, ev.update_key or None)
        return [
            Out(
                title=tr("speech.heard_title"),
                text=tr("speech.heard", text=text),
                options=(
                    buttons.Speech("send").as_option(tr("speech.send_button")),
                    buttons.Speech("again").as_option(tr("speech.again_button")),
                ),
            )
        ]

    turn.later = transcribe
    return []


async def confirm(turn: Turn) -> list[Out]:
    """The learner confirmed the transcript: it goes on as if they had typed it."""
    from bot.services import tryai
    from bot.services.submissions import Incoming  # submissions builds on this package

    tr, ev = turn.tr, turn.event
    pending, turn.state.voice = turn.state.voice, None
    if pending is None or not pending.text:
        return [Out(text=tr("speech.nothing_pending"))]
    text = pending.text
    step = turn.state.step or ""
    if step == "tryai":  # a spoken prompt for the in-chat model
        return await tryai.ask(turn, text)
    if step == "tryai_check":
        return await tryai.submit(turn, text)
    current = await turn.repo.progress.current_assignment(turn.learner.id)
    if current is None:
        return [Out(text=tr("practice.no_lesson"))]
    # One voice note is one submission, however often "send" is tapped.
    key = f"{ev.channel}:voice:{pending.key}" if pending.key else None
    turn.work = Incoming(text, None, ev.channel, key)
    return [Out(text=tr("speech.sending"))]
