"""Group leaders in the chat: "/group" ("quản lý nhóm") and its "ld:" buttons, an announcement
typed in its step, and a learner's own "đừng nhắc tôi" / "nhắc tôi". The flows are
`bot.services.leader`'s; a leader need not be a learner, so these work while joining too."""

from __future__ import annotations

from bot.services import buttons, leader
from bot.services.chat.turn import Turn
from bot.services.io import Out

STEP = leader.STEP  # "leader_announce:<unit>": the next typed text is that unit's announcement


async def command(turn: Turn, args: str) -> list[Out]:
    """'/group' or '/group T05': the leader's menu. It ends an announcement left half-typed and
    keeps any other step (a joining question, say)."""
    if (turn.state.step or "").startswith(STEP):
        turn.state.step = None
    return await leader.group_command(turn.deps, turn.repo, turn.learner, turn.tr, args)


async def no_nudges(turn: Turn, _args: str) -> list[Out]:
    return await leader.set_reminders(turn.deps, turn.repo, turn.learner, turn.tr, on=False)


async def nudges_on(turn: Turn, _args: str) -> list[Out]:
    return await leader.set_reminders(turn.deps, turn.repo, turn.learner, turn.tr, on=True)


async def on_button(turn: Turn, button: buttons.Leader) -> list[Out]:
    return await leader.choice(turn.deps, turn.repo, turn.learner, turn.tr, turn.state, button)


async def on_announcement_text(turn: Turn, step: str) -> list[Out]:
    return await leader.announcement_text(
        turn.deps, turn.repo, turn.learner, turn.tr, turn.state, step, turn.event.text
    )
