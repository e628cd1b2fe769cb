"""Roles in the chat: opening an invite (link or typed code) and confirming it, "/roles" (mine),
"/invite" for officials and administrators within their subtree, and the console's "/demo role".

Every function takes what it needs from the dialog's turn; the turn keeps `state` (the invite a
person is asked to confirm waits there, so a tapped button carries no id anyone could forge).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import invites, permissions, throttle
from bot.services.context import Deps
from bot.services.invites import InviteProblem
from bot.services.io import Inbound, Option, Out
from bot.services.permissions import Action, Role
from bot.services.ports import LearnerRecord, Store, UnitOfWork, UnitRecord
from lessons.textnorm import fold

PREFIX = "rl"  # button keys: rl:yes, rl:no, rl:unit:<id>, rl:make:<id>:<role>
PENDING = "role_invite"  # identity state: the invite waiting for this person's yes or no
DEMO_CHANNEL = "console"
MAX_PICK = 12  # units offered as buttons; more are typed as "/invite CODE ROLE"
_MAX_ID = 2**31
_TYPED_PREFIX = re.compile(r"^\s*(?:/?role\s+|(?:nhan\s+)?vai\s*tro\s+|ma\s+moi\s+)", re.I)
# Names a person may type for a role, without diacritics.
_ROLE_WORDS = {
    "leader": Role.LEADER, "truong nhom": Role.LEADER, "to truong": Role.LEADER,
    "instructor": Role.INSTRUCTOR, "giang vien": Role.INSTRUCTOR,
    "giang vien nong cot": Role.INSTRUCTOR,
    "mentor": Role.MENTOR, "nguoi huong dan": Role.MENTOR, "huong dan": Role.MENTOR,
    "official": Role.OFFICIAL, "can bo": Role.OFFICIAL,
    "admin": Role.ADMIN, "quan tri": Role.ADMIN, "quan tri vien": Role.ADMIN,
}


def role_name(tr: Translator, role: str) -> str:
    return tr(f"roles.name.{role}")


def parse_role(text: str) -> Role | None:
    return _ROLE_WORDS.get(" ".join(fold(text or "").split()))


def typed_code(text: str) -> str | None:
    """An invite code typed as a message: 'ABCDEF-GHJKMN-PQRSTU', 'r_ABC...', 'vai trò ABC...'."""
    folded = fold(text or "")
    prefix = _TYPED_PREFIX.match(folded)
    rest = text.strip()[prefix.end():] if prefix else text
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
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, state: dict[str, object],
    event: Inbound, raw: str,
) -> list[Out]:
    """A code from a deep link or typed: show what it grants and ask for a yes. Changes nothing
    but the throttle counter (a wrong code) and the pending invite in the state."""
    now = deps.now()
    who = throttle.keys(learner.id, event.channel, event.chat_id)
    if await throttle.blocked(repo, who, now):
        return [Out(text=tr("roles.throttled", minutes=int(throttle.WINDOW.total_seconds() // 60)))]
    code = invites.normalise(raw)
    invite, problem = (None, InviteProblem.UNKNOWN) if code is None else \
        await invites.find_invite(repo, code, learner.id, now)
    if problem is not None or invite is None:
        state.pop(PENDING, None)
        if problem is InviteProblem.HELD and invite is not None:
            return [Out(text=tr("roles.invite.held", role=role_name(tr, invite.role),
                                unit=await _unit_name(repo, invite.unit_id)))]
        await throttle.failed(repo, who, now)
        return [Out(text=tr(f"roles.invite.{(problem or InviteProblem.UNKNOWN).value}"))]
    state[PENDING] = invite.id
    return [Out(title=tr("roles.invite.offer_title"),
                text=tr("roles.invite.offer", role=role_name(tr, invite.role),
                        unit=await _unit_name(repo, invite.unit_id),
                        until=_until(learner, invite.expires_at)),
                options=(Option(f"{PREFIX}:yes", tr("roles.invite.accept")),
                         Option(f"{PREFIX}:no", tr("roles.invite.decline"))))]


async def _answer_invite(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, state: dict[str, object],
    yes: bool,
) -> list[Out]:
    pending = state.pop(PENDING, None)
    if not isinstance(pending, int):
        return [Out(text=tr("roles.invite.nothing_open"))]
    if not yes:
        return [Out(text=tr("roles.invite.declined"))]
    invite = await repo.roles.invite_by_id(pending)
    granted, problem = await invites.accept_invite(repo, pending, learner.id, deps.now())
    if granted is None or problem is not None:
        problem = problem or InviteProblem.USED
        if problem is InviteProblem.HELD and invite is not None:
            return [Out(text=tr("roles.invite.held", role=role_name(tr, invite.role),
                                unit=await _unit_name(repo, invite.unit_id)))]
        return [Out(text=tr(f"roles.invite.{problem.value}"))]
    return [Out(text=tr("roles.invite.accepted", role=role_name(tr, granted.role),
                        unit=await _unit_name(repo, granted.unit_id)))]


async def choice(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, state: dict[str, object],
    rest: str,
) -> list[Out]:
    """A tapped (or numbered) "rl:..." option."""
    if rest in ("yes", "no"):
        return await _answer_invite(deps, repo, learner, tr, state, rest == "yes")
    action, _, args = rest.partition(":")
    raw_id, _, role = args.partition(":")
    if not raw_id.isdigit() or int(raw_id) >= _MAX_ID:
        return [Out(text=tr("choice.stale"))]
    unit = await repo.units.unit(int(raw_id))
    if unit is None:
        return [Out(text=tr("choice.stale"))]
    if action == "unit":
        return await _pick_role(deps, repo, learner, tr, unit)
    if action == "make":
        try:
            picked = Role(role)
        except ValueError:
            return [Out(text=tr("choice.stale"))]
        return await _make(deps, repo, learner, tr, unit, picked)
    return [Out(text=tr("choice.stale"))]


# ---- "/roles" and "/invite" -----------------------------------------------------------------

async def my_roles(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator) -> list[Out]:
    held = await permissions.roles_of(repo, learner.id)
    admin = await permissions.is_admin(repo, learner.id, deps.admins)
    if not held and not admin:
        return [Out(text=tr("roles.mine_none"))]
    rows = [tr("roles.mine_row", role=role_name(tr, Role.ADMIN), unit="HOCAI_ADMINS")] \
        if admin else []
    rows += [tr("roles.mine_row", role=role_name(tr, r.role),
                unit=await _unit_name(repo, r.unit_id)) for r in held]
    return [Out(title=tr("roles.mine_title"), text="\n".join(rows))]


async def invite_command(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, args: str,
) -> list[Out]:
    """'/invite' picks a unit, then a role; '/invite T05 leader' makes the code at once."""
    scope = await permissions.units_in_scope(repo, learner.id, Action.INVITE_ROLE,
                                             admins=deps.admins)
    if not scope:
        return [Out(text=tr("roles.not_allowed"))]
    words = args.split()
    if not words:
        units = sorted((u for u in await repo.units.units() if u.id in scope),
                       key=lambda u: (u.parent_id is not None, u.code))[:MAX_PICK]
        return [Out(text=tr("roles.make.pick_unit"), options=tuple(
            Option(f"{PREFIX}:unit:{u.id}", u.name) for u in units))]
    unit = await repo.units.unit_by_code(words[0])
    if unit is None or unit.id not in scope:
        return [Out(text=tr("roles.make.unknown_unit", code=words[0][:20]))]
    if len(words) == 1:
        return await _pick_role(deps, repo, learner, tr, unit)
    role = parse_role(" ".join(words[1:]))
    if role is None:
        return [Out(text=tr("roles.make.unknown_role", role=" ".join(words[1:])[:20],
                            roles=", ".join(r.value for r in Role)))]
    return await _make(deps, repo, learner, tr, unit, role)


async def _grantable(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, unit: UnitRecord
                     ) -> list[Role]:
    return [r for r in Role
            if await permissions.may_grant(repo, learner.id, r, unit.id, admins=deps.admins)]


async def _pick_role(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator,
                     unit: UnitRecord) -> list[Out]:
    roles = await _grantable(deps, repo, learner, unit)
    if not roles:
        return [Out(text=tr("roles.not_allowed"))]
    return [Out(text=tr("roles.make.pick_role", unit=unit.name), options=tuple(
        Option(f"{PREFIX}:make:{unit.id}:{r.value}", role_name(tr, r)) for r in roles))]


async def _make(deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator,
                unit: UnitRecord, role: Role) -> list[Out]:
    if not await permissions.may_grant(repo, learner.id, role, unit.id, admins=deps.admins):
        return [Out(text=tr("roles.not_allowed"))]
    made = await invites.make_invite(repo, unit, role, learner.id, deps.now())
    out = [Out(text=tr("roles.make.done", role=role_name(tr, role), unit=unit.name,
                       until=_until(learner, made.invite.expires_at), code=made.typed))]
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
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, event: Inbound, args: str,
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
    store: Store, channel: str, external_id: str, nickname: str, timezone: str, now: datetime,
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
            learner, _ = await repo.learners.create_learner(channel, external_id, external_id, nickname,
                                                   timezone, now)
            learner_id = learner.id
        else:
            learner_id = identity.learner_id
            if await repo.roles.events_of(learner_id, 1):
                return
        await invites.grant(repo, learner_id, Role.ADMIN, roots[0], None, now, via="demo")
