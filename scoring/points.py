"""How many points each action earns, and the unique key that makes each award payable once."""

from __future__ import annotations

from dataclasses import dataclass

QUIZ_CORRECT = 10
LESSON_COMPLETE = 20
STREAK_BONUS_PER_DAY = 2
STREAK_BONUS_CAP = 20

# Ledger key kinds: what a line pays for.
QUIZ, PRACTICE, COMPLETE = "quiz", "practice", "complete"
CHALLENGE, PEER_REVIEW = "challenge", "peer"  # a challenge's reward; a mentor's helpful review
PEER_REVIEW_POINTS = 10
MAX_CHALLENGE_POINTS = 500


@dataclass(frozen=True)
class LedgerKey:
    """What a ledger line pays for. Printed, it is the ledger's unique key ("practice:7:l1-01:2");
    stored, its parts are columns too, so a lesson's lines are found without matching text."""

    kind: str  # QUIZ | PRACTICE | COMPLETE
    learner_id: int
    lesson_id: str
    seq: int | None = None  # the quiz question, or the practice line's number

    def __str__(self) -> str:
        tail = "" if self.seq is None else f":{self.seq}"
        return f"{self.kind}:{self.learner_id}:{self.lesson_id}{tail}"

    @classmethod
    def parse(cls, text: str) -> LedgerKey | None:
        """The key a printed one came from; None for a free-form key (tests, benches)."""
        parts = text.split(":")
        if (
            len(parts) not in (3, 4)
            or not parts[1].isdigit()
            or (len(parts) == 4 and not parts[3].isdigit())
        ):
            return None
        return cls(parts[0], int(parts[1]), parts[2], int(parts[3]) if len(parts) == 4 else None)


@dataclass(frozen=True)
class Award:
    """One line of the append-only points ledger; `key` is unique across the ledger. A plain
    string key belongs to no lesson (the benches and tests write such lines)."""

    key: LedgerKey | str
    points: int
    reason: str


def quiz_award(learner_id: int, lesson_id: str, question: int, correct: bool) -> Award | None:
    if not correct:
        return None
    return Award(LedgerKey(QUIZ, learner_id, lesson_id, question), QUIZ_CORRECT, "quiz")


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
    return Award(
        LedgerKey(PRACTICE, learner_id, lesson_id, seq),
        delta,
        "practice" if delta > 0 else "regrade",
    )


def completion_award(learner_id: int, lesson_id: str, streak: int) -> Award:
    bonus = min(STREAK_BONUS_CAP, STREAK_BONUS_PER_DAY * max(0, streak - 1))
    return Award(LedgerKey(COMPLETE, learner_id, lesson_id), LESSON_COMPLETE + bonus, "lesson")


def challenge_award(
    learner_id: int, challenge_task: str, points: int, best_score: int
) -> Award | None:
    """A challenge pays its points in proportion to the best confirmed score (80/100 earns 80%),
    once: the key names the learner and the challenge ("challenge:7:ch~12")."""
    earned = max(0, min(points, MAX_CHALLENGE_POINTS)) * max(0, min(100, best_score)) // 100
    if earned <= 0:
        return None
    return Award(LedgerKey(CHALLENGE, learner_id, challenge_task), earned, "challenge")


def peer_review_award(mentor_id: int, review_id: int) -> Award:
    """A mentor's review an instructor marked helpful pays once ("peer:7:pr~31")."""
    return Award(
        LedgerKey(PEER_REVIEW, mentor_id, f"pr~{review_id}"), PEER_REVIEW_POINTS, "peer_review"
    )
