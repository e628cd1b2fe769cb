"""What speech and "Thử với AI" touch of one dialog turn (`bot.services.chat.turn.Turn` has it all)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.i18n import Translator
    from bot.services.context import Deps
    from bot.services.conversation import Conversation
    from bot.services.io import Inbound, Out
    from bot.services.ports import LearnerRecord, UnitOfWork
    from bot.services.submissions import Incoming

# Work that calls a model or a speech server: run after the turn's transaction commits, so a slow
# server never holds the database; what it returns is sent after the turn's own messages.
Later = Callable[[], Awaitable[list["Out"]]]


class Turn(Protocol):
    deps: Deps
    repo: UnitOfWork
    learner: LearnerRecord
    tr: Translator
    event: Inbound
    state: Conversation  # what changed in it is saved (by patch) at the end of the turn
    work: Incoming | None  # practice work to store and grade after the commit
    later: Later | None
