"""Honours (vinh danh) for a quarter or a year: who and which collectives stand out, by weighted
rules an official can read and change (bot/rules/honours.yaml)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scoring.rankings import UnitFigures, competition_ranks

# ---- periods ---------------------------------------------------------------------------------

_PERIOD = re.compile(r"^\s*(?P<year>\d{4})\s*(?:[-/ ]?\s*[Qq](?P<q>[1-4]))?\s*$")
FIRST_YEAR, LAST_YEAR = 2020, 2100


class PeriodError(ValueError):
    """A period that is not YYYY or YYYYQn."""


@dataclass(frozen=True)
class Period:
    label: str  # "2026Q4" or "2026"
    start: date
    end: date  # exclusive

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Period(f"{year}Q{q}", start, end)


def year_period(year: int) -> Period:
    return Period(str(year), date(year, 1, 1), date(year + 1, 1, 1))


def parse_period(text: str) -> Period:
    """'2026Q4', '2026-q4', '2026' -> the quarter or the year; anything else -> PeriodError."""
    text = text or ""
    match = _PERIOD.match(unicodedata.normalize("NFKC", text)) if len(text) <= 40 else None
    if not match:
        raise PeriodError(f"period {text[:40]!r} is not a year (2026) or a quarter (2026Q4)")
    year = int(match.group("year"))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return quarter(year, int(match.group("q"))) if match.group("q") else year_period(year)


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


# ---- rules -----------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LearnerWeights(_Strict):
    passes: float = 10  # lessons passed in the period
    best_streak: float = 2  # longest run of study days in the period
    active_days: float = 1  # days studied in the period


class LearnerRules(_Strict):
    min_active_days: int = Field(default=3, ge=0)
    weights: LearnerWeights = LearnerWeights()


class MentorWeights(_Strict):
    helpful_reviews: float = 10


class MentorRules(_Strict):
    min_helpful_reviews: int = Field(default=1, ge=0)
    weights: MentorWeights = MentorWeights()


class UnitWeights(_Strict):
    participation: float = 1  # per percentage point of the working-age population
    average_score: float = 0.5  # per point of the average confirmed score (0-100)
    passes_per_member: float = 10


class UnitRules(_Strict):
    min_members: int = Field(default=3, ge=0)
    weights: UnitWeights = UnitWeights()


class HonoursRules(_Strict):
    top: int = Field(default=10, ge=1, le=100)
    learners: LearnerRules = LearnerRules()
    mentors: MentorRules = MentorRules()
    units: UnitRules = UnitRules()


class RulesError(ValueError):
    """The honours rules file cannot be read."""


def parse_rules(text: str, source: str = "honours.yaml") -> HonoursRules:
    try:
        data: Any = yaml.safe_load(text) or {}
        return HonoursRules.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise RulesError(f"{source}: {exc}") from exc


# ---- facts and scores ------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerFacts:
    learner_id: int
    name: str
    unit_name: str
    passes: int = 0
    best_streak: int = 0
    active_days: int = 0


@dataclass(frozen=True)
class MentorFacts:
    learner_id: int
    name: str
    unit_name: str
    helpful_reviews: int = 0


@dataclass(frozen=True)
class UnitFacts:
    figures: UnitFigures
    passes: int = 0

    @property
    def passes_per_member(self) -> float:
        return self.passes / self.figures.members if self.figures.members else 0.0


def learner_score(rules: HonoursRules, f: LearnerFacts) -> float | None:
    if f.active_days < rules.learners.min_active_days:
        return None
    w = rules.learners.weights
    return w.passes * f.passes + w.best_streak * f.best_streak + w.active_days * f.active_days


def mentor_score(rules: HonoursRules, f: MentorFacts) -> float | None:
    if f.helpful_reviews < max(1, rules.mentors.min_helpful_reviews):
        return None
    return rules.mentors.weights.helpful_reviews * f.helpful_reviews


def unit_score(rules: HonoursRules, f: UnitFacts) -> float | None:
    """None when the unit cannot be judged: its working-age population is unknown, or it has
    fewer learners than the rules ask (a group of one is not a collective)."""
    rate = f.figures.participation
    if rate is None or f.figures.members < rules.units.min_members:
        return None
    w = rules.units.weights
    return (
        w.participation * 100 * rate
        + w.average_score * (f.figures.average_score or 0.0)
        + w.passes_per_member * f.passes_per_member
    )


T = TypeVar("T")


@dataclass(frozen=True)
class Honoured(Generic[T]):
    rank: int
    score: float
    facts: T


def top(
    items: Sequence[T], score: Callable[[T], float | None], name: Callable[[T], str], limit: int
) -> list[Honoured[T]]:
    """The best `limit` by score (ties share a rank and all stay in, so nobody is cut by name)."""
    scored = [(round(s, 2), item) for item in items if (s := score(item)) is not None and s > 0]
    scored.sort(key=lambda p: (-p[0], name(p[1]).lower()))
    ranks = competition_ranks([s for s, _ in scored])
    return [
        Honoured(rank, s, item)
        for rank, (s, item) in zip(ranks, scored, strict=True)
        if rank <= limit
    ]
