"""Appeals, the instructor's review queue, overrides, and regrading provisional grades.

A changed grade never edits history: the old grade is marked superseded, a new grade row says who
changed it and why, and points move by a new ledger line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.i18n import Translator
from bot.services import certificates, passing, submissions, tasks
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import GradeInfo, GradeStatus, HeldSummary, UnitOfWork

log = logging.getLogger(__name__)

QUEUE_PAGE = 5

Notify = Callable[[int, list[Out]], Awaitable[None]]


async def appeal(
    deps: Deps, repo: UnitOfWork, learner_id: int, grade_id: int, tr: Translator
) -> list[Out]:
    grade = await repo.grades.grade(grade_id)
    if grade is None or grade.learner_id != learner_id or grade.status == GradeStatus.SUPERSEDED:
        return [Out(text=tr("appeal.unknown"))]
    if grade.appealed:
        return [Out(text=tr("appeal.already"))]
    await repo.grades.set_grade_status(grade_id, GradeStatus.REVIEW, appealed=True)
    return [Out(text=tr("appeal.sent", score=grade.score))]


@dataclass(frozen=True)
class ReviewItem:
    """One grade waiting for a person, as data (bot/services/review_chat.py renders it)."""

    grade_id: int
    submission_id: int
    learner_id: int
    lesson_id: str
    score: int
    status: GradeStatus
    flags: tuple[str, ...]
    appealed: bool
    text: str  # the work as sent (may be empty: a photo only)
    photo_ref: str | None
    submitted_at: datetime | None
    graded_at: datetime | None


@dataclass(frozen=True)
class ReviewQueue:
    """The oldest grades waiting for a person (a page of `items`; `total` wait in all) and the
    grades held for confirmation (`held`, None when there are none)."""

    items: tuple[ReviewItem, ...]
    total: int
    held: HeldSummary | None


def review_item(grade: GradeInfo) -> ReviewItem:
    return ReviewItem(
        grade_id=grade.id,
        submission_id=grade.submission_id,
        learner_id=grade.learner_id,
        lesson_id=grade.lesson_id,
        score=grade.score,
        status=grade.status,
        flags=tuple(grade.detail.get("flags", [])),
        appealed=grade.appealed,
        text=grade.text,
        photo_ref=grade.photo_ref,
        submitted_at=grade.submitted_at,
        graded_at=grade.graded_at,
    )


async def review_queue(
    repo: UnitOfWork, units: Collection[int] | None = None, limit: int = QUEUE_PAGE
) -> ReviewQueue:
    """The oldest grades waiting for a person: flagged work first, then appeals. `units`: only
    the work of learners those units cover (an instructor's classes and units); None: all."""
    items = await repo.grades.review_queue(limit, units)
    held = await repo.grades.provisional_summary(units=units)
    return ReviewQueue(
        items=tuple(review_item(g) for g in items),
        total=await repo.grades.review_count(units) if items else 0,
        held=held if held.count else None,
    )


async def override(
    deps: Deps,
    repo: UnitOfWork,
    grade_id: int,
    score: int | None,
    reviewer: str,
    tr: Translator,
) -> tuple[list[Out], tuple[int, list[Out]] | None]:
    """Confirm (score None) or change a grade; returns the instructor's answer and the learner's."""
    grade = await repo.grades.grade(grade_id)
    if grade is None or grade.status == GradeStatus.SUPERSEDED:
        return [Out(text=tr("review.gone"))], None
    new_score = grade.score if score is None else max(0, min(100, score))
    detail = dict(grade.detail)
    detail["reasons"] = [
        *detail.get("reasons", []),
        f"reviewed by {reviewer}: {grade.score} -> {new_score}",
    ]
    detail["flags"] = (
        [*detail.get("flags", []), "overridden"] if score is not None else (detail.get("flags", []))
    )
    points = await _replace_grade(
        deps,
        repo,
        grade,
        new_score,
        detail,
        GradeStatus.FINAL,
        f"instructor:{reviewer}",
        0,
        reviewer=reviewer,
    )
    return [Out(text=tr("review.done", id=grade.id, score=new_score))], (
        grade.learner_id,
        await _tell_learner(deps, repo, grade, new_score, points, tr),
    )


async def _replace_grade(
    deps: Deps,
    repo: UnitOfWork,
    old: GradeInfo,
    score: int,
    detail: dict[str, Any],
    status: GradeStatus,
    grader: str,
    tokens: int,
    *,
    reviewer: str | None = None,
) -> int:
    """A grade never edits history: a new row replaces the old one, which is marked superseded.
    A final (confirmed) grade then pays, settled to the best confirmed grade through the ledger,
    and counts as the lesson's score; a grade still waiting for a person pays nothing yet."""
    new_id = await repo.grades.add_grade(
        old.submission_id, score, detail, status, grader, tokens, 0, deps.now()
    )
    await repo.grades.set_grade_status(old.id, GradeStatus.SUPERSEDED, reviewer=reviewer)
    if status != GradeStatus.FINAL:
        return 0
    # Practice and teach-back settle to the best confirmed score; a closed challenge pays once.
    points = await tasks.settle(deps, repo, old.learner_id, old.lesson_id)
    await repo.grades.set_points_paid(new_id, points)
    await repo.progress.set_best_score(old.learner_id, old.lesson_id, score)
    return points


async def _tell_learner(
    deps: Deps, repo: UnitOfWork, grade: GradeInfo, new_score: int, points: int, tr: Translator
) -> list[Out]:
    learner = await repo.learners.learner(grade.learner_id)
    learner_tr = Translator(learner.language) if learner else tr
    title = tasks.title(deps, grade.lesson_id, learner_tr)
    key = "review.told_same" if new_score == grade.score else "review.told_changed"
    told = [
        Out(
            text=learner_tr(key, title=title, old=grade.score, new=new_score, points=f"{points:+d}")
        )
    ]
    return told + await _after_confirmation(
        deps, repo, grade.learner_id, grade.lesson_id, learner_tr
    )


async def _after_confirmation(
    deps: Deps,
    repo: UnitOfWork,
    learner_id: int,
    lesson_id: str,
    tr: Translator,
    with_result: bool = True,
) -> list[Out]:
    """Passed or not, now that the grade is confirmed; and the level's certificate if earned."""
    lesson = deps.curriculum.by_id(lesson_id)
    if lesson is None:
        return []
    line = (
        passing.result_line(
            await passing.lesson_result(deps, repo, learner_id, lesson), lesson.title, tr
        )
        if with_result
        else None
    )
    return ([line] if line else []) + await certificates.after_confirmed(
        deps, repo, learner_id, lesson_id, tr
    )


# A grade being regraded is leased to one process: the model is asked once per grade.
REGRADE_WORK = "regrade"
REGRADE_LEASE = timedelta(minutes=3)
BULK_LIMIT = 500  # one tap confirms at most this many; the next tap the rest


async def bulk_preview(
    repo: UnitOfWork, up_to: int, units: Collection[int] | None = None
) -> HeldSummary | None:
    """What a bulk confirmation would confirm: the held grades up to the one the queue showed
    (at most BULK_LIMIT of them confirm per tap); None when none are held."""
    held = await repo.grades.provisional_summary(up_to, units)
    return held if held.count else None


async def bulk_confirm(
    deps: Deps,
    repo: UnitOfWork,
    up_to: int,
    reviewer: str,
    tr: Translator,
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
        holder = deps.lease_holder()
        async with deps.store.transaction() as repo:
            # One process regrades a grade: the model is asked once, whoever runs this job.
            if not await repo.leases.claim_work(
                REGRADE_WORK, str(item.id), holder, deps.now(), deps.now() + REGRADE_LEASE
            ):
                continue
        async with deps.store.transaction() as repo:
            current = await repo.grades.grade(item.id)
            if current is None or current.status != GradeStatus.PROVISIONAL:
                continue  # regraded or confirmed meanwhile (by an earlier lease's holder)
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
            async with deps.store.transaction() as repo:  # not done: the next run may take it
                await repo.leases.release_work(REGRADE_WORK, str(item.id), holder)
            break  # still no model: try again at the next run
        async with deps.store.transaction() as repo:
            status = GradeStatus.REVIEW if grade.needs_review else GradeStatus.FINAL
            points = await _replace_grade(
                deps,
                repo,
                item,
                grade.score,
                grade.as_json(),
                status,
                grade.grader,
                grade.tokens.total,
            )
            learner = await repo.learners.learner(item.learner_id)
            tr = Translator(learner.language if learner else "vi")
            # Confirmed by the model: a changed score is told with passed or not; an unchanged
            # one only when it completes a certificate (its announcement).
            after = (
                await _after_confirmation(
                    deps,
                    repo,
                    item.learner_id,
                    item.lesson_id,
                    tr,
                    with_result=grade.score != item.score,
                )
                if status == GradeStatus.FINAL
                else []
            )
        told = (
            [
                Out(
                    text=tr(
                        "review.told_changed",
                        title=tasks.title(deps, item.lesson_id, tr),
                        old=item.score,
                        new=grade.score,
                        points=f"{points:+d}",
                    )
                )
            ]
            if grade.score != item.score
            else []
        )
        changed += bool(told)
        if (told or after) and notify is not None and learner is not None:
            await notify(item.learner_id, told + after)
    return changed


__all__ = [
    "GradeInfo",
    "ReviewItem",
    "ReviewQueue",
    "appeal",
    "bulk_confirm",
    "bulk_preview",
    "override",
    "regrade_provisional",
    "review_queue",
]
