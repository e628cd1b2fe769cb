"""Badges' chat side: the streak freeze (/freeze, "bảo vệ chuỗi", its "frz:" button) and
/honours ("vinh danh"). The work is in bot/services/badges.py and bot/services/honours_chat.py."""

from __future__ import annotations

from bot.services import badges, buttons, honours_chat
from bot.services.chat.turn import Turn
from bot.services.io import Out


async def freeze(turn: Turn, _args: str) -> list[Out]:
    return await badges.offer(turn.deps, turn.repo, turn.learner, turn.tr)


async def on_freeze(turn: Turn, button: buttons.Freeze) -> list[Out]:
    return await badges.buy(turn.deps, turn.repo, turn.learner, button.number, turn.tr)


async def honours(turn: Turn, args: str) -> list[Out]:
    """Officials, leaders and instructors need not be learners: this works while joining too."""
    return await honours_chat.command(turn.deps, turn.repo, turn.learner, args, turn.tr)
