"""What the officials' figures need from storage (`repo.figures`; bot/storage/repos/figures/
implements it): every unit of a subtree with its counts over its own whole subtree, counted live
or read from the dashboard snapshot, and the snapshots of closed quarters.

The counts are plain integers (results, no rendering): bot/services/dashboard.py turns them into
gauges and rows, bot/services/report.py into the quarterly report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol

from bot.services.ports.rankings import PassMarks

# The plans' target groups, as the learners' occupation (onboarding asks it).
GROUPS = ("official", "business", "farmer", "worker", "student", "other")
# The plans' working age: 15 to 60 years old.
WORKING_AGE = (15, 60)


@dataclass(frozen=True)
class Window:
    """What to count: the period [start, end) in the province's calendar, `end_at` the instant
        the period ends (learners registered or certificates earned before it count), `start_at` the
    one it starts. `week_start`:
        the first day of "active this week"; `trend_from`: the Monday the weekly trend starts at
        (None: no trend)."""

    start: date
    end: date
    start_at: datetime
    end_at: datetime
    week_start: date
    trend_from: date | None = None


@dataclass(frozen=True)
class TrendPoint:
    """One week (Monday `week_start`): learners who studied, lessons done, lessons passed."""

    week_start: date
    active: int = 0
    lessons_done: int = 0
    passed: int = 0


@dataclass(frozen=True)
class TargetGroupFigures:
    """One target group (an occupation) of a unit's subtree."""

    learners: int = 0  # registered
    started: int = 0  # did at least one lesson: took the course
    active: int = 0  # studied in the period
    certified: int = 0  # hold the level 1 certificate (basic AI skills), not revoked


@dataclass(frozen=True)
class Counts:
    """A unit's counts over its whole subtree (the unit and everything under it).

    Cumulative ones count everything up to the end of the window; "period" ones only inside it.
    Learners who are still onboarding are not counted."""

    learners: int = 0  # registered
    started: int = 0  # did at least one lesson ("take the course")
    started_working_age: int = 0  # of them, aged 15-60 (or age not given): the course gauge
    certified_working_age: int = 0  # level 1 holders aged 15-60 (or not given): skills gauge
    active: int = 0  # studied on a day of the period
    active_week: int = 0  # studied since week_start
    lessons_done: int = 0  # cumulative
    lessons_passed: int = 0  # cumulative: confirmed score >= the lesson's pass mark
    done_in_period: int = 0
    passed_in_period: int = 0
    certificates: Mapping[int, int] = field(default_factory=dict)  # level -> count, not revoked
    revoked: int = 0
    officials_started: int = 0  # officials (counted at their agency when they named one)
    officials_learners: int = 0
    business_started: int = 0
    instructors: int = 0  # people with an active instructor role in the subtree
    classes: int = 0  # classes open during the period
    sessions: int = 0  # in-person sessions held in the period
    attendance: int = 0  # check-ins at those sessions
    by_group: Mapping[str, TargetGroupFigures] = field(default_factory=dict)
    # Only learners who consented to be asked, and only ever as a count per unit.
    ethnicity: Mapping[str, int] = field(default_factory=dict)
    trend: tuple[TrendPoint, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "certificates":
                value = {str(k): v for k, v in value.items()}
            elif f.name == "by_group":
                value = {
                    k: [g.learners, g.started, g.active, g.certified] for k, g in value.items()
                }
            elif f.name == "ethnicity":
                value = dict(value)
            elif f.name == "trend":
                value = [
                    [p.week_start.isoformat(), p.active, p.lessons_done, p.passed] for p in value
                ]
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Counts:
        """Read back what `as_json` wrote; a key a later version added reads as its default.
        (A province's report reads 20,000 of these: the weeks' dates are parsed once each.)"""
        values: dict[str, Any] = {k: v for k, v in data.items() if k in _NAMES}
        values["certificates"] = {
            int(k): int(v) for k, v in (data.get("certificates") or {}).items()
        }
        values["by_group"] = {
            k: TargetGroupFigures(*v) for k, v in (data.get("by_group") or {}).items()
        }
        values["ethnicity"] = dict(data.get("ethnicity") or {})
        values["trend"] = tuple(
            TrendPoint(_day(w), a, d, p) for w, a, d, p in (data.get("trend") or [])
        )
        return cls(**values)


_NAMES = frozenset(f.name for f in fields(Counts))


@lru_cache(maxsize=512)
def _day(text: str) -> date:
    return date.fromisoformat(text)


@dataclass(frozen=True)
class UnitInfo:
    """A unit as the figures show it, with the denominators from the units file (None: unknown).
    `depth` is below the unit asked about (0: that unit)."""

    unit_id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    depth: int
    working_age: int | None = None
    officials: int | None = None
    business_owners: int | None = None


@dataclass(frozen=True)
class Tally:
    unit: UnitInfo
    counts: Counts


@dataclass(frozen=True)
class QuarterClose:
    period: str  # "2026Q4"
    start: date
    end: date
    closed_at: datetime
    units: int


class Figures(Protocol):
    # live: counted now, set-based over the subtree
    async def tallies(
        self, root_id: int, window: Window, marks: PassMarks, depth: int | None = None
    ) -> dict[int, Tally]:
        """Every unit of root's subtree (only those `depth` levels below it, when given), each
        with the counts over its own subtree. Empty when the unit does not exist."""
        ...

    async def units(self, root_id: int, depth: int | None = None) -> dict[int, UnitInfo]:
        """The units of root's subtree (only `depth` levels below it, when given)."""
        ...

    # the dashboard snapshot, refreshed by a scheduled job on a province's database
    async def refresh_snapshot(self, window: Window, marks: PassMarks, now: datetime) -> int:
        """Every unit's tally, replaced in one transaction; returns the number of units."""
        ...

    async def snapshot(
        self, root_id: int, depth: int | None
    ) -> tuple[dict[int, Tally], datetime | None]:
        """The stored tallies of the units `depth` levels below root (0: root itself; None: the
        whole subtree) and when they were computed (the oldest); units without a stored row are
        left out."""
        ...

    # closed quarters: their figures are kept as they were when the quarter closed
    async def store_quarter(self, close: QuarterClose, tallies: Sequence[Tally]) -> bool:
        """False (and nothing written) when the quarter was already closed."""
        ...

    async def quarter(self, period: str) -> QuarterClose | None: ...
    async def quarter_tallies(self, period: str, root_id: int) -> dict[int, Tally] | None:
        """root's subtree as it was when the quarter closed, depths below root; None when the
        quarter is not closed or root was not in it."""
        ...
