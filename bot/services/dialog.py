"""The conversation: one inbound event in, the messages to answer out, for every channel.

Each channel's handlers parse their update into `Inbound`, call `Dialog.handle`, and render the
answer. What answers what is decided once, in `bot.services.chat` (its routing table is
`bot/services/chat/routes.py`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from bot.i18n import Translator
from bot.services import digest, submissions
from bot.services.chat.router import Router
from bot.services.chat.routes import ROUTER
from bot.services.chat.turn import Turn
from bot.services.context import Deps
from bot.services.io import Inbound, Out

log = logging.getLogger(__name__)


class Dialog:
    def __init__(self, deps: Deps, router: Router = ROUTER) -> None:
        self.deps = deps
        self.router = router

    async def handle(self, event: Inbound) -> list[Out]:
        """Answer one event. Work that must not be lost is committed before this returns."""
        deps = self.deps
        if event.is_group:
            # In a group the bot answers commands only, so it never floods a neighbourhood chat.
            if event.kind == "command" and event.command == "group":  # its leader links it
                return await digest.link_group_chat(deps, event)
            if event.kind == "command":
                return [Out(text=Translator(_lang_hint(event))("group.private_only"))]
            return []
        async with deps.store.transaction() as repo:
            if event.update_key and not await repo.inbox.first_time_seen(
                event.channel, event.update_key, deps.now()
            ):
                return []
            identity = await repo.learners.identity(event.channel, event.external_id)
            if identity is None:
                learner, identity = await repo.learners.create_learner(
                    event.channel,
                    event.external_id,
                    event.chat_id,
                    _nickname(event.external_id),
                    deps.timezone,
                    deps.now(),
                )
            else:
                await repo.learners.touch_identity(identity.id, event.chat_id, deps.now())
                found = await repo.learners.learner(identity.learner_id)
                assert found is not None  # identities cascade with their learner
                learner = found
            if identity.bot_id != event.bot_id:
                # The bot a person last wrote through serves them (it surely can reach them):
                # joining through a unit's bot makes them that bot's learner.
                await repo.bots.attach(identity.id, event.bot_id)
                identity = replace(identity, bot_id=event.bot_id)
            tr = Translator(learner.language)
            turn = Turn(deps, repo, learner, identity, tr, event, self.router)
            out = await self.router.run(turn)
            await turn.remember(out)
        await _tell_others(deps, turn.notices)  # after the commit, so they see the new state
        if turn.work is None and turn.later is None:
            return out
        # Work is graded, and a model or speech server asked, after the first commit.
        if turn.work is not None:
            more = await submissions.receive(deps, learner, turn.work, tr)
        else:
            assert turn.later is not None
            more = await turn.later()
        async with deps.store.transaction() as repo:
            # The same turn: only what it changed in the state since its first save is written.
            turn.repo = repo
            await turn.remember(more)
        return out + more


async def _tell_others(deps: Deps, notices: list[tuple[int, list[Out]]]) -> None:
    for learner_id, messages in notices:
        if deps.notify is None:
            log.info("no notifier: learner %s not told %d messages", learner_id, len(messages))
            continue
        try:
            await deps.notify(learner_id, messages)
        except Exception as exc:  # telling is best effort; the data is stored
            log.warning("could not notify learner %s: %r", learner_id, exc)


def _nickname(external_id: str) -> str:
    digits = re.sub(r"\D", "", external_id)[-4:] or external_id[-4:]
    return f"Học viên {digits}"


def _lang_hint(event: Inbound) -> str:
    return "en" if event.language.startswith("en") else "vi"
