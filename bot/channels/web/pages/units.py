"""The home page (the viewer's units) and a unit's members."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.channels.web.pages.common import _see_other, _who
from bot.services import reach
from bot.services.leader import roster as group_roster
from bot.services.permissions import Action
from bot.services.ports import UnitOfWork, UnitRecord
from bot.services.ports.classes import CLASS_KIND
from bot.services.web_access import Area, may, top_units, trail, unit_for

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


async def home(site: Site, request: web.Request) -> web.StreamResponse:
    who = _who(request)
    async with site.deps.store.transaction() as repo:
        starts = {
            area: await top_units(repo, who, area)
            for area in who.areas
            if area in (Area.OVERVIEW, Area.ROSTER)
        }
    if len(starts.get(Area.OVERVIEW, [])) == 1:  # an official with one unit: straight to it
        return _see_other(f"/web/unit/{starts[Area.OVERVIEW][0].id}")
    return site.page(request, "home.html", starts=starts, Area=Area)


async def members(site: Site, request: web.Request) -> web.StreamResponse:
    who = _who(request)
    deps = site.deps
    async with deps.store.transaction() as repo:
        unit = await unit_for(repo, who, Area.ROSTER, int(request.match_info["unit_id"]))
        if unit is None:
            return site.not_found(request)
        rows = await _roster_rows(site, repo, unit)
        crumbs = await trail(repo, who, Area.ROSTER, unit)
        below = await repo.units.children_of(unit.id)
        figures = await may(repo, who, Action.VIEW_DASHBOARD, unit.id)
    return site.page(
        request,
        "members.html",
        unit=unit,
        rows=rows,
        crumbs=crumbs,
        below=below,
        figures=figures,
        is_class=unit.kind == CLASS_KIND,
    )


async def _roster_rows(site: Site, repo: UnitOfWork, unit: UnitRecord) -> list[dict[str, Any]]:
    """Display name (or nickname), progress, last active, reachable: never a birth year, a
    phone number or a chat id."""
    deps, tr = site.deps, site.tr
    if unit.kind == CLASS_KIND:
        rows = await repo.classes.roster(unit.id)
        identities = await repo.leader.identities_for([r.learner_id for r in rows])
        now = deps.now()
        return [
            {
                "name": r.name,
                "lessons": r.lessons_done,
                "last": r.last_studied,
                "sessions": r.sessions_attended,
                "reach": _reach(
                    tr, reach.why_unreachable(identities[r.learner_id], now, deps.policies)
                ),
            }
            for r in rows
        ]
    found = await group_roster(deps, repo, unit)
    return [
        {
            "name": r.name,
            "lessons": r.lessons_done,
            "last": r.last_studied,
            "streak": r.streak,
            "today": r.studied_today,
            "sessions": None,
            "reach": _reach(tr, r.reach),
        }
        for r in found.rows
    ]


def _reach(tr: Any, reason: str | None) -> str | None:
    return tr(f"leader.reason.{reason}") if reason else None
