"""Taking part in a challenge in the chat: "Làm thử thách", the work sent for it (graded like
practice, then its rank), and the challenge's board. The menu and creating one are
bot/services/chat/challenges/."""

from __future__ import annotations

from bot.services import buttons, permissions, scope, submissions
from bot.services.challenges import (
    board_lines,
    in_audience,
    short,
    standings,
)
from bot.services.chat.turn import Turn
from bot.services.io import Out
from bot.services.permissions import Action
from bot.services.ports import LearnerStatus
from bot.services.ports.challenges import ChallengeRecord, task_id
from lessons.textnorm import folded_words
from scoring.standings import rank_of

# "challenge:<part>": what the next typed text is (audience, text, lesson, crit, points,
# deadline), or "challenge:work:<id>": the learner's work for that challenge.
STEP = "challenge"
WORK = "work"


def _step(part: str) -> str:
    return f"{STEP}:{part}"


# ---- taking part -----------------------------------------------------------------------------


async def _open_for(turn: Turn, challenge_id: int) -> tuple[ChallengeRecord | None, list[Out]]:
    tr, repo = turn.tr, turn.repo
    challenge = await repo.challenges.challenge(challenge_id)
    if challenge is None or not await in_audience(repo, challenge, turn.learner.id):
        return None, [Out(text=tr("challenge.not_yours"))]
    if challenge.closed_at is not None or challenge.deadline <= turn.deps.now():
        return None, [
            Out(text=tr("challenge.over", deadline=scope.local(turn.learner, challenge.deadline))),
            *([Out(text=tr("challenge.results_soon"))] if challenge.closed_at is None else []),
        ]
    return challenge, []


async def do(turn: Turn, challenge_id: int) -> list[Out]:
    """ "Làm thử thách": the next message is the work for it."""
    if turn.learner.status == LearnerStatus.ONBOARDING:
        return [Out(text=turn.tr("onboarding.finish_first"))]
    challenge, problem = await _open_for(turn, challenge_id)
    if challenge is None:
        return problem
    turn.state.step = _step(f"{WORK}:{challenge.id}")
    turn.state.forget_options()  # a "1" sent next is work, not an old choice
    return [
        Out(
            title=turn.tr("challenge.task_title", id=challenge.id),
            text=turn.tr(
                "challenge.send_now",
                text=challenge.text,
                deadline=scope.local(turn.learner, challenge.deadline),
            ),
            options=(buttons.Challenge("cancel").as_option(turn.tr("challenge.not_now")),),
            remember_options=False,
        )
    ]


async def on_work(turn: Turn, raw_id: str) -> list[Out]:
    tr, deps, learner = turn.tr, turn.deps, turn.learner
    turn.state.step = None
    challenge_id = int(raw_id) if raw_id.isdigit() and int(raw_id) < 2**63 else None
    if challenge_id is None:
        return [Out(text=tr("choice.stale"))]
    challenge, problem = await _open_for(turn, challenge_id)
    if challenge is None:
        return problem
    text = turn.event.text
    if not folded_words(text):
        turn.state.step = _step(f"{WORK}:{challenge_id}")
        return [Out(text=tr("challenge.work_words"))]
    key = f"{turn.event.channel}:{turn.event.update_key}" if turn.event.update_key else None
    incoming = submissions.Incoming(text, None, turn.event.channel, key)

    async def grade() -> list[Out]:
        out, stored = await submissions.receive_for(
            deps, learner, task_id(challenge_id), incoming, tr
        )
        if stored is None:
            return out
        async with deps.store.transaction() as repo:
            ranked = standings(await repo.challenges.entries(challenge_id))
        mine = rank_of(ranked, learner.id)
        if mine is not None:
            out.append(
                Out(
                    text=tr(
                        "challenge.entry_rank",
                        rank=mine.rank,
                        total=len(ranked),
                        deadline=scope.local(learner, challenge.deadline),
                    ),
                    options=(
                        buttons.Challenge("board", challenge_id).as_option(
                            tr("challenge.board_button")
                        ),
                    ),
                    remember_options=False,
                )
            )
        return out

    turn.later = grade
    return [Out(text=tr("challenge.work_received"))]


# ---- the leaderboard -------------------------------------------------------------------------


async def board(turn: Turn, challenge_id: int) -> list[Out]:
    tr, repo = turn.tr, turn.repo
    challenge = await repo.challenges.challenge(challenge_id)
    if challenge is None or not (
        await in_audience(repo, challenge, turn.learner.id)
        or await permissions.can(
            repo,
            turn.learner.id,
            Action.CREATE_CHALLENGE,
            challenge.unit_id,
            admins=turn.deps.admins,
        )
    ):
        return [Out(text=tr("challenge.not_yours"))]
    entries = await repo.challenges.entries(challenge_id)
    state = (
        tr("challenge.state_closed")
        if challenge.closed_at
        else tr("challenge.state_open", deadline=scope.local(turn.learner, challenge.deadline))
    )
    text = f"{short(challenge.text, 160)}\n{state}\n\n" + "\n".join(
        board_lines(entries, tr, turn.learner.id)
    )
    if any(e.best_confirmed != e.best_any for e in entries):
        text += "\n\n" + tr("challenge.board_held_note")
    return [Out(title=tr("challenge.board_title", id=challenge_id), text=text)]
