"""Roles in the chat: opening an invite (link or typed code) and confirming it, "/roles" (mine),
"/invite" for officials and administrators within their subtree, and the console's "/demo role".

Every function takes what it needs from the chat's turn (`bot/services/chat/roles.py` routes to
them); the invite a person is asked to confirm waits in the conversation
(`Conversation.role_invite`), so the tapped "rl:yes" carries no id anyone could forge.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import buttons, invites, permissions, throttle
from bot.services.context import Deps
from bot.services.conversation import Conversation
from bot.services.invites import InviteProblem
from bot.services.io import Inbound, Out
from bot.services.permissions import Action, Role
from bot.services.ports import LearnerRecord, Store, UnitOfWork, UnitRecord
from lessons.textnorm import fold

DEMO_CHANNEL = "console"
MAX_PICK = 12  # units offered as buttons; more are typed as "/invite CODE ROLE"
_TYPED_PREFIX = re.compile(r"^\s*(?:/?role\s+|(?:nhan\s+)?vai\s*tro\s+|ma\s+moi\s+)", re.I)
# Names a person may type for a role, without diacritics.
_ROLE_WORDS = {
    "leader": Role.LEADER,
    "truong nhom": Role.LEADER,
    "to truong": Role.LEADER,
    "instructor": Role.INSTRUCTOR,
    "giang vien": Role.INSTRUCTOR,
    "giang vien nong cot": Role.INSTRUCTOR,
    "mentor": Role.MENTOR,
    "nguoi huong dan": Role.MENTOR,
    "huong dan": Role.MENTOR,
    "official": Role.OFFICIAL,
    "can bo": Role.OFFICIAL,
    "admin": Role.ADMIN,
    "quan tri": Role.ADMIN,
    "quan tri vien": Role.ADMIN,
}


def role_name(tr: Translator, role: str) -> str:
    return tr(f"roles.name.{role}")


def parse_role(text: str) -> Role | None:
    return _ROLE_WORDS.get(" ".join(fold(text or "").split()))


def typed_code(text: str) -> str | None:
    """An invite code typed as a message: 'ABCDEF-GHJKMN-PQRSTU', 'r_ABC...', 'vai trò ABC...'."""
    folded = fold(text or "")
    prefix = _TYPED_PREFIX.match(folded)
    rest = text.strip()[prefix.end() :] if prefix else text
    code = invites.normalise(rest)
    if code is None:
        return None
    bare = rest.strip()
    # A bare 18-letter word is taken for a code only when it is written like one.
    if prefix or bare.lower().startswith(invites.DEEP_LINK_PREFIX) or "-" in bare or " " in bare:
        return code
    return None


def _until(learner: LearnerRecord, at: datetime) -> str:
    return at.astimezone(ZoneInfo(learner.timezone)).strftime("%H:%M %d/%m/%Y")


async def _unit_name(repo: UnitOfWork, unit_id: int) -> str:
    unit = await repo.units.unit(unit_id)
    return unit.name if unit else "?"


# ---- opening and confirming an invite -------------------------------------------------------


async def open_code(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    event: Inbound,
    raw: str,
) -> list[Out]:
    """A code from a deep link or typed: show what it grants and ask for a yes. Changes nothing
    but the throttle counter (a wrong code) and the pending invite in the state."""
    now = deps.now()
    who = throttle.keys(learner.id, event.channel, event.chat_id)
    if await throttle.blocked(repo, who, now):
        return [Out(text=tr("roles.throttled", minutes=throttle.window_minutes()))]
    code = invites.normalise(raw)
    invite, problem = (
        (None, InviteProblem.UNKNOWN)
        if code is None
        else await invites.find_invite(repo, code, learner.id, now)
    )
    if problem is not None or invite is None:
        state.role_invite = None
        if problem is InviteProblem.HELD and invite is not None:
            return [
                Out(
                    text=tr(
                        "roles.invite.held",
                        role=role_name(tr, invite.role),
                        unit=await _unit_name(repo, invite.unit_id),
                    )
                )
            ]
        await throttle.failed(repo, who, now)
        return [Out(text=tr(f"roles.invite.{(problem or InviteProblem.UNKNOWN).value}"))]
    state.role_invite = invite.id
    return [
        Out(
            title=tr("roles.invite.offer_title"),
            text=tr(
                "roles.invite.offer",
                role=role_name(tr, invite.role),
                unit=await _unit_name(repo, invite.unit_id),
                until=_until(learner, invite.expires_at),
            ),
            options=(
                buttons.RoleInvite("yes").as_option(tr("roles.invite.accept")),
                buttons.RoleInvite("no").as_option(tr("roles.invite.decline")),
            ),
        )
    ]


async def answer_invite(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    state: Conversation,
    yes: bool,
) -> list[Out]:
    """ "rl:yes" / "rl:no": the invite waiting in the conversation taken or declined."""
    pending, state.role_invite = state.role_invite, None
    if pending is None:
        return [Out(text=tr("roles.invite.nothing_open"))]
    if not yes:
        return [Out(text=tr("roles.invite.declined"))]
    invite = await repo.roles.invite_by_id(pending)
    granted, problem = await invites.accept_invite(repo, pending, learner.id, deps.now())
    if granted is None or problem is not None:
        problem = problem or InviteProblem.USED
        if problem is InviteProblem.HELD and invite is not None:
            return [
                Out(
                    text=tr(
                        "roles.invite.held",
                        role=role_name(tr, invite.role),
                        unit=await _unit_name(repo, invite.unit_id),
                    )
                )
            ]
        return [Out(text=tr(f"roles.invite.{problem.value}"))]
    return [
        Out(
            text=tr(
                "roles.invite.accepted",
                role=role_name(tr, granted.role),
                unit=await _unit_name(repo, granted.unit_id),
            )
        )
    ]


async def make_choice(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    button: buttons.RoleInvite,
) -> list[Out]:
    """ "rl:unit:<unit>" (then pick a role) or "rl:make:<unit>:<role>" (make the invite); the
    unit and role are checked against this person's rights again, whatever the key says."""
    unit = await repo.units.unit(button.unit)
    if unit is None:
        return [Out(text=tr("choice.stale"))]
    if button.action == "unit":
        return await _pick_role(deps, repo, learner, tr, unit)
    return await _make(deps, repo, learner, tr, unit, Role(button.role))


