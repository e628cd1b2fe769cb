"""What a feature module may touch of one dialog turn (the dialog's `_Turn` has all of it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.i18n import Translator
    from bot.services.context import Deps
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
    state: dict[str, Any]  # saved with the identity at the end of the turn
    work: Incoming | None  # practice work to store and grade after the commit
    later: Later | None
    notices: list[tuple[int, list[Out]]]  # messages for other people, sent after the commit
