"""Table tests for points, streaks, standings and the daily plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lessons.model import Curriculum
from lessons.plan import Assignment, plan_today
from scoring.points import completion_award, practice_line, practice_points, quiz_award
from scoring.standings import GroupStats, rank_groups, rank_learners
from scoring.streaks import current_streak, longest_streak

D = date(2026, 11, 23)


def days(*offsets: int) -> list[date]:
    return [D - timedelta(days=o) for o in offsets]


@pytest.mark.parametrize(
    ("active", "streak"),
    [
        ((), 0),
        ((0,), 1),
        ((1,), 1),
        ((0, 1, 2), 3),
        ((1, 2, 3), 3),
        ((0, 2, 3), 1),
        ((2, 3), 0),
        ((0, 0, 1), 2),
    ],
)
def test_current_streak(active: tuple[int, ...], streak: int) -> None:
    assert current_streak(days(*active), D) == streak


@pytest.mark.parametrize(
    ("active", "longest"), [((), 0), ((0,), 1), ((0, 1, 5, 6, 7), 3), ((3, 1), 1)]
)
def test_longest_streak(active: tuple[int, ...], longest: int) -> None:
    assert longest_streak(days(*active)) == longest


@pytest.mark.parametrize(
    ("score", "points"), [(0, 0), (1, 0), (50, 25), (99, 49), (100, 50), (150, 50), (-5, 0)]
)
def test_practice_points(score: int, points: int) -> None:
    assert practice_points(score) == points


@pytest.mark.parametrize(
    ("best", "paid", "expected"),
    [
        (80, 0, 40),  # first confirmed grade
        (80, 40, None),  # already paid: nothing
        (90, 40, 5),  # a better grade pays the improvement
        (60, 40, -10),  # an instructor lowered the best grade: points move down
        (None, 0, None),  # nothing confirmed yet
    ],
)
def test_practice_line_settles_to_the_best_confirmed_grade(
    best: int | None, paid: int, expected: int | None
) -> None:
    line = practice_line(1, "l1-01-x", 3, best, paid)
    assert (line.points if line else None) == expected


def test_racing_settlements_build_the_same_key() -> None:
    # Two processes that read the same ledger write the same line number: one insert wins.
    first, second, later = (
        practice_line(1, "a", 2, 90, 0),
        practice_line(1, "a", 2, 60, 0),
        practice_line(1, "a", 3, 90, 0),
    )
    assert first and second and later
    assert first.key == second.key and first.key != later.key


def test_award_keys_are_unique_per_action() -> None:
    assert quiz_award(1, "a", 0, True).key != quiz_award(1, "a", 1, True).key
    assert quiz_award(1, "a", 0, False) is None
    assert completion_award(1, "a", 1).points == 20
    assert completion_award(1, "a", 5).points == 28
    assert completion_award(1, "a", 100).points == 40


def test_rank_learners_shares_ranks_on_ties() -> None:
    ranked = rank_learners([(1, "Lan", 30), (2, "An", 50), (3, "Bình", 30), (4, "Chi", 10)])
    assert [(s.name, s.rank) for s in ranked] == [("An", 1), ("Bình", 2), ("Lan", 2), ("Chi", 4)]


def test_rank_groups_by_participation_not_size() -> None:
    groups = [
        GroupStats(1, "Lớn", 400, 100, 80.0),
        GroupStats(2, "Nhỏ", 20, 15, 60.0),
        GroupStats(3, "Vừa", 100, 75, 70.0),
        GroupStats(4, "Trống", 0, 0, 0.0),
    ]
    ranked = rank_groups(groups)
    assert [(g.stats.name, g.rank) for g in ranked] == [
        ("Vừa", 1),
        ("Nhỏ", 2),
        ("Lớn", 3),
        ("Trống", 4),
    ]


def test_plan_today(curriculum: Curriculum) -> None:
    first, second = curriculum.lessons[0], curriculum.lessons[1]
    assert plan_today(curriculum, set(), None, D).lesson == first
    unfinished = Assignment(first.id, D - timedelta(days=2))
    assert plan_today(curriculum, set(), unfinished, D).status == "unfinished"
    done_today = Assignment(first.id, D - timedelta(days=1), completed_on=D)
    assert plan_today(curriculum, {first.id}, done_today, D).status == "done_today"
    done_before = Assignment(first.id, D - timedelta(days=1), completed_on=D - timedelta(days=1))
    plan = plan_today(curriculum, {first.id}, done_before, D)
    assert plan.lesson == second and plan.status == "new"
    everything = {ls.id for ls in curriculum.lessons}
    last = Assignment(curriculum.lessons[-1].id, D - timedelta(days=3), D - timedelta(days=3))
    assert plan_today(curriculum, everything, last, D).status == "finished_all"


def test_levels_come_in_order(curriculum: Curriculum) -> None:
    levels = [ls.level for ls in curriculum.lessons]
    assert levels == sorted(levels)
    for level in range(1, 6):
        same = curriculum.of_level(level)
        if same and same[-1].is_capstone:
            assert all(not ls.is_capstone for ls in same[:-1])
