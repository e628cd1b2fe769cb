"""What the roles service needs from storage: grants, invites, the audit log, the unit tree's
shape, and a throttle counter. `bot/storage/repos/roles.py` implements it; `repo.roles` reaches
it.

Kept as one port (18 methods): grants, invites and their audit log change together (every grant
and revocation writes the log in the same transaction), which one port keeps visible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class RoleRecord:
    id: int
    learner_id: int
    role: str  # a permissions.Role value
    unit_id: int
    granted_by: int | None
    granted_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class InviteRecord:
    id: int
    unit_id: int
    role: str
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_by: int | None = None
    used_at: datetime | None = None


@dataclass(frozen=True)
class RoleEventRecord:
    id: int
    actor_id: int | None
    action: str
    target_id: int | None
    unit_id: int | None
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


class Roles(Protocol):
    """Roles, invites and their audit log, inside the caller's transaction."""

    # grants
    async def active_roles(self, learner_id: int) -> list[RoleRecord]: ...
    async def grants_in(
        self, unit_ids: list[int] | None, include_revoked: bool = False
    ) -> list[RoleRecord]: ...
    async def grant(
        self, learner_id: int, role: str, unit_id: int, granted_by: int | None, now: datetime
    ) -> RoleRecord | None:
        """The new grant; None when the person already holds that role on that unit."""
        ...

    async def revoke(self, role_id: int, now: datetime) -> RoleRecord | None:
        """The grant as it was; None when there is no such active grant."""
        ...

    async def role(self, role_id: int) -> RoleRecord | None: ...

    # invites (only the code's hash is stored)
    async def add_invite(
        self,
        code_hash: str,
        unit_id: int,
        role: str,
        created_by: int | None,
        now: datetime,
        expires_at: datetime,
    ) -> InviteRecord: ...
    async def invite_by_hash(self, code_hash: str) -> InviteRecord | None: ...
    async def invite_by_id(self, invite_id: int) -> InviteRecord | None: ...
    async def use_invite(self, invite_id: int, learner_id: int, now: datetime) -> bool:
        """Marks an unused, unexpired invite used; False when another turn used it first."""
        ...

    # the audit log
    async def log(
        self,
        actor_id: int | None,
        action: str,
        target_id: int | None,
        unit_id: int | None,
        detail: dict[str, Any],
        now: datetime,
    ) -> None: ...
    async def events(self, unit_ids: list[int] | None, limit: int) -> list[RoleEventRecord]: ...
    async def events_after(self, event_id: int, limit: int) -> list[RoleEventRecord]:
        """Log entries after this one, oldest first (followers of the log: command menus)."""
        ...

    async def events_of(self, learner_id: int, limit: int) -> list[RoleEventRecord]:
        """The newest events done by or to this person."""
        ...

    # the unit tree, one indexed lookup each in unit_closure (kept by `repo.rankings`)
    async def ancestors(self, unit_id: int) -> list[int]:
        """The unit and every unit above it, the unit first; [] when it does not exist."""
        ...

    async def roots(self) -> list[int]:
        """Units with no parent (a province, usually one)."""
        ...

    async def subtree(self, unit_ids: list[int]) -> set[int]:
        """The units and every unit under them."""
        ...

    # throttling wrong codes: a sliding window shared by every worker
    async def failures_since(self, keys: list[str], since: datetime) -> int:
        """The most failures any one of the keys has had since then."""
        ...

    async def add_failure(self, keys: list[str], now: datetime) -> None: ...
    async def purge_failures(self, before: datetime) -> int: ...
