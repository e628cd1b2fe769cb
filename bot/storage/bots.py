"""Units' own bots on SQLAlchemy (`repo.bots`). Never commits: the surrounding transaction does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ports_bots import BotRecord
from bot.storage.models import BotAccount, Identity, Unit


def _record(row: BotAccount, unit_code: str = "") -> BotRecord:
    return BotRecord(
        id=row.id,
        unit_id=row.unit_id,
        channel=row.channel,
        name=row.name,
        token=row.token,
        webhook_secret=row.webhook_secret,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        unit_code=unit_code,
    )


class SqlBots:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(
        self,
        unit_id: int,
        channel: str,
        name: str,
        token: str,
        token_hash: str,
        webhook_secret: str,
        now: datetime,
    ) -> BotRecord:
        row = BotAccount(
            unit_id=unit_id,
            channel=channel,
            name=name,
            token=token,
            token_hash=token_hash,
            webhook_secret=webhook_secret,
            created_at=now,
        )
        self.s.add(row)
        await self.s.flush()
        return _record(row)

    async def by_token_hash(self, token_hash: str) -> BotRecord | None:
        row = await self.s.scalar(select(BotAccount).where(BotAccount.token_hash == token_hash))
        return _record(row) if row else None

    async def enable(self, bot_id: int, name: str) -> None:
        await self.s.execute(
            update(BotAccount).where(BotAccount.id == bot_id).values(disabled_at=None, name=name)
        )

    async def get(self, bot_id: int) -> BotRecord | None:
        found = (
            await self.s.execute(
                select(BotAccount, Unit.code)
                .join(Unit, Unit.id == BotAccount.unit_id)
                .where(BotAccount.id == bot_id)
            )
        ).first()
        return _record(found[0], found[1]) if found else None

    async def all(self, include_disabled: bool = False) -> list[BotRecord]:
        query = (
            select(BotAccount, Unit.code)
            .join(Unit, Unit.id == BotAccount.unit_id)
            .order_by(BotAccount.id)
        )
        if not include_disabled:
            query = query.where(BotAccount.disabled_at.is_(None))
        return [_record(row, code) for row, code in (await self.s.execute(query)).all()]

    async def disable(self, bot_id: int, now: datetime) -> bool:
        result = await self.s.execute(
            update(BotAccount)
            .where(BotAccount.id == bot_id, BotAccount.disabled_at.is_(None))
            .values(disabled_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def attach(self, identity_id: int, bot_id: int | None) -> None:
        await self.s.execute(
            update(Identity).where(Identity.id == identity_id).values(bot_id=bot_id)
        )

    async def learners_of(self, bot_id: int) -> int:
        return int(
            await self.s.scalar(
                select(func.count()).select_from(Identity).where(Identity.bot_id == bot_id)
            )
            or 0
        )
