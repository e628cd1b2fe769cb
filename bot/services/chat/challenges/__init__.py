"""/challenge ("thử thách") in the chat: an instructor's challenges and a new one written step
by step; a learner's open challenges, their work for one, and the board.

Creation is a short dialog whose draft waits in the conversation (`state.challenge_draft`);
nothing is stored until the instructor taps "Tạo và gửi", and everything is checked again then.
The outbox, the deadline tick and the results are `bot.services.challenges`'. Taking part (the
work for one, the board) is bot/services/chat/challenge_entry.py.

The menu and its buttons are here; creating one, step by step, is creating.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services import buttons, scope
from bot.services.challenges import for_learner, short

# The steps' names are shared with taking part (challenge_entry); routes read STEP here.
from bot.services.chat.challenge_entry import STEP as STEP
from bot.services.chat.challenge_entry import board, do
from bot.services.chat.challenges.creating import (
    _ask_rubric,
    _set_audience,
    _set_deadline,
    _set_points,
    create,
    start_new,
)
from bot.services.chat.challenges.creating import on_text as on_text
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.permissions import Action
from bot.services.ports.challenges import ChallengeRecord, SendKind, SendStatus


async def command(turn: Turn, _args: str) -> list[Out]:
    if (turn.state.step or "").startswith(STEP + ":"):  # a draft's step left; joining steps stay
        turn.state.step = None
    return await menu(turn)


async def menu(turn: Turn) -> list[Out]:
    """/challenge: the learner's open challenges; for an instructor also theirs and "new"."""
    tr, repo, deps = turn.tr, turn.repo, turn.deps
    now = deps.now()
    out: list[Out] = []
    where = await scope.of(deps, repo, turn.learner.id, Action.CREATE_CHALLENGE)
    if scope.allowed(where):
        units = where if where is not None else {u.id for u in await repo.units.units()}
        made = await repo.challenges.challenges_in(units, 8)
        rows = [await _manager_row(turn, c) for c in made] or [tr("challenge.none_made")]
        out.append(
            Out(
                title=tr("challenge.made_title"),
                text="\n".join(rows),
                options=(
                    buttons.Challenge("new").as_option(tr("challenge.new_button")),
                    *(
                        buttons.Challenge("board", c.id).as_option(
                            tr("challenge.board_button_n", id=c.id)
                        )
                        for c in made[:6]
                    ),
                ),
            )
        )
    mine = await for_learner(repo, turn.learner)
    open_ = [c for c in mine if c.closed_at is None and c.deadline > now]
    recent = [c for c in mine if c.closed_at is not None and c.closed_at > now - timedelta(days=7)]
    if open_ or recent or not out:
        rows = [
            tr(
                "challenge.open_row",
                id=c.id,
                text=short(c.text),
                deadline=scope.local(turn.learner, c.deadline),
            )
            for c in open_
        ]
        rows += [tr("challenge.closed_row", id=c.id, text=short(c.text)) for c in recent]
        options = [
            buttons.Challenge("do", c.id).as_option(tr("challenge.do_button_n", id=c.id))
            for c in open_[:5]
        ]
        options += [
            buttons.Challenge("board", c.id).as_option(tr("challenge.board_button_n", id=c.id))
            for c in recent[:3]
        ]
        out.append(
            Out(
                title=tr("challenge.mine_title"),
                text="\n".join(rows) or tr("challenge.none_open"),
                options=tuple(options),
            )
        )
    return out


async def _manager_row(turn: Turn, challenge: ChallengeRecord) -> str:
    tr, repo = turn.tr, turn.repo
    unit = await repo.units.unit(challenge.unit_id)
    sent = await repo.challenges.send_counts(challenge.id, SendKind.ANNOUNCE)
    entries = await repo.challenges.entries(challenge.id)
    state = (
        tr("challenge.state_closed")
        if challenge.closed_at
        else tr("challenge.state_open", deadline=scope.local(turn.learner, challenge.deadline))
    )
    return tr(
        "challenge.made_row",
        id=challenge.id,
        unit=unit.name if unit else "?",
        state=state,
        entries=len(entries),
        sent=sent.get(SendStatus.SENT, 0),
        total=sum(sent.values()),
    )


async def on_button(turn: Turn, button: buttons.Challenge) -> list[Out]:
    """A tapped (or numbered) "cg:..." option."""
    tr, action, number = turn.tr, button.action, button.number
    if action == "menu":
        return await menu(turn)
    if action == "new":
        return await start_new(turn, number or None)
    if action == "cancel":
        turn.state.challenge_draft = None
        turn.state.step = None
        return [Out(text=tr("challenge.cancelled"))]
    if action in ("rub_lesson", "rub_own"):
        return _ask_rubric(turn, by_lesson=action == "rub_lesson")
    if action == "send":
        return await create(turn)
    if action == "aud":
        return await _set_audience(turn, number)
    if action == "pts":
        return _set_points(turn, number)
    if action == "dl":
        try:
            at = datetime.fromtimestamp(number, tz=ZoneInfo("UTC"))
        except (OverflowError, OSError, ValueError):  # a forged time past the calendar's end
            return [Out(text=tr("choice.stale"))]
        return await _set_deadline(turn, at)
    if action == "do":
        return await do(turn, number)
    return await board(turn, number)  # "board"
