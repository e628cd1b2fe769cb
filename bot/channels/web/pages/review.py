"""The review queue: work waiting for an instructor's grade, and the grade posted back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.web.pages.common import _int, _see_other, _who
from bot.services import review, scope, tasks
from bot.services.flag_names import flag_names
from bot.services.web_access import Area, scope_of

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


REVIEW_PAGE = 20
EXCERPT = 600  # characters of the work shown; the whole is in storage


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
