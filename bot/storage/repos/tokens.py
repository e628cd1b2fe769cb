"""OA token pairs, monthly message quotas, the in-chat model's daily use."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select, update

from bot.services.ports.records import TokenPair
from bot.storage.models import ChannelUsage, OAToken, TryAIUsage
from bot.storage.repos.base import SqlPort


class SqlTokens(SqlPort):
    async def token_pair(self, app_id: str) -> TokenPair | None:
        row = await self.s.get(OAToken, app_id, populate_existing=True)
        if row is None:
            return None
        return TokenPair(
            row.access_token, row.refresh_token, row.expires_at, row.refreshing_until, row.seed_hash
        )

    async def seed_token_pair(
        self, app_id: str, pair: TokenPair, seed_hash: str, now: datetime
    ) -> None:
        row = await self.s.get(OAToken, app_id)
        if row is None:
            self.s.add(
                OAToken(
                    app_id=app_id,
                    access_token=pair.access_token,
                    refresh_token=pair.refresh_token,
                    expires_at=pair.expires_at,
                    refreshed_at=now,
                    refreshing_until=None,
                    seed_hash=seed_hash,
                )
            )
        else:
            row.access_token, row.refresh_token = pair.access_token, pair.refresh_token
            row.expires_at, row.refreshed_at = pair.expires_at, now
            row.refreshing_until, row.seed_hash = None, seed_hash
        await self.s.flush()

    async def lease_token_refresh(
        self, app_id: str, refresh_token: str, now: datetime, until: datetime
    ) -> bool:
        """Compare-and-swap: only the holder of the current refresh token, with no live lease."""
        return bool(
            await self._changed(
                update(OAToken)
                .where(
                    OAToken.app_id == app_id,
                    OAToken.refresh_token == refresh_token,
                    or_(OAToken.refreshing_until.is_(None), OAToken.refreshing_until <= now),
                )
                .values(refreshing_until=until)
            )
        )

    async def swap_token_pair(
        self, app_id: str, old_refresh_token: str, pair: TokenPair, now: datetime
    ) -> bool:
        return bool(
            await self._changed(
                update(OAToken)
                .where(OAToken.app_id == app_id, OAToken.refresh_token == old_refresh_token)
                .values(
                    access_token=pair.access_token,
                    refresh_token=pair.refresh_token,
                    expires_at=pair.expires_at,
                    refreshed_at=now,
                    refreshing_until=None,
                )
            )
        )

    async def release_token_lease(self, app_id: str, refresh_token: str) -> None:
        await self.s.execute(
            update(OAToken)
            .where(OAToken.app_id == app_id, OAToken.refresh_token == refresh_token)
            .values(refreshing_until=None)
        )

    async def add_usage(self, channel: str, month: str, messages: int) -> int:
        await self._inserted(ChannelUsage, channel=channel, month=month, messages=0)
        await self.s.execute(
            update(ChannelUsage)
            .where(ChannelUsage.channel == channel, ChannelUsage.month == month)
            .values(messages=ChannelUsage.messages + messages)
        )
        return await self.usage(channel, month)

    async def usage(self, channel: str, month: str) -> int:
        used = await self.s.scalar(
            select(ChannelUsage.messages).where(
                ChannelUsage.channel == channel, ChannelUsage.month == month
            )
        )
        return int(used or 0)

    async def tryai_used(self, learner_id: int, day: date) -> tuple[int, int]:
        """(this learner's turns today, every learner's tokens today)."""
        turns = await self.s.scalar(
            select(TryAIUsage.turns).where(
                TryAIUsage.learner_id == learner_id, TryAIUsage.day == day
            )
        )
        tokens = await self.s.scalar(
            select(func.sum(TryAIUsage.tokens)).where(TryAIUsage.day == day)
        )
        return int(turns or 0), int(tokens or 0)

    async def add_tryai_use(self, learner_id: int, day: date, tokens: int) -> None:
        await self._inserted(TryAIUsage, learner_id=learner_id, day=day, turns=0, tokens=0)
        await self.s.execute(
            update(TryAIUsage)
            .where(TryAIUsage.learner_id == learner_id, TryAIUsage.day == day)
            .values(turns=TryAIUsage.turns + 1, tokens=TryAIUsage.tokens + max(0, tokens))
        )
