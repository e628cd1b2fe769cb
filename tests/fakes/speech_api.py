"""A fake OpenAI-compatible speech server on 127.0.0.1: /v1/audio/speech answers a real WAV file,
/v1/audio/transcriptions answers the text a test scripts."""

from __future__ import annotations

import io
import math
import struct
import wave
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serve

RATE = 16_000


def tone_wav(seconds: float = 0.5, hz: float = 440.0) -> bytes:
    """A real, playable mono 16-bit WAV file: a short sine tone."""
    frames = int(RATE * seconds)
    samples = b"".join(
        struct.pack("<h", int(12_000 * math.sin(2 * math.pi * hz * n / RATE)))
        for n in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples)
    return buffer.getvalue()


@dataclass
class FakeSpeech:
    transcript: str = "Xin chào"
    fail: bool = False  # answer 500 to everything
    spoken: list[dict[str, Any]] = field(default_factory=list)  # /audio/speech requests
    heard: list[dict[str, Any]] = field(default_factory=list)  # /audio/transcriptions requests
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/audio/speech", self._speech)
        app.router.add_post("/v1/audio/transcriptions", self._transcriptions)
        self._runner, base = await serve(app)
        self.url = f"{base}/v1"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _speech(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.spoken.append(body)
        if self.fail:
            return web.json_response({"error": {"message": "down"}}, status=500)
        # Asked for opus or not, this fake always makes WAV: the test decodes what it was given.
        return web.Response(body=tone_wav(), content_type="audio/wav")

    async def _transcriptions(self, request: web.Request) -> web.Response:
        fields: dict[str, Any] = {}
        async for part in await request.multipart():
            if part.filename:
                content = await part.read()
                fields[part.name] = {
                    "filename": part.filename,
                    "bytes": bytes(content),
                    "content_type": part.headers.get("Content-Type", ""),
                }
            else:
                fields[part.name] = await part.text()
        self.heard.append(fields)
        if self.fail:
            return web.json_response({"error": {"message": "down"}}, status=500)
        return web.json_response({"text": self.transcript})
