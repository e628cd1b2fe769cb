"""Roles in the chat: an invite opened (a "/start r_<code>" link or a code typed, even while
joining) and answered, "/roles" (mine; "/roles log"), "/invite" and the console's "/demo role".
The flows are `bot.services.roles_chat`'s; these only hand them the turn's parts."""

from __future__ import annotations

from bot.services import buttons, roles_chat
from bot.services.chat import onboarding, tools
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.ports import LearnerStatus


async def open_invite(turn: Turn, args: str) -> list[Out]:
    """The hidden command "role <code>" that a deep link or a typed code comes in as."""
    if not args.strip():  # "/role" alone: no code to count as a wrong one; one's roles
        return await roles_command(turn, "")
    out = await roles_chat.open_code(
        turn.deps, turn.repo, turn.learner, turn.tr, turn.state, turn.event, args
    )
    if _joining(turn) and turn.state.role_invite is None:
        out += onboarding.ask(turn, turn.state.step)  # a wrong code: joining goes on
    return out


async def on_button(turn: Turn, button: buttons.RoleInvite) -> list[Out]:
    if button.action in ("yes", "no"):
        out = await roles_chat.answer_invite(
            turn.deps, turn.repo, turn.learner, turn.tr, turn.state, button.action == "yes"
        )
        if _joining(turn) and button.action == "yes":
            out += onboarding.ask(turn, turn.state.step)
        return out
    return await roles_chat.make_choice(turn.deps, turn.repo, turn.learner, turn.tr, button)


async def roles_command(turn: Turn, args: str) -> list[Out]:
    out = await roles_chat.roles_command(turn.deps, turn.repo, turn.learner, turn.tr, args)
    return out if args.strip() else out + await tools.tools(turn)  # what the roles open


async def invite_command(turn: Turn, args: str) -> list[Out]:
    return await roles_chat.invite_command(turn.deps, turn.repo, turn.learner, turn.tr, args)


async def demo(turn: Turn, args: str) -> list[Out]:
    out = await roles_chat.demo(turn.deps, turn.repo, turn.learner, turn.tr, turn.event, args)
    if args.split() and not _joining(turn):
        # Another role: a half-made draft of the previous one (a challenge's audience, an
        # announcement) would otherwise take the next thing typed.
        turn.state.step = None
        turn.state.challenge_draft = None
        turn.state.leader_draft = None
    return out + await tools.tools(turn) if args.split() else out


def _joining(turn: Turn) -> bool:
    return turn.learner.status == LearnerStatus.ONBOARDING
