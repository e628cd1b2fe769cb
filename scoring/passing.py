"""Done, passed, certified: the rules as plain functions over a learner's confirmed scores.

Done (quiz answered, work submitted) is kept by the application. Passed and certified count only
confirmed grades: a model's or a person's, never a provisional rules-only grade. The capstone must
be confirmed by a model or a person even when the rules' grade stands as final (a copy, an empty
answer), so that no certificate rests on rules alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lessons.model import Curriculum, Lesson


@dataclass(frozen=True)
class Confirmed:
    """One learner's grades for one lesson, as far as passing is concerned."""

    best: int | None = None  # best confirmed score
    best_judged: int | None = None  # best confirmed by a model or a person (not the rules alone)
    held: bool = False  # a grade still waits for a model or a person


def lesson_passed(lesson: Lesson, mark: int, confirmed: Confirmed | None) -> bool:
    if confirmed is None:
        return False
    score = confirmed.best_judged if lesson.is_capstone else confirmed.best
    return score is not None and score >= mark


@dataclass(frozen=True)
class LevelStanding:
    """How far a learner is from a level's certificate, by the rule in levels.yaml."""

    level: int
    lessons: int  # the level's ordinary lessons (the capstone apart)
    passed: int  # of those, passed
    needed: int  # min_lessons
    average: float | None  # mean best confirmed score over the lessons that have one
    min_average: int
    capstone: int | None  # best capstone score confirmed by a model or a person
    capstone_needed: int
    has_capstone: bool

    @property
    def average_met(self) -> bool:
        return self.average is not None and self.average >= self.min_average

    @property
    def capstone_met(self) -> bool:
        return (
            self.has_capstone
            and self.capstone is not None
            and (self.capstone >= self.capstone_needed)
        )

    @property
    def earned(self) -> bool:
        return self.passed >= self.needed and self.average_met and self.capstone_met


def level_standing(
    curriculum: Curriculum, level_no: int, scores: Mapping[str, Confirmed]
) -> LevelStanding | None:
    """The level's standing from confirmed scores by lesson id; None for an unknown level."""
    level = curriculum.level(level_no)
    if level is None:
        return None
    rule = level.certificate
    items = curriculum.of_level(level_no)
    lessons = [ls for ls in items if not ls.is_capstone]
    capstone = next((ls for ls in items if ls.is_capstone), None)
    passed = sum(lesson_passed(ls, curriculum.pass_mark(ls), scores.get(ls.id)) for ls in lessons)
    bests = [c.best for ls in lessons if (c := scores.get(ls.id)) and c.best is not None]
    judged = scores.get(capstone.id) if capstone else None
    return LevelStanding(
        level=level_no,
        lessons=len(lessons),
        passed=passed,
        needed=rule.min_lessons,
        average=sum(bests) / len(bests) if bests else None,
        min_average=rule.min_average_score,
        capstone=judged.best_judged if judged else None,
        capstone_needed=rule.capstone_passing_score,
        has_capstone=capstone is not None,
    )
