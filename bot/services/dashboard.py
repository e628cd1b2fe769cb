"""The officials' figures for one unit: its overview (learners, activity, lessons done and passed,
certificates per level, the plan's targets as gauges against their denominators, a weekly trend,
the target groups) and its children as rows. Results only: the web renders them, and the
quarterly report (bot/services/report.py) is built from the same counts.

Every figure covers the unit's whole subtree. On a small database they are counted at each
request; on a province's database they come from the snapshot a scheduled job refreshes
(`refresh`), as the standings do (bot/services/rankings.py): a page reads a few rows.

The period of the overview is the current quarter up to today: "active this week" is the last
seven days, classes and attendance count the quarter, lessons and certificates count everything
so far (the plan's targets are cumulative)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.context import Deps
from bot.services.passing import pass_marks
from bot.services.ports import UnitOfWork
from bot.services.ports.figures import (
    GROUPS,
    Counts,
    Tally,
    TargetGroupFigures,
    TrendPoint,
    UnitInfo,
    Window,
)
from bot.services.rankings import LIVE_MAX_LEARNERS
from scoring.rankings import rate

__all__ = [
    "GROUPS",
    "TARGETS",
    "ChildRow",
    "Gauge",
    "TargetGroupFigures",
    "TrendPoint",
    "UnitOverview",
    "children",
    "gauges",
    "overview",
    "refresh",
]

# The plan's targets: 80% of working-age people take the course, 50% have basic AI skills (the
# level 1 certificate), 100% of officials and 80% of business owners learn it.
TARGETS: Mapping[str, float] = {"course": 0.8, "skills": 0.5, "officials": 1.0, "business": 0.8}
TREND_WEEKS = 12


@dataclass(frozen=True)
class Gauge:
    """One plan target against its denominator (a unit's population column; None = unknown)."""

    key: str  # course | skills | officials | business
    numerator: int
    denominator: int | None
    target: float

    @property
    def rate(self) -> float | None:
        """None when the denominator is unknown: shown as unknown, never as 100%."""
        return rate(self.numerator, self.denominator)

    @property
    def met(self) -> bool | None:
        value = self.rate
        return None if value is None else value >= self.target


@dataclass(frozen=True)
class UnitOverview:
    unit_id: int
    code: str
    name: str
    kind: str
    parent_id: int | None  # the web decides whether the viewer may go up to it
    learners: int
    active_week: int
    lessons_done: int
    lessons_passed: int
    certificates: Mapping[int, int]  # level -> certificates not revoked
    revoked: int
    instructors: int
    classes: int  # open during the period
    attendance: int  # check-ins at in-person sessions in the period
    gauges: tuple[Gauge, ...]
    trend: tuple[TrendPoint, ...]  # the last TREND_WEEKS weeks, oldest first
    by_group: Mapping[str, TargetGroupFigures]  # official, business, farmer, worker, ...
    computed_at: datetime  # when the counts were taken (the snapshot's time, or now)
    period_start: date = date.min  # the period classes and attendance count
    sessions: int = 0
    active_period: int = 0
    started: int = 0  # learners who did at least one lesson
    working_age: int | None = None
    officials: int | None = None
    business_owners: int | None = None


@dataclass(frozen=True)
class ChildRow:
    unit_id: int
    code: str
    name: str
    kind: str
    learners: int
    active_week: int
    working_age: int | None  # None: unknown
    participation: float | None  # took the course (aged 15-60) over working age; None: unknown
    passed: int  # lessons passed
    certificates: int  # not revoked, every level
    instructors: int
    classes: int
    certified: int = 0  # level 1 holders
    attendance: int = 0


def gauges(unit: UnitInfo, counts: Counts) -> tuple[Gauge, ...]:
    return (
        Gauge("course", counts.started_working_age, unit.working_age, TARGETS["course"]),
        Gauge("skills", counts.certified_working_age, unit.working_age, TARGETS["skills"]),
        Gauge("officials", counts.officials_started, unit.officials, TARGETS["officials"]),
        Gauge("business", counts.business_started, unit.business_owners, TARGETS["business"]),
    )


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def start_of(day: date, zone: str) -> datetime:
    """The instant a calendar day begins in the province's zone, in UTC."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def current_window(deps: Deps) -> Window:
    """The current quarter up to today (today counts at once); the last seven days; twelve
    weeks of trend ending with this week."""
    today = deps.now().astimezone(ZoneInfo(deps.timezone)).date()
    start, end = quarter_start(today), today + timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    return Window(
        start,
        end,
        start_of(start, deps.timezone),
        start_of(end, deps.timezone),
        today - timedelta(days=6),
        monday - timedelta(weeks=TREND_WEEKS - 1),
    )


async def _live(repo: UnitOfWork) -> bool:
    return await repo.rankings.learners_up_to(LIVE_MAX_LEARNERS + 1) <= LIVE_MAX_LEARNERS


async def _tallies(
    deps: Deps, repo: UnitOfWork, unit_id: int, depth: int, live: bool | None
) -> tuple[dict[int, Tally], datetime]:
    if live is None:
        live = await _live(repo)
    if not live:
        found, at = await repo.figures.snapshot(unit_id, depth)
        if at is not None and (depth > 0 or unit_id in found):
            if depth > 0:  # a unit added since the last refresh: shown, with nothing yet
                for uid, info in (await repo.figures.units(unit_id, depth)).items():
                    found.setdefault(uid, Tally(info, Counts()))
            return found, at
        # No snapshot yet (a new unit, or the job has not run): counted now, slower but right.
    window = current_window(deps)
    return (
        await repo.figures.tallies(unit_id, window, pass_marks(deps.curriculum), depth),
        deps.now(),
    )


async def overview(
    deps: Deps, repo: UnitOfWork, unit_id: int, live: bool | None = None
) -> UnitOverview | None:
    """The unit's figures over its subtree; None when there is no such unit. Whether the viewer
    may see it is the caller's question (permissions.can with Action.VIEW_DASHBOARD)."""
    found, at = await _tallies(deps, repo, unit_id, 0, live)
    tally = found.get(unit_id)
    if tally is None:
        return None
    u, c = tally.unit, tally.counts
    return UnitOverview(
        u.unit_id,
        u.code,
        u.name,
        u.kind,
        u.parent_id,
        c.learners,
        c.active_week,
        c.lessons_done,
        c.lessons_passed,
        dict(c.certificates),
        c.revoked,
        c.instructors,
        c.classes,
        c.attendance,
        gauges(u, c),
        c.trend,
        {g: c.by_group.get(g, TargetGroupFigures()) for g in GROUPS},
        at,
        period_start=current_window(deps).start,
        sessions=c.sessions,
        active_period=c.active,
        started=c.started,
        working_age=u.working_age,
        officials=u.officials,
        business_owners=u.business_owners,
    )


def child_row(tally: Tally) -> ChildRow:
    u, c = tally.unit, tally.counts
    return ChildRow(
        u.unit_id,
        u.code,
        u.name,
        u.kind,
        c.learners,
        c.active_week,
        u.working_age,
        rate(c.started_working_age, u.working_age),
        c.lessons_passed,
        sum(c.certificates.values()),
        c.instructors,
        c.classes,
        certified=c.certificates.get(1, 0),
        attendance=c.attendance,
    )


async def children(
    deps: Deps, repo: UnitOfWork, unit_id: int, live: bool | None = None
) -> list[ChildRow]:
    """The unit's children, each over its own subtree, by name (the web sorts them again)."""
    found, _at = await _tallies(deps, repo, unit_id, 1, live)
    return sorted((child_row(t) for t in found.values()), key=lambda r: (r.name.lower(), r.unit_id))


async def refresh(deps: Deps) -> int:
    """The scheduled job: every unit's figures for the current window, in one transaction."""
    async with deps.store.transaction() as repo:
        return await repo.figures.refresh_snapshot(
            current_window(deps), pass_marks(deps.curriculum), deps.now()
        )
