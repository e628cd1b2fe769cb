"""Opening and confirming an invite: the code typed or tapped, the answer, the choice."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import buttons, invites, throttle
from bot.services.context import Deps
from bot.services.conversation import Conversation
from bot.services.invites import InviteProblem
from bot.services.io import Inbound, Out
from bot.services.permissions import Role
from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.roles_chat.commands import _make, _pick_role
from bot.services.roles_chat.words import _unit_name, _until, role_name


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
                Out(text=await _about(repo, tr, "roles.invite.held", invite.role, invite.unit_id))
            ]
        await throttle.failed(repo, who, now)
        return [Out(text=tr(f"roles.invite.{(problem or InviteProblem.UNKNOWN).value}"))]
    state.role_invite = invite.id
    return [
        Out(
            title=tr("roles.invite.offer_title"),
            text=await _about(
                repo,
                tr,
                "roles.invite.offer",
                invite.role,
                invite.unit_id,
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
                Out(text=await _about(repo, tr, "roles.invite.held", invite.role, invite.unit_id))
            ]
        return [Out(text=tr(f"roles.invite.{problem.value}"))]
    return [
        Out(text=await _about(repo, tr, "roles.invite.accepted", granted.role, granted.unit_id))
    ]


async def _about(
    repo: UnitOfWork, tr: Translator, key: str, role: str, unit_id: int, **more: object
) -> str:
    """A message about a role in a unit, each named as the person reads them."""
    return tr(key, role=role_name(tr, role), unit=await _unit_name(repo, unit_id), **more)


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
