"""The permission matrix: every role times every action, inside and outside the role's subtree,
plus a plain learner and the HOCAI_ADMINS administrators; the table itself, read as a grid."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.services import permissions
from bot.services.permissions import ALLOWED, Action, Role, can, units_in_scope
from bot.services.units import import_units
from tests.conftest import Chat
from tests.roles.conftest import CLASS_CSV, give, person, unit_id

A = Action
# The policy written out a second time, as the issue states it, so a slip in the table shows.
GRID: dict[Role, set[Action]] = {
    Role.LEADER: {A.VIEW_ROSTER, A.NUDGE, A.ANNOUNCE, A.VIEW_REPORT},
    Role.INSTRUCTOR: {
        A.VIEW_ROSTER,
        A.NUDGE,
        A.ANNOUNCE,
        A.VIEW_REPORT,
        A.OPEN_CLASS,
        A.CLOSE_CLASS,
        A.CREATE_CHALLENGE,
        A.REVIEW,
        A.CHECK_IN_SESSION,
        A.PROPOSE_MENTOR,
    },
    Role.MENTOR: {A.PEER_REVIEW},
    Role.OFFICIAL: {
        A.VIEW_ROSTER,
        A.ANNOUNCE,
        A.VIEW_DASHBOARD,
        A.VIEW_REPORT,
        A.INVITE_ROLE,
        A.REVOKE_ROLE,
        A.VIEW_AUDIT,
        A.REVOKE_CERTIFICATE,
    },
    Role.ADMIN: set(Action),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_the_table(role: Role, action: Action) -> None:
    assert permissions.allows(role, action) is (action in GRID[role])
    assert (action in ALLOWED[role]) is (action in GRID[role])


def test_unknown_names_allow_nothing() -> None:
    assert not permissions.allows("mayor", Action.NUDGE)
    assert not permissions.allows(Role.ADMIN, "launch_rockets")
    assert not permissions.may_hand_out("mayor", Role.LEADER)


def test_who_hands_out_which_role() -> None:
    assert permissions.may_hand_out(Role.ADMIN, Role.ADMIN)
    assert permissions.may_hand_out(Role.OFFICIAL, Role.LEADER)
    assert not permissions.may_hand_out(Role.OFFICIAL, Role.ADMIN)
    for role in (Role.LEADER, Role.INSTRUCTOR, Role.MENTOR):
        assert not any(permissions.may_hand_out(role, other) for other in Role)


# Where each role sits in the tree TN > PDP > {T05 > T05-L1, T07}, and what is inside/outside.
HOME = {
    Role.LEADER: "T05",
    Role.INSTRUCTOR: "T05",
    Role.MENTOR: "T05-L1",
    Role.OFFICIAL: "PDP",
    Role.ADMIN: "PDP",
}
INSIDE = {"T05": ["T05", "T05-L1"], "T05-L1": ["T05-L1"], "PDP": ["PDP", "T05", "T05-L1", "T07"]}
OUTSIDE = {"T05": ["T07", "PDP", "TN"], "T05-L1": ["T05", "T07", "PDP", "TN"], "PDP": ["TN"]}


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_times_every_action_inside_and_outside(any_app: App, role: Role) -> None:
    app = any_app
    await import_units(app.store, CLASS_CSV)
    holder = await give(app, Chat(app, "5001"), role, HOME[role])
    ids = {code: await unit_id(app, code) for code in ("TN", "PDP", "T05", "T05-L1", "T07")}
    async with app.store.transaction() as repo:
        for action in Action:
            for code in INSIDE[HOME[role]]:
                assert await can(repo, holder, action, ids[code], admins=()) is (
                    action in GRID[role]
                ), (role, action, code)
            for code in OUTSIDE[HOME[role]]:
                assert not await can(repo, holder, action, ids[code], admins=()), (
                    role,
                    action,
                    code,
                )
            # The whole tree (a province-wide queue) is more than a ward's role covers.
            assert not await can(repo, holder, action, None, admins=())
            scope = await units_in_scope(repo, holder, action, admins=())
            assert scope == (
                {ids[c] for c in INSIDE[HOME[role]]} if action in GRID[role] else set()
            )


async def test_a_plain_learner_may_do_nothing(any_app: App) -> None:
    app = any_app
    learner = await person(app, Chat(app, "5002"))
    async with app.store.transaction() as repo:
        units = [u.id for u in await repo.units.units()]
        for action in Action:
            assert not await can(repo, learner, action, None, admins=())
            for unit in units:
                assert not await can(repo, learner, action, unit, admins=())
            assert await units_in_scope(repo, learner, action, admins=()) == set()


async def test_hocai_admins_may_do_everything_everywhere(app: App) -> None:
    admin = await person(app, Chat(app, "9000"))
    other = await person(app, Chat(app, "9001"))
    admins = frozenset({"telegram:9000"})
    async with app.store.transaction() as repo:
        every = {u.id for u in await repo.units.units()}
        for action in Action:
            assert await can(repo, admin, action, None, admins=admins)
            assert all([await can(repo, admin, action, u, admins=admins) for u in every])
            assert await units_in_scope(repo, admin, action, admins=admins) == every
            assert not await can(repo, other, action, None, admins=admins)


async def test_a_role_on_the_root_covers_the_whole_tree(app: App) -> None:
    admin = await give(app, Chat(app, "5003"), Role.ADMIN, "TN")
    async with app.store.transaction() as repo:
        assert await can(repo, admin, Action.REVIEW, None, admins=())


async def test_a_revoked_role_allows_nothing(app: App) -> None:
    leader = await give(app, Chat(app, "5004"), Role.LEADER, "T05")
    t05 = await unit_id(app, "T05")
    async with app.store.transaction() as repo:
        grant = (await repo.roles.active_roles(leader))[0]
        await repo.roles.revoke(grant.id, app.deps.now())
        assert not await can(repo, leader, Action.NUDGE, t05, admins=())
        # Revoked grants stay for the audit, and the same role can be given again.
        assert await repo.roles.grant(leader, Role.LEADER, t05, None, app.deps.now())
        assert await repo.roles.grant(leader, Role.LEADER, t05, None, app.deps.now()) is None
        assert len(await repo.roles.grants_in([t05], include_revoked=True)) == 2