# ---- "/roles" and "/invite" -----------------------------------------------------------------

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


# ---- the console demo -----------------------------------------------------------------------


async def _demo_unit(repo: UnitOfWork, learner: LearnerRecord, role: Role) -> UnitRecord | None:
    """The learner's own group for group roles, the unit above it for an official, the root for
    an administrator."""
    start = learner.unit_id
    if start is None:
        roots = await repo.roles.roots()
        start = roots[0] if roots else None
    if start is None:
        return None
    chain = await repo.roles.ancestors(start)  # the unit first, the root last
    pick = {Role.OFFICIAL: chain[1] if len(chain) > 1 else chain[0], Role.ADMIN: chain[-1]}
    return await repo.units.unit(pick.get(role, chain[0]))


async def demo(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    event: Inbound,
    args: str,
) -> list[Out]:
    """'/demo role leader|instructor|mentor|official|admin|learner': the console only."""
    if event.channel != DEMO_CHANNEL:
        return [Out(text=tr("roles.demo.only_console"))]
    words = args.split()
    wanted = words[1].lower() if len(words) == 2 and words[0].lower() == "role" else ""
    if wanted not in {*Role, "learner"}:
        return [Out(text=tr("roles.demo.usage"))]
    now = deps.now()
    for held in await repo.roles.active_roles(learner.id):
        await invites.revoke(repo, held.id, learner.id, now, via="demo")
    if wanted == "learner":
        return [Out(text=tr("roles.demo.learner"))]
    role = Role(wanted)
    unit = await _demo_unit(repo, learner, role)
    if unit is None:
        return [Out(text=tr("roles.demo.no_units"))]
    await invites.grant(repo, learner.id, role, unit.id, learner.id, now, via="demo")
    return [Out(text=tr("roles.demo.switched", role=role_name(tr, role), unit=unit.name))]


async def ensure_demo_admin(
    store: Store,
    channel: str,
    external_id: str,
    nickname: str,
    timezone: str,
    now: datetime,
) -> None:
    """The console demo user starts as the administrator of the demo tree, by a real grant (the
    permission check has no special case for the console). Granted once: after a '/demo role'
    switch the choice stays across restarts."""
    async with store.transaction() as repo:
        roots = await repo.roles.roots()
        if not roots:
            return
        identity = await repo.learners.identity(channel, external_id)
        if identity is None:
            learner, _ = await repo.learners.create_learner(
                channel, external_id, external_id, nickname, timezone, now
            )
            learner_id = learner.id
        else:
            learner_id = identity.learner_id
            if await repo.roles.events_of(learner_id, 1):
                return
        await invites.grant(repo, learner_id, Role.ADMIN, roots[0], None, now, via="demo")
