"""The `Leader` port on SQLAlchemy: rosters in a few set-based reads, and the outbox.

Kept whole (19 methods): it implements the one `Leader` port, method for method (see the port)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from bot.services.ports import (
    IdentityRecord,
    LearnerStatus,
    Member,
    OutboxItem,
    OutboxStatus,
    Queued,
)
from bot.storage.models import (
    ActivityDay,
    Announcement,
    Identity,
    Learner,
    LedgerEntry,
    NudgeOptOut,
    OutboxMessage,
    Progress,
    UnitChat,
    UnitClosure,
)
from bot.storage.repos.base import SqlPort
from bot.storage.repos.learners import identity_record

CHUNK = 500  # ids per IN (...) list


def _rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched (a CursorResult's; typed as a plain Result)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


class SqlLeader(SqlPort):
    # ---- members -------------------------------------------------------------------------

    async def members(self, unit_id: int) -> list[Member]:
        done = (
            select(func.count())
            .where(Progress.learner_id == Learner.id, Progress.completed_on.is_not(None))
            .correlate(Learner)
            .scalar_subquery()
        )
        rows = await self.s.execute(
            select(
                Learner.id,
                Learner.display_name,
                Learner.nickname,
                Learner.show_name,
                Learner.status,
                Learner.created_at,
                Learner.last_active_at,
                Learner.language,
                done,
            )
            .where(Learner.unit_id == unit_id, Learner.status != LearnerStatus.ONBOARDING)
            .order_by(Learner.id)
        )
        return [
            Member(
                lid,
                dn if show and dn else nick,
                LearnerStatus(status),
                created,
                active,
                int(n or 0),
                lang,
            )
            for lid, dn, nick, show, status, created, active, lang, n in rows
        ]

    async def study_days(self, learner_ids: list[int], since: date) -> dict[int, list[date]]:
        found: dict[int, list[date]] = {i: [] for i in learner_ids}
        for ids in _chunks(learner_ids):
            rows = await self.s.execute(
                select(ActivityDay.learner_id, ActivityDay.day)
                .where(ActivityDay.learner_id.in_(ids), ActivityDay.day >= since)
                .order_by(ActivityDay.day)
            )
            for learner_id, day in rows:
                found[learner_id].append(day)
        return found

    async def identities_for(self, learner_ids: list[int]) -> dict[int, list[IdentityRecord]]:
        found: dict[int, list[IdentityRecord]] = {i: [] for i in learner_ids}
        for ids in _chunks(learner_ids):
            for r in await self.s.scalars(select(Identity).where(Identity.learner_id.in_(ids))):
                found[r.learner_id].append(identity_record(r))
        return found

    async def week_points(self, learner_ids: list[int], since: datetime) -> dict[int, int]:
        found: dict[int, int] = {}
        for ids in _chunks(learner_ids):
            rows = await self.s.execute(
                select(LedgerEntry.learner_id, func.sum(LedgerEntry.points))
                .where(LedgerEntry.learner_id.in_(ids), LedgerEntry.created_at >= since)
                .group_by(LedgerEntry.learner_id)
            )
            found.update({lid: int(pts or 0) for lid, pts in rows})
        return found

    # ---- opt-outs ------------------------------------------------------------------------

    async def set_opt_out(self, learner_id: int, opted_out: bool, now: datetime) -> None:
        if opted_out:
            await self.s.execute(
                self._insert(NudgeOptOut)
                .values(learner_id=learner_id, at=now)
                .on_conflict_do_nothing()
            )
        else:
            await self.s.execute(delete(NudgeOptOut).where(NudgeOptOut.learner_id == learner_id))

    async def opted_out(self, learner_ids: list[int]) -> set[int]:
        found: set[int] = set()
        for ids in _chunks(learner_ids):
            found |= set(
                await self.s.scalars(
                    select(NudgeOptOut.learner_id).where(NudgeOptOut.learner_id.in_(ids))
                )
            )
        return found

    # ---- announcements and group chats ---------------------------------------------------

    async def add_announcement(
        self, unit_id: int, author_id: int | None, text: str, now: datetime
    ) -> int:
        row = Announcement(
            unit_id=unit_id, author_id=author_id, text=text, recipients=0, created_at=now
        )
        self.s.add(row)
        await self.s.flush()
        return row.id

    async def set_recipients(self, announcement_id: int, recipients: int) -> None:
        await self.s.execute(
            update(Announcement)
            .where(Announcement.id == announcement_id)
            .values(recipients=recipients)
        )

    async def announcements_since(self, unit_id: int, since: datetime) -> int:
        return int(
            await self.s.scalar(
                select(func.count())
                .select_from(Announcement)
                .where(Announcement.unit_id == unit_id, Announcement.created_at >= since)
            )
            or 0
        )

    async def link_chat(
        self, unit_id: int, channel: str, chat_id: str, by: int | None, now: datetime
    ) -> None:
        stmt = self._insert(UnitChat).values(
            unit_id=unit_id, channel=channel, chat_id=chat_id, added_by=by, added_at=now
        )
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=["channel", "chat_id"],
                set_={"unit_id": unit_id, "added_by": by, "added_at": now},
            )
        )

    async def chats_of(self, unit_id: int) -> list[tuple[str, str]]:
        rows = await self.s.execute(
            select(UnitChat.channel, UnitChat.chat_id)
            .where(UnitChat.unit_id == unit_id)
            .order_by(UnitChat.id)
        )
        return [(c, i) for c, i in rows]

    async def chats_under(self, unit_id: int) -> list[tuple[str, str]]:
        rows = await self.s.execute(
            select(UnitChat.channel, UnitChat.chat_id)
            .join(UnitClosure, UnitClosure.descendant_id == UnitChat.unit_id)
            .where(UnitClosure.ancestor_id == unit_id)
            .order_by(UnitChat.id)
        )
        return [(c, i) for c, i in rows]

    async def linked_units(self) -> list[int]:
        return list(await self.s.scalars(select(UnitChat.unit_id).distinct()))

    # ---- the outbox ----------------------------------------------------------------------

    async def enqueue(self, messages: list[Queued], now: datetime) -> int:
        new = 0
        for start in range(0, len(messages), CHUNK):
            rows = [
                {
                    "key": m.key,
                    "kind": m.kind,
                    "learner_id": m.learner_id,
                    "channel": m.channel,
                    "chat_id": m.chat_id,
                    "payload": m.payload,
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "available_at": now,
                    "created_at": now,
                }
                for m in messages[start : start + CHUNK]
            ]
            done = await self.s.execute(
                self._insert(OutboxMessage)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(OutboxMessage.id)
            )
            new += len(done.all())
        return new

    async def queued_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), CHUNK):
            found |= set(
                await self.s.scalars(
                    select(OutboxMessage.key).where(
                        OutboxMessage.key.in_(keys[start : start + CHUNK])
                    )
                )
            )
        return found

    async def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[OutboxItem]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.available_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if self.s.bind is not None and self.s.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # two workers never take one row
        rows = list(await self.s.scalars(query))
        if not rows:
            return []
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in rows]))
            .values(
                status=OutboxStatus.SENDING,
                locked_until=lease_until,
                attempts=OutboxMessage.attempts + 1,
            )
        )
        return [
            OutboxItem(
                r.id,
                r.key,
                r.kind,
                r.learner_id,
                r.channel,
                r.chat_id,
                dict(r.payload),
                r.attempts + 1,
            )
            for r in rows
        ]

    async def finish(
        self,
        item_id: int,
        status: OutboxStatus,
        channel: str | None,
        error: str | None,
        now: datetime,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "locked_until": None,
            "error": (error or "")[:200] or None,
        }
        if status == OutboxStatus.SENT:
            values["sent_at"] = now
        if channel is not None:
            values["channel"] = channel
        await self.s.execute(
            update(OutboxMessage).where(OutboxMessage.id == item_id).values(**values)
        )

    async def retry(self, item_id: int, available_at: datetime, error: str) -> None:
        await self.s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item_id)
            .values(
                status=OutboxStatus.PENDING,
                available_at=available_at,
                locked_until=None,
                error=error[:200],
            )
        )

    async def release_stale(self, before: datetime) -> int:
        done = await self.s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.SENDING,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < before),
            )
            .values(status=OutboxStatus.PENDING, locked_until=None)
        )
        return _rowcount(done)

    async def outbox_counts(self, key_prefix: str) -> dict[str, int]:
        rows = await self.s.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.key.startswith(key_prefix, autoescape=True))
            .group_by(OutboxMessage.status)
        )
        return {status: int(n) for status, n in rows}
