"""Badges a learner earns once, and the streak freeze bought with points.

Pure rules: the services gather the facts (streaks, quiz answers by day, levels finished, helpful
mentor reviews) and store what these functions decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from scoring.points import Award


class Badge(StrEnum):
    """Catalogue order is the order badges are shown and announced."""

    STREAK_7 = "streak_7"
    STREAK_30 = "streak_30"
    STREAK_100 = "streak_100"
    PERFECT_QUIZ_WEEK = "perfect_week"
    FIRST_LEVEL = "first_level"
    HELPFUL_MENTOR = "helpful_mentor"


STREAK_MILESTONES = {Badge.STREAK_7: 7, Badge.STREAK_30: 30, Badge.STREAK_100: 100}
# A perfect quiz week: quiz answers on at least this many days within 7, every one of them right.
PERFECT_WEEK_DAYS = 5
WEEK = 7
HELPFUL_REVIEWS = 1  # a mentor's review a learner marked helpful

FREEZE_COST = 100  # points; about one good day of study
FREEZE_MAX_HELD = 2


@dataclass(frozen=True)
class BadgeFacts:
    """What the badge rules look at, gathered for one learner on one day."""

    today: date
    best_streak: int = 0  # the longest streak ever, frozen days bridging gaps
    quiz_answers: tuple[tuple[date, bool], ...] = ()  # (local day, right) of recent answers
    levels_done: frozenset[int] = frozenset()  # levels certified (an issued, unrevoked certificate)
    helpful_reviews: int = 0


def perfect_quiz_week(answers: Iterable[tuple[date, bool]], today: date) -> bool:
    """Quiz answers on PERFECT_WEEK_DAYS of the 7 days ending today, and none of them wrong."""
    week = [(day, right) for day, right in answers if timedelta(0) <= today - day < timedelta(WEEK)]
    return all(right for _, right in week) and len({d for d, _ in week}) >= PERFECT_WEEK_DAYS


def earned(facts: BadgeFacts) -> set[Badge]:
    found = {b for b, days in STREAK_MILESTONES.items() if facts.best_streak >= days}
    if perfect_quiz_week(facts.quiz_answers, facts.today):
        found.add(Badge.PERFECT_QUIZ_WEEK)
    if 1 in facts.levels_done:
        found.add(Badge.FIRST_LEVEL)
    if facts.helpful_reviews >= HELPFUL_REVIEWS:
        found.add(Badge.HELPFUL_MENTOR)
    return found


def new_badges(facts: BadgeFacts, already: Iterable[str]) -> list[Badge]:
    """Badges earned now and not held yet, in catalogue order."""
    got, have = earned(facts), set(already)
    return [b for b in Badge if b in got and b.value not in have]


def level_done(completed: Iterable[str], level_lessons: Iterable[str]) -> bool:
    """Every lesson of the level is done. Done is not passed: the first-level badge now follows
    the level's certificate (bot/services/badges.levels_done), not this."""
    needed = set(level_lessons)
    return bool(needed) and needed <= set(completed)


@dataclass(frozen=True)
class FreezeOffer:
    """Whether a learner may buy a freeze now, and the ledger line that pays for it."""

    allowed: bool
    reason: str  # "ok" | "max_held" | "not_enough_points"
    award: Award | None = None


def freeze_offer(learner_id: int, bought: int, held: int, points: int) -> FreezeOffer:
    """The next purchase is number `bought` (how many this learner ever bought): its ledger key
    is fixed by that number, so a second tap of the same offer, or a racing process, pays once."""
    if held >= FREEZE_MAX_HELD:
        return FreezeOffer(False, "max_held")
    if points < FREEZE_COST:
        return FreezeOffer(False, "not_enough_points")
    return FreezeOffer(True, "ok", Award(f"freeze:{learner_id}:{bought}", -FREEZE_COST, "freeze"))
