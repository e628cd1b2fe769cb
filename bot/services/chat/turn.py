"""One event for one learner: what every chat handler is given."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.i18n import Translator
from bot.services import choices
from bot.services.context import Deps
from bot.services.conversation import HeldText
from bot.services.io import Inbound, Out
from bot.services.parsing import numbered_choice
from bot.services.ports import IdentityRecord, LearnerRecord, UnitOfWork
from bot.services.turn import Later

if TYPE_CHECKING:
    from bot.services.chat.router import Router
    from bot.services.submissions import Incoming


class Turn:
    """One event for one learner, inside one transaction (and a second one after a slow grader,
    model or speech server has answered).

    Handlers read and change `state` (the typed conversation state); what they changed, and only
    that, is saved when the turn ends (`save`), so a push that wrote meanwhile keeps its keys.
    """

    def __init__(
        self,
        deps: Deps,
        repo: UnitOfWork,
        learner: LearnerRecord,
        identity: IdentityRecord,
        tr: Translator,
        event: Inbound,
        router: Router,
    ) -> None:
        self.deps, self.repo, self.learner, self.identity = deps, repo, learner, identity
        self.tr, self.event, self.router = tr, event, router
        self.state = identity.state
        self._saved: dict[str, Any] = self.state.to_json()  # what storage holds, as far as we know
        # "Nộp bài" and "is this your work?" hold for the next message only.
        self.sent_as_work: str | None = self.state.submit
        self.held: HeldText | None = self.state.held
        self.state.submit = self.state.held = None
        self.work: Incoming | None = None  # practice work to store and grade after the commit
        self.later: Later | None = None  # a model or speech call, made after the commit
        self.notices: list[tuple[int, list[Out]]] = []  # messages for other learners

    async def command(self, name: str, args: str = "") -> list[Out]:
        """Answer as if the learner had typed /name args (a keyword, a "cmd:" button)."""
        return await self.router.command(self, name, args)

    async def choice(self, key: str) -> list[Out]:
        """Answer as if the learner had tapped the option with this key."""
        return await self.router.choice(self, key)

    def offered_choice(self, text: str) -> str | None:
        """The offered option a typed reply names: by number or letter, or by its words."""
        index = numbered_choice(text)
        options = self.state.options
        if index is not None:
            return options[index] if 0 <= index < len(options) else None
        return choices.pick(text, self.state, self.deps.curriculum)

    @property
    def who(self) -> str:
        """This person as a reviewer is recorded: "telegram:123"."""
        return f"{self.event.channel}:{self.event.external_id}"

    async def remember(self, out: list[Out]) -> None:
        """Keep the last offered options, so that '2' or 'B' can answer them on any channel;
        then save what this turn changed in the state."""
        offered = [o for o in out if o.options and o.remember_options]
        if offered:
            choices.remember(self.state, offered[-1])
        await self.save()

    async def save(self) -> None:
        await self.repo.conversations.patch(self.identity.id, self.state.changes(since=self._saved))
        self._saved = self.state.to_json()
