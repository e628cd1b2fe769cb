"""A unit's figures: the overview (learners, activity, lessons, certificates per level, the plan's
targets as gauges, a weekly trend, the target groups), its children as a table sorted by links
(no script), and the quarterly report's download. The figures are `bot.services.dashboard`'s;
this only checks the unit against the viewer's roles and lays the numbers out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.channels.web import charts
from bot.channels.web.session import VIEWER
from bot.services import dashboard
from bot.services.dashboard import ChildRow
from bot.services.permissions import Action
from bot.services.report import FutureQuarter
from bot.services.web_access import Area, may, trail, unit_for
from scoring.honours import PeriodError, parse_period, quarter_of

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


@dataclass(frozen=True)
class Column:
    key: str  # the ?sort= value and the locale key web.children.<key>
    value: Callable[[ChildRow], Any]
    numeric: bool = True


# The children table's columns, in order; each header is a link that sorts by it.
COLUMNS: tuple[Column, ...] = (
    Column("name", lambda r: r.name.casefold(), numeric=False),
    Column("learners", lambda r: r.learners),
    Column("active_week", lambda r: r.active_week),
    Column("participation", lambda r: r.participation),
    Column("passed", lambda r: r.passed),
    Column("certificates", lambda r: r.certificates),
    Column("instructors", lambda r: r.instructors),
    Column("classes", lambda r: r.classes),
)
BY_KEY = {c.key: c for c in COLUMNS}
DOWNLOADS = {"xlsx": "report.xlsx", "pdf": "report.pdf"}


def sort_rows(rows: Sequence[ChildRow], key: str, descending: bool) -> list[ChildRow]:
    """Sorted by one column; an unknown value (no denominator) always last, names break ties."""
    column = BY_KEY.get(key, BY_KEY["name"])
    known = [r for r in rows if column.value(r) is not None]
    unknown = [r for r in rows if column.value(r) is None]
    known.sort(key=lambda r: r.name.casefold())
    known.sort(key=column.value, reverse=descending)
    return known + sorted(unknown, key=lambda r: r.name.casefold())


def routes(site: Site) -> list[web.RouteDef]:
    unit = "/web/unit/{unit_id:[0-9]{1,12}}"
    return [
        web.get(unit, partial(overview_page, site)),
        web.get(f"{unit}/report.{{kind:xlsx|pdf}}", partial(download, site)),
    ]


async def overview_page(site: Site, request: web.Request) -> web.StreamResponse:
    who, deps = request[VIEWER], site.deps
    sort = request.query.get("sort", "name")
    sort = sort if sort in BY_KEY else "name"
    descending = request.query.get("dir", "desc" if BY_KEY[sort].numeric else "asc") == "desc"
    async with deps.store.transaction() as repo:
        unit = await unit_for(repo, who, Area.OVERVIEW, int(request.match_info["unit_id"]))
        if unit is None:
            return site.not_found(request)
        figures = await dashboard.overview(deps, repo, unit.id)
        rows = await dashboard.children(deps, repo, unit.id)
        crumbs = await trail(repo, who, Area.OVERVIEW, unit)
        roster = await may(repo, who, Action.VIEW_ROSTER, unit.id)
    if figures is None:
        return site.not_found(request)
    zone = ZoneInfo(deps.timezone)
    today = deps.now().astimezone(zone).date()
    trend = figures.trend
    chart = charts.trend(
        [p.week_start for p in trend],
        [
            (site.tr("web.overview.trend_active"), charts.GREEN, [p.active for p in trend]),
            (site.tr("web.overview.trend_done"), charts.GOLD, [p.lessons_done for p in trend]),
            (site.tr("web.overview.trend_passed"), charts.INK, [p.passed for p in trend]),
        ],
        site.tr("web.overview.trend_title"),
    )
    return site.page(
        request,
        "overview.html",
        unit=unit,
        o=figures,
        crumbs=crumbs,
        roster=roster,
        rows=sort_rows(rows, sort, descending),
        columns=COLUMNS,
        sort=sort,
        descending=descending,
        chart=chart,
        quarter=quarter_of(today).label,
        downloads=site.reports is not None,
        groups=dashboard.GROUPS,
        computed=figures.computed_at.astimezone(zone).strftime("%H:%M %d/%m/%Y"),
        crumb_url=lambda u: f"/web/unit/{u.id}",
    )


async def download(site: Site, request: web.Request) -> web.StreamResponse:
    """The quarterly workbook (or its PDF summary) for this unit's subtree."""
    who, deps = request[VIEWER], site.deps
    today = deps.now().astimezone(ZoneInfo(deps.timezone)).date()
    typed = request.query.get("period", "").strip()
    try:
        period = parse_period(typed) if typed else quarter_of(today)
        if not period.is_quarter:
            raise PeriodError(typed)
    except PeriodError:
        return site.message(
            request,
            400,
            "web.overview.bad_period_title",
            "web.overview.bad_period",
            link=(f"/web/unit/{request.match_info['unit_id']}", "web.back"),
        )
    async with deps.store.transaction() as repo:
        unit = await unit_for(repo, who, Area.OVERVIEW, int(request.match_info["unit_id"]))
    if unit is None or site.reports is None:
        return site.not_found(request)
    try:
        made = await site.reports(deps, unit.id, period.label, request.match_info["kind"])
    except FutureQuarter:
        return site.message(
            request,
            400,
            "web.overview.bad_period_title",
            "web.overview.future",
            link=(f"/web/unit/{unit.id}", "web.back"),
        )
    if made is None:
        return site.message(
            request,
            404,
            "web.overview.no_report_title",
            "web.overview.no_report",
            link=(f"/web/unit/{unit.id}", "web.back"),
        )
    body, content_type, name = made
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
