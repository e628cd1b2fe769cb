"""A challenge's leaderboard, its announcement and its results, as chat messages."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import buttons, scope
from bot.services.challenges.text import short
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitRecord
from bot.services.ports.challenges import ChallengeRecord, EntryRecord, task_id
from scoring.points import challenge_award
from scoring.standings import LearnerStanding, rank_learners, rank_of

BOARD_ROWS = 10


def standings(entries: list[EntryRecord]) -> list[LearnerStanding]:
    return rank_learners([(e.learner_id, e.name, e.best_any) for e in entries])


def board_lines(entries: list[EntryRecord], tr: Translator, me: int | None) -> list[str]:
    held = {e.learner_id for e in entries if e.best_confirmed != e.best_any}
    lines = [
        tr(
            "challenge.board_row",
            rank=s.rank,
            name=s.name,
            score=s.points,
            held=" ⏳" if s.learner_id in held else "",
            me=" ⭐" if s.learner_id == me else "",
        )
        for s in standings(entries)[:BOARD_ROWS]
    ]
    return lines or [tr("challenge.board_empty")]


def announcement(
    challenge: ChallengeRecord,
    unit: UnitRecord | None,
    author: str,
    learner: LearnerRecord,
    tr: Translator,
) -> Out:
    return Out(
        title=tr("challenge.announce_title", id=challenge.id),
        text=tr(
            "challenge.announce",
            author=author,
            unit=unit.name if unit else "",
            text=challenge.text,
            points=challenge.points,
            deadline=scope.local(learner, challenge.deadline),
        ),
        options=(buttons.Challenge("do", challenge.id).as_option(tr("challenge.do_button")),),
    )


def results(
    challenge: ChallengeRecord, entries: list[EntryRecord], learner: LearnerRecord, tr: Translator
) -> Out:
    ranked = standings(entries)
    mine = rank_of(ranked, learner.id)
    entry = next((e for e in entries if e.learner_id == learner.id), None)
    if learner.id == challenge.created_by:
        paid = sum(1 for e in entries if e.best_confirmed is not None)
        personal = tr("challenge.results_author", entries=len(entries), paid=paid)
    elif entry is None or mine is None:
        personal = tr("challenge.results_absent")
    elif entry.best_confirmed is None:
        personal = tr("challenge.results_held", score=entry.best_any)
    else:
        award = challenge_award(
            learner.id, task_id(challenge.id), challenge.points, entry.best_confirmed
        )
        personal = tr(
            "challenge.results_mine",
            rank=mine.rank,
            total=len(ranked),
            score=entry.best_confirmed,
            points=award.points if award else 0,
        )
    text = (
        f"{short(challenge.text, 160)}\n\n"
        + "\n".join(board_lines(entries, tr, learner.id))
        + "\n\n"
        + personal
    )
    return Out(title=tr("challenge.results_title", id=challenge.id), text=text)
