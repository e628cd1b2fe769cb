"""Storage of the conversation state and the channel's delivery stamps, per identity."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.services.conversation import StatePatch


class Conversations(Protocol):
    async def patch(self, identity_id: int, patch: StatePatch) -> None:
        """Merge the patch into the stored state in one statement: keys it does not name stay
        as they are, whatever another transaction wrote meanwhile."""

    async def delivered(
        self, identity_id: int, at: datetime, patch: StatePatch | None = None
    ) -> None:
        """A push reached the user on this identity (picks the channel used last); `patch`
        merged into its state in the same statement, as `patch` does."""

    async def window_closed(self, identity_id: int, at: datetime) -> None:
        """The platform said the messaging window had closed (Zalo OA -230)."""
