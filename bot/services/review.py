"""Appeals, the instructor's review queue, overrides, and regrading provisional grades.

A changed grade never edits history: the old grade is marked superseded, a new grade row says who
changed it and why, and points move by a new ledger line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection

from bot.i18n import Translator
from bot.services import submissions, tasks
from bot.services.context import Deps
from bot.services.flag_names import flag_names
from bot.services.io import Option, Out
from bot.services.ports import GradeInfo, GradeStatus, HeldSummary, UnitOfWork

log = logging.getLogger(__name__)

QUEUE_PAGE = 5
EXCERPT = 600

Notify = Callable[[int, list[Out]], Awaitable[None]]


async def appeal(deps: Deps, repo: UnitOfWork, learner_id: int, grade_id: int,
                 tr: Translator) -> list[Out]:
    grade = await repo.grades.grade(grade_id)
    if grade is None or grade.learner_id != learner_id or grade.status == GradeStatus.SUPERSEDED:
        return [Out(text=tr("appeal.unknown"))]
    if grade.appealed:
        return [Out(text=tr("appeal.already"))]
    await repo.grades.set_grade_status(grade_id, GradeStatus.REVIEW, appealed=True)
    return [Out(text=tr("appeal.sent", score=grade.score))]


async def queue(deps: Deps, repo: UnitOfWork, tr: Translator,
                units: Collection[int] | None = None) -> list[Out]:
    """The oldest grades waiting for a person: flagged work first, then appeals. `units`: only
    the work of learners those units cover (an instructor's classes and units); None: all."""
    items = await repo.grades.review_queue(QUEUE_PAGE, units)
    held = await repo.grades.provisional_summary(units=units)
    bulk = [Out(text=tr("review.held", count=held.count, scores=_scores(held, tr)),
                options=(Option(f"rv:bulk:{held.last_id}", tr("review.bulk")),))
            ] if held.count else []
    if not items:
        return [Out(text=tr("review.empty")), *bulk]
    out = [Out(text=tr("review.header", count=await repo.grades.review_count(units))), *bulk]
    for item in items:
        flags = flag_names(item.detail.get("flags", []), tr)
        out.append(Out(
            title=tr("review.item_title", id=item.id, score=item.score),
            text=tr("review.item", lesson=tasks.title(deps, item.lesson_id, tr),
                    flags=flags, appealed=tr("review.appealed") if item.appealed else "",
                    text=(item.text or tr("review.photo_only"))[:EXCERPT],
                    photo=item.photo_ref or "-"),
            options=(Option(f"rv:ok:{item.id}", tr("review.confirm")),
                     Option(f"rv:set:{item.id}", tr("review.change"))),
        ))
    return out


async def confirm(deps: Deps, repo: UnitOfWork, grade_id: int, reviewer: str,
                  tr: Translator) -> tuple[list[Out], tuple[int, list[Out]] | None]:
    return await override(deps, repo, grade_id, None, reviewer, tr)


async def override(
    deps: Deps, repo: UnitOfWork, grade_id: int, score: int | None, reviewer: str, tr: Translator,
) -> tuple[list[Out], tuple[int, list[Out]] | None]:
    """Confirm (score None) or change a grade; returns the instructor's answer and the learner's."""
    grade = await repo.grades.grade(grade_id)
    if grade is None or grade.status == GradeStatus.SUPERSEDED:
        return [Out(text=tr("review.gone"))], None
    new_score = grade.score if score is None else max(0, min(100, score))
    detail = dict(grade.detail)
    detail["reasons"] = [*detail.get("reasons", []),
                         f"reviewed by {reviewer}: {grade.score} -> {new_score}"]
    detail["flags"] = [*detail.get("flags", []), "overridden"] if score is not None else (
        detail.get("flags", []))
    new_id = await repo.grades.add_grade(grade.submission_id, new_score, detail, GradeStatus.FINAL,
                                  f"instructor:{reviewer}", 0, 0, deps.now())
    await repo.grades.set_grade_status(grade.id, GradeStatus.SUPERSEDED, reviewer=reviewer)
    # Practice and teach-back settle to the best confirmed score; a closed challenge pays once.
    points = await tasks.settle(deps, repo, grade.learner_id, grade.lesson_id)
    await repo.grades.set_points_paid(new_id, points)
    await repo.progress.set_best_score(grade.learner_id, grade.lesson_id, new_score)
    return [Out(text=tr("review.done", id=grade.id, score=new_score))], (
        grade.learner_id, await _tell_learner(deps, repo, grade, new_score, points, tr))


async def _tell_learner(deps: Deps, repo: UnitOfWork, grade: GradeInfo, new_score: int, points: int,
                        tr: Translator) -> list[Out]:
    learner = await repo.learners.learner(grade.learner_id)
    learner_tr = Translator(learner.language) if learner else tr
    title = tasks.title(deps, grade.lesson_id, learner_tr)
    key = "review.told_same" if new_score == grade.score else "review.told_changed"
    return [Out(text=learner_tr(key, title=title, old=grade.score, new=new_score,
                                points=f"{points:+d}"))]


def _scores(held: HeldSummary, tr: Translator) -> str:
    if held.low == held.high:
        return tr("review.scores_one", score=held.low)
    return tr("review.scores_range", low=held.low, high=held.high)


BULK_LIMIT = 500  # one tap confirms at most this many; the next tap the rest


async def bulk_preview(deps: Deps, repo: UnitOfWork, up_to: int, tr: Translator,
                       units: Collection[int] | None = None) -> list[Out]:
    """What a bulk confirmation would confirm: the held grades up to the one the queue showed."""
    held = await repo.grades.provisional_summary(up_to, units)
    if not held.count:
        return [Out(text=tr("review.bulk_none"))]
    return [Out(text=tr("review.bulk_preview", count=min(held.count, BULK_LIMIT),
                        scores=_scores(held, tr)),
                options=(Option(f"rv:bulkok:{held.last_id}", tr("review.bulk_yes")),))]


async def bulk_confirm(
    deps: Deps, repo: UnitOfWork, up_to: int, reviewer: str, tr: Translator,
    units: Collection[int] | None = None,
) -> tuple[list[Out], list[tuple[int, list[Out]]]]:
    """Confirm every held (provisional) grade up to `up_to` as it stands; work that arrived after
    the preview is left for the next look. Each learner is told and paid through the ledger."""
    told: list[tuple[int, list[Out]]] = []
    for item in await repo.grades.provisional_grades(BULK_LIMIT, up_to=up_to, units=units):
        _answer, note = await override(deps, repo, item.id, None, reviewer, tr)
        if note is not None:
            told.append(note)
    if not told:
        return [Out(text=tr("review.bulk_none"))], []
    return [Out(text=tr("review.bulk_done", count=len(told)))], told


async def regrade_provisional(deps: Deps, notify: Notify | None, limit: int = 20) -> int:
    """Grade again the work a model could not see; tell learners whose score changed."""
    async with deps.store.transaction() as repo:
        waiting = await repo.grades.provisional_grades(limit)
    changed = 0
    for item in waiting:
        async with deps.store.transaction() as repo:
            learner = await repo.learners.learner(item.learner_id)
            submission = await repo.submissions.submission(item.submission_id)
            if learner is None or submission is None:
                continue
            # Graded again by the rubric the learner was given (their occupation's, a
            # teach-back's, a challenge's), with what they sent.
            lesson = await tasks.graded_as(deps, repo, item.lesson_id, learner.occupation)
            if lesson is None:
                continue
            work = await submissions.stored_work(repo, submission, learner.id)
        grade = await deps.grader.grade(lesson, work)
        if grade.provisional and "llm_unavailable" in grade.flags:
            break  # still no model: try again at the next run
        async with deps.store.transaction() as repo:
            status = GradeStatus.REVIEW if grade.needs_review else GradeStatus.FINAL
            new_id = await repo.grades.add_grade(item.submission_id, grade.score, grade.as_json(), status,
                                          grade.grader, grade.tokens.total, 0, deps.now())
            await repo.grades.set_grade_status(item.id, GradeStatus.SUPERSEDED)
            points = 0
            if status == GradeStatus.FINAL:  # confirmed by the model: now it pays and counts
                points = await tasks.settle(deps, repo, item.learner_id, item.lesson_id)
                await repo.grades.set_points_paid(new_id, points)
                await repo.progress.set_best_score(item.learner_id, item.lesson_id, grade.score)
            learner = await repo.learners.learner(item.learner_id)
        if grade.score != item.score and notify is not None and learner is not None:
            changed += 1
            tr = Translator(learner.language)
            await notify(item.learner_id, [Out(text=tr(
                "review.told_changed", title=tasks.title(deps, item.lesson_id, tr),
                old=item.score, new=grade.score,
                points=f"{points:+d}"))])
    return changed


__all__ = ["GradeInfo", "appeal", "bulk_confirm", "bulk_preview", "confirm", "override", "queue",
           "regrade_provisional"]
