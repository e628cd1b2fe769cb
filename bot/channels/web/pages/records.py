"""Records officials keep: challenges, certificates (with revocation) and honours."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.channels.web.pages.common import _int, _see_other, _who
from bot.services import certificates, challenges, honours, scope, tasks
from bot.services.passing import pass_marks
from bot.services.permissions import Action
from bot.services.web_access import Area, may, scope_of, top_units, trail, unit_for
from scoring.certificate_code import shown
from scoring.honours import PeriodError, parse_period, quarter_of

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


CERTIFICATE_PAGE = 300
CHALLENGE_PAGE = 20


async def challenges_page(site: Site, request: web.Request) -> web.StreamResponse:
    who, deps, tr = _who(request), site.deps, site.tr
    if not who.opens(Area.CHALLENGES):
        return site.not_found(request)
    async with deps.store.transaction() as repo:
        units = await scope_of(deps, repo, who, Area.CHALLENGES)
        covered = units if units is not None else await repo.roles.subtree(await repo.roles.roots())
        found = await repo.challenges.challenges_in(sorted(covered), CHALLENGE_PAGE)
        rows = []
        zone = ZoneInfo(deps.timezone)
        for c in found:
            unit = await repo.units.unit(c.unit_id)
            entries = await repo.challenges.entries(c.id)
            rows.append(
                {
                    "text": c.text,
                    "unit": unit.name if unit else "–",
                    "points": c.points,
                    "deadline": c.deadline.astimezone(zone).strftime("%H:%M %d/%m/%Y"),
                    "open": c.closed_at is None,
                    "entries": len(entries),
                    "lesson": tasks.title(deps, c.lesson_id, tr) if c.lesson_id else None,
                    "board": challenges.standings(entries)[: challenges.BOARD_ROWS],
                    "held": {e.learner_id for e in entries if e.best_confirmed != e.best_any},
                }
            )
    return site.page(request, "challenges.html", rows=rows)


async def certificates_page(site: Site, request: web.Request) -> web.StreamResponse:
    who, deps = _who(request), site.deps
    if not who.opens(Area.CERTIFICATES):
        return site.not_found(request)
    status = (
        request.query.get("status")
        if request.query.get("status") in ("issued", "revoked")
        else None
    )
    async with deps.store.transaction() as repo:
        units = await scope_of(deps, repo, who, Area.CERTIFICATES)
        covered = sorted(units) if units is not None else None
        levels, revoked = await repo.certificates.level_counts(covered)
        picked = await repo.certificates.newest(
            covered, None if status is None else status == "revoked", CERTIFICATE_PAGE
        )
        revoke_units = (
            await scope.of(deps, repo, who.learner_id, Action.REVOKE_CERTIFICATE)
            if who.holds(Action.REVOKE_CERTIFICATE)
            else frozenset()
        )
    counts = {"issued": sum(levels.values()), "revoked": revoked}
    total = counts[status] if status else counts["issued"] + revoked
    rows = [
        {
            "code": shown(r.code),
            "name": r.full_name or "",
            "level": r.level,
            "title": r.level_title,
            "unit": r.unit_name,
            "day": r.issued_on,
            "revoked": r.revoked,
            "revoked_on": r.revoked_at.date() if r.revoked_at else None,
            "reason": r.revoke_reason or "",
            "may_revoke": not r.revoked
            and (revoke_units is None or (r.unit_id is not None and r.unit_id in revoke_units)),
        }
        for r in picked
    ]
    return site.page(
        request,
        "certificates.html",
        rows=rows,
        counts=counts,
        levels=sorted(levels.items()),
        showing=status,
        more=max(0, total - len(picked)),
        revoked_code=request.query.get("revoked"),
    )


async def revoke_post(site: Site, request: web.Request) -> web.StreamResponse:
    """An official revokes a certificate of their subtree, a reason required (who, why and when
    are kept by `certificates.revoke`)."""
    who, deps = _who(request), site.deps
    form = await site.form(request)
    code, reason = form.get("code", ""), " ".join(form.get("reason", "").split())
    if not reason:
        return site.message(
            request,
            400,
            "web.cert.no_reason_title",
            "web.cert.no_reason",
            link=("/web/certificates", "web.back"),
        )
    async with deps.store.transaction() as repo:
        found = await certificates.verify(repo, code)
        record = found.record
        allowed = record is not None and (
            await may(repo, who, Action.REVOKE_CERTIFICATE, record.unit_id)
            if record.unit_id is not None
            else who.admin
        )
        if record is None or not allowed:
            return site.not_found(request)
        outcome, _ = await certificates.revoke(
            repo, code, f"web:{who.learner_id}", reason, deps.now()
        )
    if outcome not in ("revoked", "already"):
        return site.message(request, 400, "web.error_title", "web.error")
    return _see_other(f"/web/certificates?status=revoked&revoked={shown(record.code)}")


async def honours_page(site: Site, request: web.Request) -> web.StreamResponse:
    who, deps = _who(request), site.deps
    if not who.opens(Area.HONOURS):
        return site.not_found(request)
    today = deps.now().astimezone(ZoneInfo(deps.timezone)).date()
    typed = request.query.get("period", "").strip()
    try:
        period = parse_period(typed) if typed else quarter_of(today)
    except PeriodError:
        return site.message(
            request,
            400,
            "web.honours.bad_period_title",
            "web.honours.bad_period",
            link=("/web/honours", "web.back"),
        )
    async with deps.store.transaction() as repo:
        tops = await top_units(repo, who, Area.HONOURS)
        unit_id = _int(request.query.get("unit")) or (tops[0].id if tops else None)
        unit = await unit_for(repo, who, Area.HONOURS, unit_id) if unit_id else None
        if unit is None:
            return site.not_found(request)
        report = await honours.honours(
            repo, unit.id, period, deps.honours_rules, deps.timezone, pass_marks(deps.curriculum)
        )
        crumbs = await trail(repo, who, Area.HONOURS, unit)
        below = await repo.units.children_of(unit.id)
    if report is None:
        return site.not_found(request)
    return site.page(
        request,
        "honours.html",
        report=report,
        unit=unit,
        crumbs=crumbs,
        below_ids={u.id for u in below},
        period=period,
        tops=tops,
        crumb_url=lambda u: f"/web/honours?unit={u.id}&period={period.label}",
    )
