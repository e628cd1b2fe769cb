"""Roles from the server's shell: `hocai roles invite|list|revoke|log`. The actor is "the
server" (no person): the audit log records it as actor None, detail via="cli"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services import invites
from bot.services.invites import MadeInvite
from bot.services.permissions import Role
from bot.services.ports import RoleEventRecord, RoleRecord, Store, UnitOfWork


class RolesError(ValueError):
    """A unit, role or grant the command names does not exist (the message says which)."""


@dataclass(frozen=True)
class GrantRow:
    id: int
    learner_id: int
    name: str
    role: str
    unit_code: str
    unit_name: str
    granted_at: datetime
    revoked_at: datetime | None


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise RolesError(f"unknown role {text!r}; one of: {', '.join(Role)}") from None


async def _scope(repo: UnitOfWork, unit_code: str | None) -> list[int] | None:
    if unit_code is None:
        return None
    unit = await repo.units.unit_by_code(unit_code)
    if unit is None:
        raise RolesError(f"unknown unit code: {unit_code}")
    return sorted(await repo.roles.subtree([unit.id]))


async def invite(store: Store, unit_code: str, role: str, days: float, now: datetime) -> MadeInvite:
    picked = parse_role(role)
    if not 0 < days <= invites.MAX_DAYS:
        raise RolesError(f"--days must be between 0 and {invites.MAX_DAYS}")
    async with store.transaction() as repo:
        unit = await repo.units.unit_by_code(unit_code)
        if unit is None:
            raise RolesError(f"unknown unit code: {unit_code}")
        return await invites.make_invite(repo, unit, picked, None, now, days)


async def grants(
    store: Store, unit_code: str | None, include_revoked: bool = False
) -> list[GrantRow]:
    """Grants on the unit and every unit under it (all units without one)."""
    async with store.transaction() as repo:
        found = await repo.roles.grants_in(await _scope(repo, unit_code), include_revoked)
        units = {u.id: u for u in await repo.units.units()}
        rows = []
        for g in found:
            learner = await repo.learners.learner(g.learner_id)
            unit = units.get(g.unit_id)
            rows.append(
                GrantRow(
                    g.id,
                    g.learner_id,
                    learner.public_name if learner else "?",
                    g.role,
                    unit.code if unit else "?",
                    unit.name if unit else "?",
                    g.granted_at,
                    g.revoked_at,
                )
            )
    return rows


async def revoke(
    store: Store,
    now: datetime,
    *,
    role_id: int | None = None,
    learner_id: int | None = None,
    role: str | None = None,
    unit_code: str | None = None,
) -> RoleRecord:
    """By the grant's id, or by person, role and unit."""
    async with store.transaction() as repo:
        if role_id is None:
            if learner_id is None or role is None or unit_code is None:
                raise RolesError("give --id, or --person with --role and --unit")
            picked = parse_role(role)
            unit = await repo.units.unit_by_code(unit_code)
            if unit is None:
                raise RolesError(f"unknown unit code: {unit_code}")
            match = [
                g
                for g in await repo.roles.active_roles(learner_id)
                if g.role == picked.value and g.unit_id == unit.id
            ]
            if not match:
                raise RolesError(f"person {learner_id} is not {picked.value} of {unit_code}")
            role_id = match[0].id
        revoked = await invites.revoke(repo, role_id, None, now, via="cli")
        if revoked is None:
            raise RolesError(f"no active grant with id {role_id}")
    return revoked


async def log(store: Store, unit_code: str | None, limit: int) -> list[RoleEventRecord]:
    async with store.transaction() as repo:
        return await repo.roles.events(await _scope(repo, unit_code), limit)
