"""/link ("liên kết"): one learner on several channels (see `bot.services.linking`)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import linking
from bot.services.chat import onboarding
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.ports import LearnerStatus


async def command(turn: Turn, args: str) -> list[Out]:
    """No code: show one. A code: join this channel to the learner who showed it."""
    code = linking.normalise_code(args)
    if not code:
        return await linking.issue(turn.deps, turn.repo, turn.learner, turn.tr)
    out, learner = await linking.redeem(
        turn.deps, turn.repo, turn.learner, code, turn.tr, turn.state
    )
    if learner.id != turn.learner.id:
        turn.learner, turn.tr = learner, Translator(learner.language)
        turn.state.step = None
        if learner.status == LearnerStatus.ONBOARDING:
            out += onboarding.ask(turn, "group")
    return out
