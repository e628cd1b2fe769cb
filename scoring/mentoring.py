"""Who the level file's rule proposes as a mentor, and which levels a learner has finished."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lessons.model import Curriculum, MentorRule


def levels_done(curriculum: Curriculum, completed: Collection[str]) -> list[int]:
    """The levels whose every lesson (capstone included) is completed."""
    done = set(completed)
    return [level.number for level in curriculum.levels
            if (ids := {lesson.id for lesson in curriculum.of_level(level.number)})
            and ids <= done]


@dataclass(frozen=True)
class Candidacy:
    proposed: bool
    levels: tuple[int, ...]
    teach_backs: int
    average: int  # rounded; 0 with no teach-back


def candidacy(rule: MentorRule, levels: Sequence[int], teach_back_scores: Sequence[int]) -> Candidacy:
    total, count = sum(teach_back_scores), len(teach_back_scores)
    average = round(total / count) if count else 0  # shown rounded, compared exactly
    proposed = ((bool(levels) or not rule.level_done) and count >= rule.min_teach_backs
                and total >= rule.teach_back_average * count)
    return Candidacy(proposed, tuple(levels), len(teach_back_scores), average)
