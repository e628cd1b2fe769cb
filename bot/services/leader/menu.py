"""The leader's menu: /group, the unit a tapped id names (checked with `permissions.can`), and
the "ld:" buttons."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import buttons, permissions
from bot.services.context import Deps
from bot.services.conversation import Conversation
from bot.services.invites import Event
from bot.services.io import Out
from bot.services.leader.announce import send_announcement, start_announcement
from bot.services.leader.nudge import nudge, set_reminders
from bot.services.leader.roster import (
    IDLE_DAYS,
    _allowed_unit,
    rank_line,
    reach_text,
    roster,
    roster_text,
)
from bot.services.permissions import Action
from bot.services.ports import LearnerRecord, UnitOfWork, UnitRecord

# Buttons: `buttons.Leader` ("ld:menu:<unit>", "ld:roster:<unit>", ..., "ld:optout").


async def group_command(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, args: str
) -> list[Out]:
    """'/group' (or "quản lý nhóm"): the menu of one's group; '/group T05' names the unit."""
    code = args.strip().split()[0] if args.strip() else ""
    if code:
        unit = await repo.units.unit_by_code(code)
        # The same answer whether the unit exists or not: nothing leaks about other units.
        if unit is None or not await permissions.can(
            repo, learner.id, Action.VIEW_ROSTER, unit.id, admins=deps.admins
        ):
            return [Out(text=tr("roles.not_allowed"))]
        return await menu(deps, repo, learner, tr, unit)
    held = [
        r
        for r in await permissions.roles_of(repo, learner.id)
        if permissions.allows(r.role, Action.VIEW_ROSTER)
    ]
    unit_ids = sorted({r.unit_id for r in held})
    if not unit_ids:
        admin = await permissions.is_admin(repo, learner.id, deps.admins)
        return [Out(text=tr("leader.type_code" if admin else "leader.not_leader"))]
    if len(unit_ids) == 1:
        unit = await repo.units.unit(unit_ids[0])
        assert unit is not None
        return await menu(deps, repo, learner, tr, unit)
    units = [u for u in [await repo.units.unit(i) for i in unit_ids] if u is not None]
    return [
        Out(
            text=tr("leader.pick_unit"),
            options=tuple(buttons.Leader("menu", u.id).as_option(u.name) for u in units),
        )
    ]


async def menu(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, unit: UnitRecord
) -> list[Out]:
    r = await roster(deps, repo, unit)
    lines = [
        tr(
            "leader.menu.members",
            members=len(r.rows),
            today=r.studied_today,
            rate=round(100 * r.studied_today / len(r.rows)) if r.rows else 0,
        )
    ]
    if (rank := await rank_line(repo, r, tr)) is not None:
        lines.append(rank)
    lines.append(
        tr("leader.menu.idle", idle=len(r.idle()), days=IDLE_DAYS, reach=len(r.to_reach()))
    )
    options = [
        buttons.Leader("roster", unit.id).as_option(tr("leader.btn.roster")),
        buttons.Leader("reach", unit.id).as_option(tr("leader.btn.reach")),
    ]
    can = permissions.can
    if await can(repo, learner.id, Action.NUDGE, unit.id, admins=deps.admins):
        options.append(buttons.Leader("nudge", unit.id).as_option(tr("leader.btn.nudge")))
    if await can(repo, learner.id, Action.ANNOUNCE, unit.id, admins=deps.admins):
        options.append(buttons.Leader("ann", unit.id).as_option(tr("leader.btn.announce")))
    children = [u for u in await repo.units.units() if u.parent_id == unit.id][:10]
    options += [buttons.Leader("menu", u.id).as_option(u.name) for u in children]
    return [
        Out(
            title=tr("leader.menu.title", group=unit.name),
            text="\n".join(lines),
            options=tuple(options),
        )
    ]


_NEEDS = {
    "menu": Action.VIEW_ROSTER,
    "roster": Action.VIEW_ROSTER,
    "reach": Action.VIEW_ROSTER,
    "nudge": Action.NUDGE,
    "ann": Action.ANNOUNCE,
    "annok": Action.ANNOUNCE,
}


async def choice(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    button: buttons.Leader,
) -> list[Out]:
    action = button.action
    if action == "optout":
        return await set_reminders(deps, repo, learner, tr, on=False)
    if action == "optin":
        return await set_reminders(deps, repo, learner, tr, on=True)
    if action == "annno":
        state.leader_draft = None
        return [Out(text=tr("leader.announce.cancelled"))]
    unit = await _allowed_unit(deps, repo, learner, button.unit, _NEEDS[action])
    if unit is None:
        return [Out(text=tr("roles.not_allowed"))]
    if action == "menu":
        return await menu(deps, repo, learner, tr, unit)
    if action in ("roster", "reach"):  # who looked at whose members, for the officials above
        await repo.roles.log(
            learner.id, Event.VIEW_ROSTER, None, unit.id, {"view": action}, deps.now()
        )
    if action == "roster":
        r = await roster(deps, repo, unit)
        return [
            Out(
                title=tr("leader.roster.title", group=unit.name, day=r.today.strftime("%d/%m")),
                text=roster_text(tr, r),
            )
        ]
    if action == "reach":
        r = await roster(deps, repo, unit)
        return [Out(title=tr("leader.reach.title", group=unit.name), text=reach_text(tr, r))]
    if action == "nudge":
        return await nudge(deps, repo, learner, tr, unit)
    if action == "ann":
        return await start_announcement(deps, repo, learner, tr, state, unit)
    return await send_announcement(deps, repo, learner, tr, state, unit)
