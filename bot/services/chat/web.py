""" "/web" or "trang quản lý": a one-time link to the web pages, for people with a role. They
need not be learners, so it works while joining too (`anytime`)."""

from __future__ import annotations

from bot.services import web_signin
from bot.services.chat.turn import Turn
from bot.services.io import Out


async def command(turn: Turn, _args: str) -> list[Out]:
    return await web_signin.sign_in_message(turn.deps, turn.repo, turn.learner, turn.tr)
