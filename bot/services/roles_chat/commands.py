""" "/roles" and "/invite": one's roles, the audit of grants, and making an invite."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import buttons, invites, permissions
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.permissions import Action, Role
from bot.services.ports import LearnerRecord, UnitOfWork, UnitRecord
from bot.services.roles_chat.words import MAX_PICK, _unit_name, _until, parse_role, role_name
from lessons.textnorm import fold

AUDIT_ROWS = 15


async def roles_command(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, args: str
) -> list[Out]:
    """'/roles': mine; '/roles log' (officials, administrators): the role log of my units."""
    if fold(args).strip() in ("log", "nhat ky", "lich su"):
        return await audit(deps, repo, learner, tr)
    return await my_roles(deps, repo, learner, tr)


async def audit(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> list[Out]:
    """Who did what, when, to whom, in the units under mine (newest first)."""
    scope = await permissions.units_in_scope(
        repo, learner.id, Action.VIEW_AUDIT, admins=deps.admins
    )
    if not scope:
        return [Out(text=tr("roles.not_allowed"))]
    events = await repo.roles.events(sorted(scope), AUDIT_ROWS)
    if not events:
        return [Out(text=tr("roles.audit.empty"))]
    zone = ZoneInfo(learner.timezone)
    names: dict[int, str] = {}

    async def name(learner_id: int | None) -> str:
        if learner_id is None:
            return tr("roles.audit.server")
        if learner_id not in names:
            found = await repo.learners.learner(learner_id)
            names[learner_id] = found.public_name if found else "?"
        return names[learner_id]

    rows = []
    for e in events:
        role = e.detail.get("role")
        try:
            action = tr(f"roles.audit.{e.action}")
        except KeyError:  # an action a newer feature logs without a text yet
            action = e.action
        rows.append(
            tr(
                "roles.audit.row",
                at=e.at.astimezone(zone).strftime("%d/%m %H:%M"),
                actor=await name(e.actor_id),
                action=action,
                role=role_name(tr, role) if role else "",
                target=await name(e.target_id) if e.target_id else "",
                unit=await _unit_name(repo, e.unit_id) if e.unit_id else "",
            ).strip()
        )
    return [Out(title=tr("roles.audit.title"), text="\n".join(rows))]


async def my_roles(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator
) -> list[Out]:
    held = await permissions.roles_of(repo, learner.id)
    admin = await permissions.is_admin(repo, learner.id, deps.admins)
    if not held and not admin:
        return [Out(text=tr("roles.mine_none"))]
    rows = (
        [tr("roles.mine_row", role=role_name(tr, Role.ADMIN), unit="HOCAI_ADMINS")] if admin else []
    )
    rows += [
        tr("roles.mine_row", role=role_name(tr, r.role), unit=await _unit_name(repo, r.unit_id))
        for r in held
    ]
    return [Out(title=tr("roles.mine_title"), text="\n".join(rows))]


async def invite_command(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    args: str,
) -> list[Out]:
    """'/invite' picks a unit, then a role; '/invite T05 leader' makes the code at once."""
    scope = await permissions.units_in_scope(
        repo, learner.id, Action.INVITE_ROLE, admins=deps.admins
    )
    if not scope:
        return [Out(text=tr("roles.not_allowed"))]
    words = args.split()
    if not words:
        units = sorted(
            (u for u in await repo.units.units() if u.id in scope),
            key=lambda u: (u.parent_id is not None, u.code),
        )[:MAX_PICK]
        return [
            Out(
                text=tr("roles.make.pick_unit"),
                options=tuple(buttons.RoleInvite("unit", u.id).as_option(u.name) for u in units),
            )
        ]
    unit = await repo.units.unit_by_code(words[0])
    if unit is None or unit.id not in scope:
        return [Out(text=tr("roles.make.unknown_unit", code=words[0][:20]))]
    if len(words) == 1:
        return await _pick_role(deps, repo, learner, tr, unit)
    role = parse_role(" ".join(words[1:]))
    if role is None:
        return [
            Out(
                text=tr(
                    "roles.make.unknown_role",
                    role=" ".join(words[1:])[:20],
                    roles=", ".join(r.value for r in Role),
                )
            )
        ]
    return await _make(deps, repo, learner, tr, unit, role)


async def _grantable(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, unit: UnitRecord
) -> list[Role]:
    return [
        r
        for r in Role
        if await permissions.may_grant(repo, learner.id, r, unit.id, admins=deps.admins)
    ]


async def _pick_role(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, unit: UnitRecord
) -> list[Out]:
    roles = await _grantable(deps, repo, learner, unit)
    if not roles:
        return [Out(text=tr("roles.not_allowed"))]
    return [
        Out(
            text=tr("roles.make.pick_role", unit=unit.name),
            options=tuple(
                buttons.RoleInvite("make", unit.id, r.value).as_option(role_name(tr, r))
                for r in roles
            ),
        )
    ]


async def _make(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    unit: UnitRecord,
    role: Role,
) -> list[Out]:
    if not await permissions.may_grant(repo, learner.id, role, unit.id, admins=deps.admins):
        return [Out(text=tr("roles.not_allowed"))]
    made = await invites.make_invite(repo, unit, role, learner.id, deps.now())
    out = [
        Out(
            text=tr(
                "roles.make.done",
                role=role_name(tr, role),
                unit=unit.name,
                until=_until(learner, made.invite.expires_at),
                code=made.typed,
            )
        )
    ]
    if deps.bot_link:
        out.append(Out(text=tr("roles.make.link", link=made.deep_link(deps.bot_link))))
    return out
