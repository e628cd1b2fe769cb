"""What a person's roles let them open in the chat: one message with the commands (and buttons)
for a leader's, an official's, an instructor's or a mentor's tools, after "/roles" and the
console's "/demo role"."""

from __future__ import annotations

from bot.services import buttons, scope
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.permissions import Action


async def tools(turn: Turn) -> list[Out]:
    tr, deps, repo, me = turn.tr, turn.deps, turn.repo, turn.learner.id
    lines, options = [], []
    if scope.allowed(await scope.of(deps, repo, me, Action.VIEW_ROSTER)):
        lines.append(tr("tools.leader"))  # leaders, instructors and officials
        options.append(buttons.Command("group").as_option(tr("tools.group")))
    if scope.allowed(await scope.of(deps, repo, me, Action.INVITE_ROLE)):
        lines.append(tr("tools.official"))
        options.append(buttons.Command("invite").as_option(tr("tools.invite")))
    if scope.allowed(await scope.of(deps, repo, me, Action.OPEN_CLASS)):
        lines.append(tr("tools.instructor"))
        options += [
            buttons.Command("class").as_option(tr("tools.class")),
            buttons.Command("challenge").as_option(tr("tools.challenge")),
            buttons.Command("review").as_option(tr("tools.review")),
        ]
    if scope.allowed(await scope.of(deps, repo, me, Action.PEER_REVIEW)):
        lines.append(tr("tools.mentor"))
    if not lines:
        return []
    if scope.allowed(await scope.of(deps, repo, me, Action.PEER_REVIEW)) or scope.allowed(
        await scope.of(deps, repo, me, Action.PROPOSE_MENTOR)
    ):
        options.append(buttons.Command("mentor").as_option(tr("tools.mentor_button")))
    return [Out(title=tr("tools.title"), text="\n".join(lines), options=tuple(options))]
