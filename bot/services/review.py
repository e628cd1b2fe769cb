"""Appeals, the instructor's review queue, overrides, and regrading provisional grades.

A changed grade never edits history: the old grade is marked superseded, a new grade row says who
changed it and why, and points move by a new ledger line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.i18n import Translator
from bot.services.context import Deps
from bot.services.flag_names import flag_names
from bot.services.io import Option, Out
from bot.services.ports import GradeInfo, Repo
from scoring.grading import Work
from scoring.points import practice_award, regrade_adjustment

log = logging.getLogger(__name__)

QUEUE_PAGE = 5
EXCERPT = 600

Notify = Callable[[int, list[Out]], Awaitable[None]]


async def appeal(deps: Deps, repo: Repo, learner_id: int, grade_id: int,
                 tr: Translator) -> list[Out]:
    grade = await repo.grade(grade_id)
    if grade is None or grade.learner_id != learner_id or grade.status == "superseded":
        return [Out(text=tr("appeal.unknown"))]
    if grade.appealed:
        return [Out(text=tr("appeal.already"))]
    await repo.set_grade_status(grade_id, "review", appealed=True)
    return [Out(text=tr("appeal.sent", score=grade.score))]


async def queue(deps: Deps, repo: Repo, tr: Translator) -> list[Out]:
    """The oldest grades waiting for a person: flagged work first, then appeals."""
    items = await repo.review_queue(QUEUE_PAGE)
    if not items:
        return [Out(text=tr("review.empty"))]
    out = [Out(text=tr("review.header", count=await repo.review_count()))]
    for item in items:
        lesson = deps.curriculum.by_id(item.lesson_id)
        flags = flag_names(item.detail.get("flags", []), tr)
        out.append(Out(
            title=tr("review.item_title", id=item.id, score=item.score),
            text=tr("review.item", lesson=lesson.title if lesson else item.lesson_id,
                    flags=flags, appealed=tr("review.appealed") if item.appealed else "",
                    text=(item.text or tr("review.photo_only"))[:EXCERPT],
                    photo=item.photo_ref or "-"),
            options=(Option(f"rv:ok:{item.id}", tr("review.confirm")),
                     Option(f"rv:set:{item.id}", tr("review.change"))),
        ))
    return out


async def confirm(deps: Deps, repo: Repo, grade_id: int, reviewer: str,
                  tr: Translator) -> tuple[list[Out], tuple[int, list[Out]] | None]:
    return await override(deps, repo, grade_id, None, reviewer, tr)


async def override(
    deps: Deps, repo: Repo, grade_id: int, score: int | None, reviewer: str, tr: Translator,
) -> tuple[list[Out], tuple[int, list[Out]] | None]:
    """Confirm (score None) or change a grade; returns the instructor's answer and the learner's."""
    grade = await repo.grade(grade_id)
    if grade is None or grade.status == "superseded":
        return [Out(text=tr("review.gone"))], None
    new_score = grade.score if score is None else max(0, min(100, score))
    detail = dict(grade.detail)
    detail["reasons"] = [*detail.get("reasons", []),
                         f"reviewed by {reviewer}: {grade.score} -> {new_score}"]
    detail["flags"] = [*detail.get("flags", []), "overridden"] if score is not None else (
        detail.get("flags", []))
    paid = await repo.practice_points_paid(grade.learner_id, grade.lesson_id)
    new_id = await repo.add_grade(grade.submission_id, new_score, detail, "final",
                                  f"instructor:{reviewer}", 0, 0, deps.now())
    await repo.set_grade_status(grade.id, "superseded", reviewer=reviewer)
    best_other = await repo.best_other_score(grade.learner_id, grade.lesson_id,
                                             grade.submission_id)
    target = max(new_score, best_other or 0)
    if paid == 0 and grade.points_paid == 0:
        award = practice_award(grade.learner_id, grade.lesson_id, grade.submission_id, target, 0)
    else:
        award = regrade_adjustment(grade.learner_id, grade.lesson_id, new_id, paid, target)
    if award is not None:
        await repo.award(grade.learner_id, award, deps.now())
    await repo.set_best_score(grade.learner_id, grade.lesson_id, new_score)
    points = award.points if award else 0
    lesson = deps.curriculum.by_id(grade.lesson_id)
    learner = await repo.learner(grade.learner_id)
    learner_tr = Translator(learner.language) if learner else tr
    title = lesson.title if lesson else grade.lesson_id
    key = "review.told_same" if new_score == grade.score else "review.told_changed"
    told = [Out(text=learner_tr(key, title=title, old=grade.score, new=new_score,
                                points=f"{points:+d}"))]
    return [Out(text=tr("review.done", id=grade.id, score=new_score))], (grade.learner_id, told)


async def regrade_provisional(deps: Deps, notify: Notify | None, limit: int = 20) -> int:
    """Grade again the work a model could not see; tell learners whose score changed."""
    async with deps.store.transaction() as repo:
        waiting = await repo.provisional_grades(limit)
    changed = 0
    for item in waiting:
        lesson = deps.curriculum.by_id(item.lesson_id)
        if lesson is None:
            continue
        async with deps.store.transaction() as repo:
            peers = await repo.peer_texts(lesson.id, item.learner_id, 200)
        grade = await deps.grader.grade(lesson, Work(text=item.text, peers=tuple(peers)))
        if grade.provisional and "llm_unavailable" in grade.flags:
            break  # still no model: try again at the next run
        async with deps.store.transaction() as repo:
            status = "review" if grade.needs_review else "final"
            new_id = await repo.add_grade(item.submission_id, grade.score, grade.as_json(), status,
                                          grade.grader, grade.tokens.total, 0, deps.now())
            await repo.set_grade_status(item.id, "superseded")
            paid = await repo.practice_points_paid(item.learner_id, item.lesson_id)
            best_other = await repo.best_other_score(item.learner_id, item.lesson_id,
                                                     item.submission_id)
            target = max(grade.score, best_other or 0)
            award = None if grade.needs_review else regrade_adjustment(
                item.learner_id, item.lesson_id, new_id, paid, target)
            if award is not None:
                await repo.award(item.learner_id, award, deps.now())
            learner = await repo.learner(item.learner_id)
        if grade.score != item.score and notify is not None and learner is not None:
            changed += 1
            tr = Translator(learner.language)
            await notify(item.learner_id, [Out(text=tr(
                "review.told_changed", title=lesson.title, old=item.score, new=grade.score,
                points=f"{(award.points if award else 0):+d}"))])
    return changed


__all__ = ["GradeInfo", "appeal", "confirm", "override", "queue", "regrade_provisional"]
