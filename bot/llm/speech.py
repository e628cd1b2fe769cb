"""Speech through any OpenAI-compatible server: `/audio/speech` and `/audio/transcriptions`."""

from __future__ import annotations

import logging
from typing import Literal

import httpx
import openai

from bot.services.speech import Audio, SpeechUnavailable

log = logging.getLogger(__name__)

# response_format -> (MIME type, file ending). Opus comes in an OGG container, which Telegram
# plays as a voice message.
SpeechFormat = Literal["opus", "mp3", "wav", "aac", "flac"]
FORMATS: dict[SpeechFormat, tuple[str, str]] = {
    "opus": ("audio/ogg", "ogg"),
    "mp3": ("audio/mpeg", "mp3"),
    "wav": ("audio/wav", "wav"),
    "aac": ("audio/aac", "aac"),
    "flac": ("audio/flac", "flac"),
}


class OpenAISpeech:
    """Text to speech and speech to text with the `openai` client; errors become
    `SpeechUnavailable`, so the dialog can answer kindly."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        tts_model: str,
        stt_model: str,
        voice: str,
        response_format: SpeechFormat = "opus",
        language: str = "vi",
    ) -> None:
        if response_format not in FORMATS:
            raise ValueError(f"TTS_FORMAT must be one of {', '.join(FORMATS)}")
        self.client, self.tts_model, self.stt_model = client, tts_model, stt_model
        self.voice, self.format, self.language = voice, response_format, language
        self.signature = f"{tts_model}/{voice}/{response_format}"

    async def synthesize(self, text: str) -> Audio:
        try:
            response = await self.client.audio.speech.create(
                model=self.tts_model,
                voice=self.voice,
                input=text,
                response_format=self.format,
            )
            content = response.content
        except (openai.APIError, httpx.HTTPError) as exc:
            log.warning("text to speech failed: %r", exc)
            raise SpeechUnavailable(str(exc)) from exc
        if not content:
            raise SpeechUnavailable("the speech server sent no audio")
        mime, ext = FORMATS[self.format]
        return Audio(content, mime, ext)

    async def transcribe(self, audio: bytes, filename: str, mime: str) -> str:
        try:
            result = await self.client.audio.transcriptions.create(
                model=self.stt_model,
                file=(filename, audio, mime),
                language=self.language,
                response_format="json",
            )
        except (openai.APIError, httpx.HTTPError) as exc:
            log.warning("transcription failed: %r", exc)
            raise SpeechUnavailable(str(exc)) from exc
        return str(getattr(result, "text", "") or "")
