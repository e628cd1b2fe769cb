"""The officials' web sign-in: one-time links (their tokens' hashes) and the sessions they open.
`bot/storage/repos/web.py` implements it; `repo.web` reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class WebSessionRecord:
    id: int  # the link's id: the session a cookie names
    learner_id: int
    session_until: datetime
    signed_out_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.signed_out_at is None and now < self.session_until


class WebSessions(Protocol):
    async def add_link(
        self, token_hash: str, learner_id: int, now: datetime, expires_at: datetime
    ) -> int: ...
    async def link_usable(self, token_hash: str, now: datetime) -> bool: ...
    # Used once: the first caller before `expires_at` gets the session, every other gets None.
    async def use_link(
        self, token_hash: str, now: datetime, session_until: datetime
    ) -> WebSessionRecord | None: ...
    async def session(self, session_id: int) -> WebSessionRecord | None: ...
    async def sign_out(self, session_id: int, now: datetime) -> None: ...
    # Links never opened that expired before `before`, and sessions that ended before it.
    async def purge(self, before: datetime) -> int: ...
