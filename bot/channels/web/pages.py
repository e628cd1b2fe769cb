"""The web pages' handlers: each reads through the services (the same as the chat's), checks the
unit against the viewer's roles, and hands plain values to a template. Thin on purpose."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.channels.web.session import COOKIE, SESSION, VIEWER, same_origin
from bot.services import certificates, challenges, honours, reach, review, scope, tasks, web_signin
from bot.services.flag_names import flag_names
from bot.services.leader import roster as group_roster
from bot.services.passing import pass_marks
from bot.services.permissions import Action
from bot.services.ports import UnitOfWork, UnitRecord
from bot.services.ports.classes import CLASS_KIND
from bot.services.web_access import Area, Viewer, may, scope_of, top_units, trail, unit_for
from scoring.certificate_code import shown
from scoring.honours import PeriodError, parse_period, quarter_of

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


STYLE_FILE = "style.css"
REVIEW_PAGE = 20
EXCERPT = 600  # characters of the work shown; the whole is in storage
CERTIFICATE_PAGE = 300
CHALLENGE_PAGE = 20


def routes(site: Site) -> list[web.RouteDef]:
    from bot.channels.web import overview  # the figures' pages (they import this module)

    p = "/web"
    return [
        web.get(f"{p}/style.css", partial(style, site)),
        web.get(f"{p}/login/{{token}}", partial(login_page, site)),
        web.post(f"{p}/login/{{token}}", partial(login, site)),
        web.get(f"{p}/signed-out", partial(signed_out, site)),
        web.post(f"{p}/logout", partial(logout, site)),
        web.get(f"{p}/", partial(home, site)),
        web.get(p, partial(home, site)),
        web.get(f"{p}/unit/{{unit_id:[0-9]{{1,12}}}}/members", partial(members, site)),
        web.get(f"{p}/review", partial(review_page, site)),
        web.post(f"{p}/review/{{grade_id:[0-9]{{1,12}}}}", partial(review_post, site)),
        web.get(f"{p}/challenges", partial(challenges_page, site)),
        web.get(f"{p}/certificates", partial(certificates_page, site)),
        web.post(f"{p}/certificates/revoke", partial(revoke_post, site)),
        web.get(f"{p}/honours", partial(honours_page, site)),
        *overview.routes(site),
    ]


def _who(request: web.Request) -> Viewer:
    return request[VIEWER]


def _int(text: str | None) -> int | None:
    return int(text) if text and re.fullmatch(r"[0-9]{1,12}", text) else None


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def style(site: Site, request: web.Request) -> web.StreamResponse:
    css = site.env.loader.get_source(site.env, STYLE_FILE)[0] if site.env.loader else ""
    return web.Response(
        text=css,
        content_type="text/css",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


# ---- signing in and out ------------------------------------------------------------------------


async def login_page(site: Site, request: web.Request) -> web.StreamResponse:
    """The link from the chat: a button, so that a chat app fetching the link for a preview
    does not use it up. A link already used or expired says so here."""
    token = request.match_info["token"]
    async with site.deps.store.transaction() as repo:
        usable = await web_signin.link_usable(site.deps, repo, token)
    if not usable:
        return site.message(request, 410, "web.link_gone_title", "web.link_gone")
    return site.page(request, "login.html", token=token)


async def login(site: Site, request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    if not same_origin(request):  # another site's form cannot sign a browser in
        return site.message(request, 403, "web.csrf_title", "web.csrf")
    async with site.deps.store.transaction() as repo:
        session = await web_signin.open_link(site.deps, repo, token, site.session_ttl)
    if session is None:
        return site.message(request, 410, "web.link_gone_title", "web.link_gone")
    sealed, _cookie = site.sealer.seal(session.id)
    response = _see_other("/web/")
    response.set_cookie(
        COOKIE,
        sealed,
        path="/web",
        httponly=True,
        samesite="Strict",
        secure=site.secure,
        max_age=int(site.session_ttl.total_seconds()),
    )
    return response


async def logout(site: Site, request: web.Request) -> web.StreamResponse:
    await site.form(request)
    async with site.deps.store.transaction() as repo:
        await repo.web.sign_out(request[SESSION].session_id, site.deps.now())
    response = _see_other("/web/signed-out")
    response.del_cookie(COOKIE, path="/web")
    return response


async def signed_out(site: Site, request: web.Request) -> web.StreamResponse:
    return site.message(request, 200, "web.signed_out_title", "web.signed_out")


# ---- home: where each of the person's roles starts ----------------------------------------------


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


# ---- a group's or class's members --------------------------------------------------------------


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


# ---- the review queue --------------------------------------------------------------------------


async def review_page(site: Site, request: web.Request) -> web.StreamResponse:
    who, deps, tr = _who(request), site.deps, site.tr
    if not who.opens(Area.REVIEW):
        return site.not_found(request)
    async with deps.store.transaction() as repo:
        units = await scope_of(deps, repo, who, Area.REVIEW)
        queue = (
            await review.review_queue(repo, units, REVIEW_PAGE) if scope.allowed(units) else None
        )
    items = queue.items if queue else ()
    count = queue.total if queue else 0
    shown_items = [
        {
            "id": g.grade_id,
            "score": g.score,
            "lesson": tasks.title(deps, g.lesson_id, tr),
            "flags": flag_names(list(g.flags), tr),
            "appealed": g.appealed,
            "text": (g.text or tr("review.photo_only"))[:EXCERPT],
            "photo": bool(g.photo_ref),
        }
        for g in items
    ]
    done = _int(request.query.get("done"))
    return site.page(
        request,
        "review.html",
        items=shown_items,
        count=count,
        done=done,
        done_score=_int(request.query.get("score")),
    )


async def review_post(site: Site, request: web.Request) -> web.StreamResponse:
    """Keep or change one grade, through the same service as the chat's /review."""
    who, deps = _who(request), site.deps
    form = await site.form(request)
    grade_id = int(request.match_info["grade_id"])
    action = form.get("action")
    score: int | None = None
    if action == "set":
        typed = (form.get("score") or "").strip()
        if not re.fullmatch(r"[0-9]{1,3}", typed) or int(typed) > 100:
            return site.message(
                request,
                400,
                "web.review.bad_score_title",
                "review.bad_score",
                link=("/web/review", "web.back"),
            )
        score = int(typed)
    elif action != "ok":
        return site.message(request, 400, "web.error_title", "web.error")
    told = None
    async with deps.store.transaction() as repo:
        units = await scope_of(deps, repo, who, Area.REVIEW)
        grade = await repo.grades.grade(grade_id)
        if (
            not scope.allowed(units)
            or grade is None
            or not await scope.has_learner(repo, units, grade.learner_id)
        ):
            return site.not_found(request)  # another unit's work: not even that it exists
        _answer, told = await review.override(
            deps, repo, grade_id, score, f"web:{who.learner_id}", site.tr
        )
    if told is not None and deps.notify is not None:
        await deps.notify(*told)  # after the commit, as the chat's notices are
    new_score = grade.score if score is None else score
    return _see_other(f"/web/review?done={grade_id}&score={new_score}")


# ---- challenges --------------------------------------------------------------------------------


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


# ---- certificates ------------------------------------------------------------------------------


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


# ---- honours -----------------------------------------------------------------------------------


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
