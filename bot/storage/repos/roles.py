"""The `Roles` port on SQLAlchemy: grants, invites, the audit log, the unit tree, throttling.

Kept whole (18 methods): it implements the one `Roles` port, method for method (see the port)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update

from bot.services.ports import InviteRecord, RoleEventRecord, RoleRecord
from bot.storage.models import (
    FailedAttempt,
    RoleEvent,
    RoleGrant,
    RoleInvite,
    Unit,
    UnitClosure,
)
from bot.storage.repos.base import SqlPort

# The unit tree is read from unit_closure (every ancestor/descendant pair with its depth, rebuilt
# by the rankings port whenever units are imported: bot/storage/repos/rankings/), so a unit's
# ancestors or a subtree is one indexed lookup, and the tree has one walker, not two.
_ANCESTORS = (
    select(UnitClosure.ancestor_id)
    .where(UnitClosure.descendant_id == bindparam("unit_id"))
    .order_by(UnitClosure.depth)
)
_SUBTREE = (
    select(UnitClosure.descendant_id)
    .where(UnitClosure.ancestor_id.in_(bindparam("unit_ids", expanding=True)))
    .distinct()
)


def _rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched (a CursorResult's; typed as a plain Result)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _role(row: RoleGrant) -> RoleRecord:
    return RoleRecord(
        row.id,
        row.learner_id,
        row.role,
        row.unit_id,
        row.granted_by,
        row.granted_at,
        row.revoked_at,
    )


def _invite(row: RoleInvite) -> InviteRecord:
    return InviteRecord(
        row.id,
        row.unit_id,
        row.role,
        row.created_by,
        row.created_at,
        row.expires_at,
        row.used_by,
        row.used_at,
    )


def _event(row: RoleEvent) -> RoleEventRecord:
    return RoleEventRecord(
        row.id, row.actor_id, row.action, row.target_id, row.unit_id, row.at, dict(row.detail or {})
    )


class SqlRoles(SqlPort):
    # ---- grants --------------------------------------------------------------------------

    async def active_roles(self, learner_id: int) -> list[RoleRecord]:
        rows = await self.s.scalars(
            select(RoleGrant)
            .where(RoleGrant.learner_id == learner_id, RoleGrant.revoked_at.is_(None))
            .order_by(RoleGrant.id)
        )
        return [_role(r) for r in rows]

    async def grants_in(
        self, unit_ids: list[int] | None, include_revoked: bool = False
    ) -> list[RoleRecord]:
        query = select(RoleGrant).order_by(RoleGrant.id)
        if unit_ids is not None:
            query = query.where(RoleGrant.unit_id.in_(unit_ids))
        if not include_revoked:
            query = query.where(RoleGrant.revoked_at.is_(None))
        return [_role(r) for r in await self.s.scalars(query)]

    async def grant(
        self, learner_id: int, role: str, unit_id: int, granted_by: int | None, now: datetime
    ) -> RoleRecord | None:
        stmt = (
            self._insert(RoleGrant)
            .values(
                learner_id=learner_id,
                role=role,
                unit_id=unit_id,
                granted_by=granted_by,
                granted_at=now,
            )
            .on_conflict_do_nothing()
            .returning(RoleGrant.id)
        )
        new_id = (await self.s.execute(stmt)).scalar()
        return None if new_id is None else await self.role(new_id)

    async def revoke(self, role_id: int, now: datetime) -> RoleRecord | None:
        found = await self.role(role_id)
        if found is None or found.revoked_at is not None:
            return None
        done = await self.s.execute(
            update(RoleGrant)
            .where(RoleGrant.id == role_id, RoleGrant.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return found if _rowcount(done) else None

    async def role(self, role_id: int) -> RoleRecord | None:
        row = await self.s.get(RoleGrant, role_id, populate_existing=True)
        return _role(row) if row else None

    # ---- invites -------------------------------------------------------------------------

    async def add_invite(
        self,
        code_hash: str,
        unit_id: int,
        role: str,
        created_by: int | None,
        now: datetime,
        expires_at: datetime,
    ) -> InviteRecord:
        row = RoleInvite(
            code_hash=code_hash,
            unit_id=unit_id,
            role=role,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
        self.s.add(row)
        await self.s.flush()
        return _invite(row)

    async def invite_by_hash(self, code_hash: str) -> InviteRecord | None:
        row = await self.s.scalar(select(RoleInvite).where(RoleInvite.code_hash == code_hash))
        return _invite(row) if row else None

    async def invite_by_id(self, invite_id: int) -> InviteRecord | None:
        row = await self.s.get(RoleInvite, invite_id, populate_existing=True)
        return _invite(row) if row else None

    async def use_invite(self, invite_id: int, learner_id: int, now: datetime) -> bool:
        # Compare-and-set: of two turns opening the same code at once, one wins.
        done = await self.s.execute(
            update(RoleInvite)
            .where(
                RoleInvite.id == invite_id,
                RoleInvite.used_at.is_(None),
                RoleInvite.expires_at > now,
            )
            .values(used_by=learner_id, used_at=now)
        )
        return bool(_rowcount(done))

    # ---- the audit log -------------------------------------------------------------------

    async def log(
        self,
        actor_id: int | None,
        action: str,
        target_id: int | None,
        unit_id: int | None,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        self.s.add(
            RoleEvent(
                actor_id=actor_id,
                action=action,
                target_id=target_id,
                unit_id=unit_id,
                detail=detail,
                at=now,
            )
        )
        await self.s.flush()

    async def events(self, unit_ids: list[int] | None, limit: int) -> list[RoleEventRecord]:
        query = select(RoleEvent).order_by(RoleEvent.id.desc()).limit(limit)
        if unit_ids is not None:
            query = query.where(RoleEvent.unit_id.in_(unit_ids))
        return [_event(r) for r in await self.s.scalars(query)]

    async def events_after(self, event_id: int, limit: int) -> list[RoleEventRecord]:
        query = select(RoleEvent).where(RoleEvent.id > event_id).order_by(RoleEvent.id).limit(limit)
        return [_event(r) for r in await self.s.scalars(query)]

    async def events_of(self, learner_id: int, limit: int) -> list[RoleEventRecord]:
        query = (
            select(RoleEvent)
            .order_by(RoleEvent.id.desc())
            .limit(limit)
            .where(or_(RoleEvent.actor_id == learner_id, RoleEvent.target_id == learner_id))
        )
        return [_event(r) for r in await self.s.scalars(query)]

    # ---- the unit tree -------------------------------------------------------------------

    async def ancestors(self, unit_id: int) -> list[int]:
        rows = await self.s.execute(_ANCESTORS, {"unit_id": unit_id})
        return [r[0] for r in rows]

    async def roots(self) -> list[int]:
        return list(await self.s.scalars(select(Unit.id).where(Unit.parent_id.is_(None))))

    async def subtree(self, unit_ids: list[int]) -> set[int]:
        if not unit_ids:
            return set()
        return set((await self.s.scalars(_SUBTREE, {"unit_ids": unit_ids})).all())

    # ---- throttling ----------------------------------------------------------------------

    async def failures_since(self, keys: list[str], since: datetime) -> int:
        rows = await self.s.execute(
            select(FailedAttempt.key, func.count())
            .where(FailedAttempt.key.in_(keys), FailedAttempt.at >= since)
            .group_by(FailedAttempt.key)
        )
        return max((int(n) for _, n in rows), default=0)

    async def add_failure(self, keys: list[str], now: datetime) -> None:
        self.s.add_all([FailedAttempt(key=key[:96], at=now) for key in keys])
        await self.s.flush()

    async def purge_failures(self, before: datetime) -> int:
        done = await self.s.execute(delete(FailedAttempt).where(FailedAttempt.at < before))
        return _rowcount(done)
