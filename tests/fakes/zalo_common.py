"""Pieces both fake Zalo servers share: a loopback aiohttp server, photos to fetch, waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serve

# Smallest valid images: what a photo URL serves in tests.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


class LoopbackServer:
    """An aiohttp app on 127.0.0.1 with /files/<name> for photos."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {"work.png": (PNG, "image/png")}
        self.base = ""
        self._runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_get("/files/{name}", self._file)
        self.routes(app)
        self._runner, self.base = await serve(app, 0)
        return self.base

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def file_url(self, name: str) -> str:
        return f"{self.base}/files/{name}"

    async def _file(self, request: web.Request) -> web.StreamResponse:
        found = self.files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404)
        content, mime = found
        return web.Response(body=content, content_type=mime)


async def wait_until(
    check: Callable[[], Any], what: Callable[[], str], timeout: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(what())
        await asyncio.sleep(0.02)
