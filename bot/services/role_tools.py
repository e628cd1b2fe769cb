"""What a person's roles let them open in the chat: one message with the commands (and buttons)
for an instructor's or a mentor's tools, after "/roles" and the console's "/demo role"."""

from __future__ import annotations

from bot.services import scope
from bot.services.io import Option, Out
from bot.services.permissions import Action
from bot.services.turn import Turn


async def tools(turn: Turn) -> list[Out]:
    tr, deps, repo, me = turn.tr, turn.deps, turn.repo, turn.learner.id
    lines, options = [], []
    if scope.allowed(await scope.of(deps, repo, me, Action.OPEN_CLASS)):
        lines.append(tr("tools.instructor"))
        options += [Option("cmd:class", tr("tools.class")),
                    Option("cmd:challenge", tr("tools.challenge")),
                    Option("cmd:review", tr("tools.review"))]
    if scope.allowed(await scope.of(deps, repo, me, Action.PEER_REVIEW)):
        lines.append(tr("tools.mentor"))
    if lines:
        options.append(Option("cmd:mentor", tr("tools.mentor_button")))
    if not lines:
        return []
    return [Out(title=tr("tools.title"), text="\n".join(lines), options=tuple(options))]
