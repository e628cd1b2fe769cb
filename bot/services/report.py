"""The quarterly report ("định kỳ 3 tháng báo cáo kết quả"): a unit's plan indicators for one
quarter, for every unit of its subtree. Results only: bot/documents/report_xlsx.py writes the
workbook and bot/documents/report_pdf.py the summary for the meeting.

A quarter that has ended is closed once (`close_quarter`, a scheduled job, or `hocai report
close`): every unit's figures are stored with the unit as it was, and its report reads them from
then on, so moving or deleting learners later does not change a past report (deleted learners
leave their counts, never their names: nothing about a person is stored). The current quarter is
counted live, or read from the dashboard snapshot on a province's database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.context import Deps
from bot.services.dashboard import (
    Gauge,
    current_window,
    gauges,
    start_of,
)
from bot.services.passing import pass_marks
from bot.services.ports import UnitOfWork
from bot.services.ports.figures import Counts, QuarterClose, Tally, UnitInfo, Window
from bot.services.rankings import LIVE_MAX_LEARNERS
from scoring.honours import Period, PeriodError, parse_period, quarter_of

__all__ = [
    "FutureQuarter",
    "Period",
    "PeriodError",
    "QuarterReport",
    "ReportRow",
    "close_quarter",
    "parse_quarter",
    "previous_quarter",
    "quarter_report",
]


@dataclass(frozen=True)
class ReportRow:
    unit: UnitInfo  # depth below the report's unit (0: the unit itself)
    counts: Counts
    gauges: tuple[Gauge, ...]


@dataclass(frozen=True)
class QuarterReport:
    period: Period
    rows: tuple[ReportRow, ...]  # the unit first, then its subtree in tree order
    closed: bool  # read from the snapshot stored when the quarter closed
    computed_at: datetime  # when the figures were taken

    @property
    def unit(self) -> ReportRow:
        return self.rows[0]


class FutureQuarter(PeriodError):
    """A quarter that has not started: nothing to report yet."""


def parse_quarter(text: str) -> Period:
    """'2026Q4', '2026-Q4', '2026 q4' -> the quarter; a year alone or anything else ->
    PeriodError (the CLI and the web answer it kindly, in Vietnamese)."""
    period = parse_period(text)
    if not period.is_quarter:
        raise PeriodError(f"{text[:40]!r} is a year, not a quarter (2026Q4)")
    return period


def _today(deps: Deps) -> date:
    return deps.now().astimezone(ZoneInfo(deps.timezone)).date()


def quarter_window(deps: Deps, period: Period) -> Window:
    """The quarter's days; "active this week" is its last seven days (or the last seven up to
    today in the current quarter); the trend covers its weeks."""
    last = min(period.end, _today(deps) + timedelta(days=1)) - timedelta(days=1)
    monday = period.start - timedelta(days=period.start.weekday())
    return Window(
        period.start,
        period.end,
        start_of(period.start, deps.timezone),
        start_of(period.end, deps.timezone),
        last - timedelta(days=6),
        monday,
    )


def _ordered(tallies: dict[int, Tally], root_id: int) -> tuple[ReportRow, ...]:
    """Tree order: a unit, then each of its children's subtrees, children by name."""
    children: dict[int | None, list[Tally]] = {}
    for t in tallies.values():
        children.setdefault(t.unit.parent_id, []).append(t)
    out: list[ReportRow] = []
    stack = [tallies[root_id]]
    while stack:
        t = stack.pop()
        out.append(ReportRow(t.unit, t.counts, gauges(t.unit, t.counts)))
        below = sorted(
            children.get(t.unit.unit_id, ()), key=lambda c: (c.unit.name.lower(), c.unit.unit_id)
        )
        stack.extend(reversed(below))
    return tuple(out)


async def quarter_report(
    deps: Deps, repo: UnitOfWork, unit_id: int, period: str | Period
) -> QuarterReport | None:
    """The report of `unit_id` for a quarter; None when there is no such unit (or, for a closed
    quarter, the unit did not exist then). Raises PeriodError for a malformed period and
    FutureQuarter for one that has not started. Whether the viewer may see it is the caller's
    question (permissions.can with Action.VIEW_REPORT or VIEW_DASHBOARD)."""
    quarter = parse_quarter(period) if isinstance(period, str) else period
    today = _today(deps)
    if quarter.start > today:
        raise FutureQuarter(f"{quarter.label} has not started")
    if quarter.end <= today:  # ended: read from its snapshot, closing it first if need be
        close = await repo.figures.quarter(quarter.label)
        if close is None:
            await _close(deps, repo, quarter)
            close = await repo.figures.quarter(quarter.label)
        found = await repo.figures.quarter_tallies(quarter.label, unit_id)
        if close is None or found is None:
            return None
        return QuarterReport(quarter, _ordered(found, unit_id), True, close.closed_at)
    live = await repo.rankings.learners_up_to(LIVE_MAX_LEARNERS + 1) <= LIVE_MAX_LEARNERS
    at = deps.now()
    tallies: dict[int, Tally] = {}
    if not live:
        # The dashboard's snapshot counts exactly this quarter up to its refresh.
        tallies, stamp = await repo.figures.snapshot(unit_id, None)
        if stamp is not None and current_window(deps).start == quarter.start:
            at = stamp
        else:
            tallies = {}
    if unit_id not in tallies:
        tallies = await repo.figures.tallies(
            unit_id, quarter_window(deps, quarter), pass_marks(deps.curriculum)
        )
        at = deps.now()
    if unit_id not in tallies:
        return None
    return QuarterReport(quarter, _ordered(tallies, unit_id), False, at)


async def _close(deps: Deps, repo: UnitOfWork, quarter: Period) -> bool:
    window = quarter_window(deps, quarter)
    marks = pass_marks(deps.curriculum)
    tallies: list[Tally] = []
    for root in await repo.roles.roots():
        tallies.extend((await repo.figures.tallies(root, window, marks)).values())
    close = QuarterClose(quarter.label, quarter.start, quarter.end, deps.now(), len(tallies))
    return await repo.figures.store_quarter(close, tallies)


def previous_quarter(deps: Deps) -> Period:
    return quarter_of(quarter_of(_today(deps)).start - timedelta(days=1))


async def close_quarter(deps: Deps, period: str | Period | None = None) -> bool:
    """Store an ended quarter's figures (default: the previous quarter). True when stored now,
    False when it was closed already; PeriodError for a quarter that has not ended."""
    today = _today(deps)
    if period is None:
        quarter = previous_quarter(deps)
    else:
        quarter = parse_quarter(period) if isinstance(period, str) else period
    if quarter.end > today:
        raise PeriodError(f"{quarter.label} has not ended")
    async with deps.store.transaction() as repo:
        if await repo.figures.quarter(quarter.label) is not None:
            return False
        return await _close(deps, repo, quarter)
