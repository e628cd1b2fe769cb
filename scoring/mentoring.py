"""Who the level file's rule proposes as a mentor, and which levels count as finished for it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lessons.model import Curriculum, MentorRule


def levels_done(curriculum: Curriculum, completed: Collection[str]) -> list[int]:
    """The levels whose every lesson (capstone included) is completed."""
    done = set(completed)
    return [
        level.number
        for level in curriculum.levels
        if (ids := {lesson.id for lesson in curriculum.of_level(level.number)}) and ids <= done
    ]


def certifiable(curriculum: Curriculum, level_no: int) -> bool:
    """Can this level's certificate be earned at all with the lessons there are: a capstone, and
    at least as many ordinary lessons as its rule asks to pass (a level still being written may
    have neither)."""
    level = curriculum.level(level_no)
    if level is None:
        return False
    items = curriculum.of_level(level_no)
    ordinary = [lesson for lesson in items if not lesson.is_capstone]
    return len(ordinary) < len(items) and len(ordinary) >= level.certificate.min_lessons


def levels_finished(
    curriculum: Curriculum, certified: Collection[int], completed: Collection[str]
) -> list[int]:
    """The levels that count as finished for the mentor rule and the level figures: those whose
    certificate the learner earned (confirmed grades, passed lessons, the capstone); a level
    whose certificate cannot be earned (`certifiable`) counts when every lesson of it is done."""
    done = set(levels_done(curriculum, completed))
    return [
        level.number
        for level in curriculum.levels
        if level.number in certified
        or (level.number in done and not certifiable(curriculum, level.number))
    ]


@dataclass(frozen=True)
class Candidacy:
    proposed: bool
    levels: tuple[int, ...]
    teach_backs: int
    average: int  # rounded; 0 with no teach-back


def candidacy(
    rule: MentorRule, levels: Sequence[int], teach_back_scores: Sequence[int]
) -> Candidacy:
    total, count = sum(teach_back_scores), len(teach_back_scores)
    average = round(total / count) if count else 0  # shown rounded, compared exactly
    proposed = (
        (bool(levels) or not rule.level_done)
        and count >= rule.min_teach_backs
        and total >= rule.teach_back_average * count
    )
    return Candidacy(proposed, tuple(levels), len(teach_back_scores), average)
