"""Lesson audio kept as files under the data folder, named by lesson id and content hash."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path

from bot.services.speech import Audio

_SAFE = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
TYPES = {
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "aac": "audio/aac",
    "flac": "audio/flac",
}


class FileAudioCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _find(self, key: str) -> Path | None:
        if not _SAFE.match(key):
            return None
        for ext in TYPES:
            path = self.folder / f"{key}.{ext}"
            if path.is_file():
                return path
        return None

    async def get(self, key: str) -> Audio | None:
        path = self._find(key)
        if path is None:
            return None
        content = await asyncio.to_thread(path.read_bytes)
        ext = path.suffix.lstrip(".")
        return Audio(content, TYPES[ext], ext) if content else None

    async def put(self, key: str, audio: Audio) -> None:
        if not _SAFE.match(key) or audio.ext not in TYPES:
            return
        await asyncio.to_thread(self._write, self.folder / f"{key}.{audio.ext}", audio.content)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        # Written beside and renamed, so that a reader never sees half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
