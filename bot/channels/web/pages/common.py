"""What every page handler needs: the viewer, a checked number from the address, a redirect."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.web.session import VIEWER
from bot.services.web_access import Viewer

if TYPE_CHECKING:
    pass


def _who(request: web.Request) -> Viewer:
    return request[VIEWER]


def _int(text: str | None) -> int | None:
    return int(text) if text and re.fullmatch(r"[0-9]{1,12}", text) else None


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})
