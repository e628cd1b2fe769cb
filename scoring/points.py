"""How many points each action earns, and the unique key that makes each award payable once."""

from __future__ import annotations

from dataclasses import dataclass

QUIZ_CORRECT = 10
LESSON_COMPLETE = 20
STREAK_BONUS_PER_DAY = 2
STREAK_BONUS_CAP = 20


@dataclass(frozen=True)
class Award:
    """One line of the append-only points ledger; `key` is unique across the ledger."""

    key: str
    points: int
    reason: str


def quiz_award(learner_id: int, lesson_id: str, question: int, correct: bool) -> Award | None:
    if not correct:
        return None
    return Award(f"quiz:{learner_id}:{lesson_id}:{question}", QUIZ_CORRECT, "quiz")


def practice_points(score: int) -> int:
    """Half the score: 0-50 points for a practice task."""
    return max(0, min(100, score)) // 2


def practice_line(
    learner_id: int, lesson_id: str, seq: int, best_score: int | None, paid: int
) -> Award | None:
    """The ledger line that brings a lesson's practice points to what its best confirmed grade
    earns: up on a better grade, down when an instructor lowers one, nothing when already right.

    `seq` is how many practice lines this learner and lesson already have. Two processes settling
    the same lesson at once build the same key, and the ledger's unique key lets only one through;
    the other reads again and finds nothing left to pay (bot/services/ledger.py).
    """
    delta = practice_points(best_score or 0) - paid
    if delta == 0:
        return None
    return Award(f"practice:{learner_id}:{lesson_id}:{seq}", delta,
                 "practice" if delta > 0 else "regrade")


def completion_award(learner_id: int, lesson_id: str, streak: int) -> Award:
    bonus = min(STREAK_BONUS_CAP, STREAK_BONUS_PER_DAY * max(0, streak - 1))
    return Award(f"complete:{learner_id}:{lesson_id}", LESSON_COMPLETE + bonus, "lesson")
