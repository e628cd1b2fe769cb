"""Telling a learner something outside a conversation: a changed grade, a regraded piece of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.services.context import Deps
from bot.services.delivery import pick_identity
from bot.services.io import Out
from bot.services.sender import Sender


def notifier(deps: Deps, sender: Sender) -> Callable[[int, list[Out]], Awaitable[None]]:
    """A `Deps.notify` that sends through the learner's most recently working channel."""

    async def notify(learner_id: int, messages: list[Out]) -> None:
        async with deps.store.transaction() as repo:
            identities = await repo.learners.identities_of(learner_id)
        target = pick_identity(identities, sender)
        if target is None:
            return
        for message in messages:
            await sender.send(
                target.channel, target.chat_id, message, bot_id=target.bot_id, lane="bulk"
            )

    return notify
