"""Where a person may do an action, as the chat tools use it: everywhere (None) for the
administrators and roles on every root, else the set of units their roles cover (maybe empty).

    scope = await scope.of(deps, repo, learner.id, Action.REVIEW)
    if not scope.allowed(scope): ...
    items = await repo.grades.review_queue(5, scope)   # None: the whole tree
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services import permissions
from bot.services.context import Deps
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord, UnitOfWork, UnitRecord
from bot.services.ports.classes import CLASS_KIND

Scope = frozenset[int] | None


async def of(deps: Deps, repo: UnitOfWork, person_id: int, action: Action) -> Scope:
    if await permissions.can(repo, person_id, action, None, admins=deps.admins):
        return None
    return frozenset(await permissions.units_in_scope(repo, person_id, action, admins=deps.admins))


def allowed(scope: Scope) -> bool:
    return scope is None or bool(scope)


def has_unit(scope: Scope, unit_id: int) -> bool:
    return scope is None or unit_id in scope


async def has_learner(repo: UnitOfWork, scope: Scope, learner_id: int) -> bool:
    """Is the learner in one of the scope's units, or a member of one of its classes?"""
    return scope is None or await repo.classes.covers(learner_id, scope)


async def units(repo: UnitOfWork, scope: Scope, limit: int, *, classes: bool) -> list[UnitRecord]:
    """Units of the scope, the highest first, then by name: classes only, or no classes."""
    everything = await repo.units.units()
    depth: dict[int, int] = {}
    parents = {u.id: u.parent_id for u in everything}
    for unit in everything:
        d, up, seen = 0, unit.parent_id, set()
        while up is not None and up not in seen:
            seen.add(up)
            d, up = d + 1, parents.get(up)
        depth[unit.id] = d
    found = [u for u in everything if has_unit(scope, u.id) and (u.kind == CLASS_KIND) == classes]
    return sorted(found, key=lambda u: (depth[u.id], u.name))[:limit]


def local(learner: LearnerRecord, at: datetime) -> str:
    return at.astimezone(ZoneInfo(learner.timezone)).strftime("%H:%M %d/%m/%Y")
