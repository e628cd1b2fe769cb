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


def practice_award(
    learner_id: int, lesson_id: str, submission_id: int, score: int, already_paid: int
) -> Award | None:
    """Pay only the improvement over the best earlier practice of this lesson."""
    delta = practice_points(score) - already_paid
    if delta <= 0:
        return None
    return Award(f"practice:{learner_id}:{lesson_id}:{submission_id}", delta, "practice")


def regrade_adjustment(
    learner_id: int, lesson_id: str, grade_id: int, old_points: int, new_score: int
) -> Award | None:
    """A changed grade adjusts points with a new ledger line, never by editing history."""
    delta = practice_points(new_score) - old_points
    if delta == 0:
        return None
    return Award(f"regrade:{learner_id}:{lesson_id}:{grade_id}", delta, "regrade")


def completion_award(learner_id: int, lesson_id: str, streak: int) -> Award:
    bonus = min(STREAK_BONUS_CAP, STREAK_BONUS_PER_DAY * max(0, streak - 1))
    return Award(f"complete:{learner_id}:{lesson_id}", LESSON_COMPLETE + bonus, "lesson")
