"""Who may do what, where. A role is held on a unit and covers that unit's whole subtree and
nothing else; the people in HOCAI_ADMINS (`Deps.admins`, external ids) are administrators of the
whole tree. The table below is the policy; `can` and `units_in_scope` only apply it.

    if await can(repo, learner.id, Action.NUDGE, group.id, admins=deps.admins): ...
    if await can(repo, learner.id, Action.REVIEW, None, admins=deps.admins): ...  # everywhere

`admins` is required on purpose: a caller that forgot it would silently lock out the province's
administrators.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum

from bot.services.ports import RoleRecord, UnitOfWork


class Role(StrEnum):
    LEADER = "leader"  # tổ trưởng / trưởng nhóm: a neighbourhood group
    INSTRUCTOR = "instructor"  # giảng viên nòng cốt: a unit and the classes they open
    MENTOR = "mentor"  # người hướng dẫn: a class or group
    OFFICIAL = "official"  # cán bộ: a commune or the province; reads and announces
    ADMIN = "admin"  # quản trị: everything in the subtree


class Action(StrEnum):
    VIEW_ROSTER = "view_roster"  # members, who studied, who to reach
    NUDGE = "nudge"  # remind members who have not studied
    ANNOUNCE = "announce"  # a message to every member of the unit
    OPEN_CLASS = "open_class"  # a child unit of kind "lớp"
    CLOSE_CLASS = "close_class"
    CREATE_CHALLENGE = "create_challenge"
    REVIEW = "review"  # the review queue: confirm or change grades
    CHECK_IN_SESSION = "check_in_session"  # open an in-person session and take check-ins
    PROPOSE_MENTOR = "propose_mentor"  # make a learner of one's classes a mentor
    PEER_REVIEW = "peer_review"  # review peers' anonymised work (advice only)
    INVITE_ROLE = "invite_role"  # hand out roles with one-time invites
    REVOKE_ROLE = "revoke_role"
    VIEW_DASHBOARD = "view_dashboard"  # the officials' figures
    VIEW_REPORT = "view_report"  # the weekly digest and unit reports
    VIEW_AUDIT = "view_audit"  # the role log: who did what, when, to whom
    REVOKE_CERTIFICATE = "revoke_certificate"  # copied work, a name not the learner's


_LEAD = frozenset({Action.VIEW_ROSTER, Action.NUDGE, Action.ANNOUNCE, Action.VIEW_REPORT})

# The policy. Pure data: tests walk every role times every action.
ALLOWED: Mapping[Role, frozenset[Action]] = {
    Role.LEADER: _LEAD,
    Role.INSTRUCTOR: _LEAD
    | {
        Action.OPEN_CLASS,
        Action.CLOSE_CLASS,
        Action.CREATE_CHALLENGE,
        Action.REVIEW,
        Action.CHECK_IN_SESSION,
        Action.PROPOSE_MENTOR,
    },
    Role.MENTOR: frozenset({Action.PEER_REVIEW}),
    Role.OFFICIAL: frozenset(
        {
            Action.VIEW_ROSTER,
            Action.ANNOUNCE,
            Action.VIEW_DASHBOARD,
            Action.VIEW_REPORT,
            Action.INVITE_ROLE,
            Action.REVOKE_ROLE,
            Action.VIEW_AUDIT,
            Action.REVOKE_CERTIFICATE,
        }
    ),
    Role.ADMIN: frozenset(Action),
}

# Which roles a holder may hand out (by invite) or take back, inside their own subtree.
GRANTABLE: Mapping[Role, frozenset[Role]] = {
    Role.LEADER: frozenset(),
    Role.INSTRUCTOR: frozenset(),  # mentors come through PROPOSE_MENTOR, not invites
    Role.MENTOR: frozenset(),
    Role.OFFICIAL: frozenset({Role.LEADER, Role.INSTRUCTOR, Role.MENTOR, Role.OFFICIAL}),
    Role.ADMIN: frozenset(Role),
}


def allows(role: Role | str, action: Action | str) -> bool:
    """The table alone: does this role, on its own unit, allow this action?"""
    try:
        return Action(action) in ALLOWED[Role(role)]
    except ValueError:
        return False


def may_hand_out(holder: Role | str, role: Role | str) -> bool:
    try:
        return Role(role) in GRANTABLE[Role(holder)]
    except ValueError:
        return False


def external_admin(channel: str, external_id: str, admins: Collection[str]) -> bool:
    """HOCAI_ADMINS lists "telegram:123" or a bare "123"."""
    return f"{channel}:{external_id}" in admins or external_id in admins


async def is_admin(repo: UnitOfWork, person_id: int, admins: Collection[str]) -> bool:
    """In HOCAI_ADMINS on any channel the person uses."""
    if not admins:
        return False
    return any(
        external_admin(i.channel, i.external_id, admins)
        for i in await repo.learners.identities_of(person_id)
    )


async def _holding(repo: UnitOfWork, person_id: int, action: Action) -> list[RoleRecord]:
    return [r for r in await repo.roles.active_roles(person_id) if allows(r.role, action)]


async def can(
    repo: UnitOfWork,
    person_id: int,
    action: Action,
    unit_id: int | None,
    *,
    admins: Collection[str],
) -> bool:
    """May this person do this on this unit? `unit_id=None` asks about the whole tree (a
    province-wide queue, say): only administrators and roles on every root unit cover it."""
    if await is_admin(repo, person_id, admins):
        return True
    holding = await _holding(repo, person_id, action)
    if not holding:
        return False
    held_on = {r.unit_id for r in holding}
    if unit_id is None:
        roots = await repo.roles.roots()
        return bool(roots) and held_on.issuperset(roots)
    # One indexed lookup up the tree (unit_closure): is any unit the role sits on above (or at)
    # this one?
    return not held_on.isdisjoint(await repo.roles.ancestors(unit_id))


async def units_in_scope(
    repo: UnitOfWork,
    person_id: int,
    action: Action,
    *,
    admins: Collection[str],
) -> set[int]:
    """Every unit where this person may do this (the subtrees of their roles); empty if none."""
    if await is_admin(repo, person_id, admins):
        return await repo.roles.subtree(await repo.roles.roots())
    holding = await _holding(repo, person_id, action)
    return await repo.roles.subtree(sorted({r.unit_id for r in holding}))


async def may_grant(
    repo: UnitOfWork,
    person_id: int,
    role: Role,
    unit_id: int,
    *,
    admins: Collection[str],
) -> bool:
    """May this person hand out (or take back) `role` on `unit_id`?"""
    if await is_admin(repo, person_id, admins):
        return True
    above = set(await repo.roles.ancestors(unit_id))
    return any(
        r.unit_id in above and allows(r.role, Action.INVITE_ROLE) and may_hand_out(r.role, role)
        for r in await repo.roles.active_roles(person_id)
    )


async def roles_of(repo: UnitOfWork, person_id: int) -> list[RoleRecord]:
    return await repo.roles.active_roles(person_id)
