"""What platforms and models let us spend: the OA token pair, message quotas, in-chat model use."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.services.ports.records import TokenPair


class Tokens(Protocol):
    # a platform's OAuth token pair (Zalo OA): the refresh token works once
    async def token_pair(self, app_id: str) -> TokenPair | None: ...
    async def seed_token_pair(
        self, app_id: str, pair: TokenPair, seed_hash: str, now: datetime
    ) -> None: ...
    async def lease_token_refresh(
        self, app_id: str, refresh_token: str, now: datetime, until: datetime
    ) -> bool: ...
    async def swap_token_pair(
        self, app_id: str, old_refresh_token: str, pair: TokenPair, now: datetime
    ) -> bool: ...
    async def release_token_lease(self, app_id: str, refresh_token: str) -> None: ...

    # monthly message quotas
    async def add_usage(self, channel: str, month: str, messages: int) -> int: ...
    async def usage(self, channel: str, month: str) -> int: ...

    # the in-chat model's daily use ("Thử với AI ngay đây")
    async def tryai_used(self, learner_id: int, day: date) -> tuple[int, int]: ...
    async def add_tryai_use(self, learner_id: int, day: date, tokens: int) -> None: ...
