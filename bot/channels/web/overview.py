"""A unit's figures: the overview, its children as a sortable table, the quarterly report's
download. Built on `bot.services.dashboard` (the figures)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


def routes(site: Site) -> list[web.RouteDef]:
    return []
