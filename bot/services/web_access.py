"""Who is looking at the web pages, and what each page may show them.

A `Viewer` is read fresh from the database on every request (roles revoked a minute ago no longer
open anything). Every page asks `may` about the one unit it shows, or `scope` for the lists it
filters: the same rule as the chat (`permissions`): a role covers its unit's subtree and nothing
else, HOCAI_ADMINS cover everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.services import permissions, scope
from bot.services.context import Deps
from bot.services.permissions import Action
from bot.services.ports import RoleRecord, UnitOfWork, UnitRecord


class Area(StrEnum):
    """The pages, each opened by one action of the permissions table."""

    OVERVIEW = "overview"  # figures of a unit and its children, the quarterly report
    ROSTER = "roster"  # a group's or class's members
    REVIEW = "review"  # the review queue
    CHALLENGES = "challenges"  # challenges and their standings
    CERTIFICATES = "certificates"  # certificates issued and revoked
    HONOURS = "honours"  # the honours list for a period


AREA_ACTION: dict[Area, Action] = {
    Area.OVERVIEW: Action.VIEW_DASHBOARD,
    Area.ROSTER: Action.VIEW_ROSTER,
    Area.REVIEW: Action.REVIEW,
    Area.CHALLENGES: Action.CREATE_CHALLENGE,
    Area.CERTIFICATES: Action.VIEW_REPORT,
    Area.HONOURS: Action.VIEW_REPORT,
}


@dataclass(frozen=True)
class Viewer:
    learner_id: int
    name: str
    admin: bool
    roles: tuple[RoleRecord, ...]

    def holds(self, action: Action) -> bool:
        return self.admin or any(permissions.allows(r.role, action) for r in self.roles)

    def opens(self, area: Area) -> bool:
        return self.holds(AREA_ACTION[area])

    @property
    def areas(self) -> tuple[Area, ...]:
        """The navigation: only what the person's roles open."""
        return tuple(a for a in Area if self.opens(a))

    def role_units(self, action: Action) -> list[int]:
        return sorted({r.unit_id for r in self.roles if permissions.allows(r.role, action)})


async def viewer(deps: Deps, repo: UnitOfWork, learner_id: int) -> Viewer | None:
    """None when the person no longer exists or holds no role at all."""
    learner = await repo.learners.learner(learner_id)
    if learner is None:
        return None
    roles = tuple(await permissions.roles_of(repo, learner_id))
    admin = await permissions.is_admin(repo, learner_id, deps.admins)
    if not roles and not admin:
        return None
    return Viewer(learner_id, learner.public_name, admin, roles)


async def may(repo: UnitOfWork, who: Viewer, action: Action, unit_id: int) -> bool:
    """May this viewer do this on this unit? (One lookup up the unit tree.)"""
    if who.admin:
        return await repo.units.unit(unit_id) is not None
    held = who.role_units(action)
    return bool(held) and not set(held).isdisjoint(await repo.roles.ancestors(unit_id))


async def unit_for(repo: UnitOfWork, who: Viewer, area: Area, unit_id: int) -> UnitRecord | None:
    """The unit, when this viewer may open it in this area; None otherwise (the page then says
    "not found", the same for a unit that does not exist and one outside the viewer's scope)."""
    if not await may(repo, who, AREA_ACTION[area], unit_id):
        return None
    return await repo.units.unit(unit_id)


async def scope_of(deps: Deps, repo: UnitOfWork, who: Viewer, area: Area) -> scope.Scope:
    """None: everything (administrators, roles on every root); else the units covered."""
    return await scope.of(deps, repo, who.learner_id, AREA_ACTION[area])


async def top_units(repo: UnitOfWork, who: Viewer, area: Area) -> list[UnitRecord]:
    """Where this area starts for the viewer: the units their roles sit on (the roots for an
    administrator), leaving out any that lies under another of them."""
    ids = await repo.roles.roots() if who.admin else who.role_units(AREA_ACTION[area])
    chosen = set(ids)
    tops: list[UnitRecord] = []
    for unit_id in ids:
        above = set((await repo.roles.ancestors(unit_id))[1:])
        if above.isdisjoint(chosen):
            unit = await repo.units.unit(unit_id)
            if unit is not None:
                tops.append(unit)
    return sorted(tops, key=lambda u: u.name)


async def trail(repo: UnitOfWork, who: Viewer, area: Area, unit: UnitRecord) -> list[UnitRecord]:
    """The breadcrumbs to a unit: its ancestors the viewer may open in this area, the highest
    first, the unit itself last. A leader of a group never sees the ward above it named here."""
    action = AREA_ACTION[area]
    up = await repo.roles.ancestors(unit.id)  # the unit first
    held = set(up) if who.admin else set(who.role_units(action))
    # The first ancestor (from the top) that a role sits on starts the trail.
    chain = list(reversed(up))
    start = next((i for i, u in enumerate(chain) if u in held), len(chain) - 1)
    out: list[UnitRecord] = []
    for unit_id in chain[start:]:
        found = unit if unit_id == unit.id else await repo.units.unit(unit_id)
        if found is not None:
            out.append(found)
    return out
