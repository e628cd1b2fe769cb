"""Done and passed. Done: the quiz answered and the work submitted. Passed: a confirmed practice
score at or above the lesson's pass mark. A lesson done but not passed comes back on a review day
(one in seven) with its feedback, and any new submission of it is a retry through the same
grading and the same ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, PassMarks, UnitOfWork
from lessons.model import Curriculum, Lesson
from lessons.plan import Assignment, ReviewSlot, pick_review, review_due
from scoring.passing import Confirmed, lesson_passed, level_standing

PassState = Literal["passed", "not_passed", "held", "none"]


@dataclass(frozen=True)
class LessonResult:
    state: PassState
    score: int | None  # the score that decides: the best confirmed one (a capstone's: judged)
    mark: int


def result_of(deps: Deps, lesson: Lesson, confirmed: Confirmed | None) -> LessonResult:
    mark = deps.curriculum.pass_mark(lesson)
    if confirmed is None:
        return LessonResult("none", None, mark)
    judged = confirmed.best_judged if lesson.is_capstone else confirmed.best
    if lesson_passed(lesson, mark, confirmed):
        return LessonResult("passed", judged, mark)
    if confirmed.held:  # a grade waits for a model or a person: passed or not is not known yet
        return LessonResult("held", judged, mark)
    if confirmed.best is None:
        return LessonResult("none", None, mark)
    return LessonResult("not_passed", judged if judged is not None else confirmed.best, mark)


async def lesson_result(
    deps: Deps, repo: UnitOfWork, learner_id: int, lesson: Lesson
) -> LessonResult:
    scores = await repo.passing.confirmed_scores(learner_id, [lesson.id])
    return result_of(deps, lesson, scores.get(lesson.id))


async def passed_lessons(deps: Deps, repo: UnitOfWork, learner_id: int) -> set[str]:
    scores = await repo.passing.confirmed_scores(learner_id)
    return {
        lesson_id
        for lesson_id, confirmed in scores.items()
        if (lesson := deps.curriculum.by_id(lesson_id)) is not None
        and lesson_passed(lesson, deps.curriculum.pass_mark(lesson), confirmed)
    }


async def not_passed(deps: Deps, repo: UnitOfWork, learner_id: int) -> dict[str, int]:
    """Lessons done whose confirmed score is under the pass mark, with how often each has come
    back already. A lesson with a grade still held waits for it, and is not brought back."""
    done = await repo.progress.completed_lessons(learner_id)
    scores = await repo.passing.confirmed_scores(learner_id, done)
    counts = await repo.passing.review_counts(learner_id)
    out: dict[str, int] = {}
    for lesson_id in done:
        lesson = deps.curriculum.by_id(lesson_id)
        if lesson is not None and result_of(deps, lesson, scores.get(lesson_id)).state == (
            "not_passed"
        ):
            out[lesson_id] = counts.get(lesson_id, 0)
    return out


def pass_marks(curriculum: Curriculum) -> PassMarks:
    """The rule of `passed_lessons` as data, for storage to count passes over many learners in
    one query (honours): each lesson's pass mark, and which lessons are capstones."""
    return PassMarks(
        {ls.id: curriculum.pass_mark(ls) for ls in curriculum.lessons},
        frozenset(ls.id for ls in curriculum.lessons if ls.is_capstone),
    )


def first_day(learner: LearnerRecord) -> date | None:
    if learner.created_at is None:
        return None
    return learner.created_at.astimezone(ZoneInfo(learner.timezone)).date()


async def review_today(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    current: Assignment | None,
    today: date,
) -> ReviewSlot | None:
    """Today's review: the one already opened, or, on a review day with no lesson in hand, the
    lesson not passed that came back least often (opened now; once a day, whatever the race)."""
    found = await repo.passing.review_on(learner.id, today)
    if found is None and review_due(current, today, first_day(learner)):
        lesson = pick_review(deps.curriculum, await not_passed(deps, repo, learner.id))
        if lesson is None:
            return None
        if await repo.passing.open_review(learner.id, lesson.id, today, deps.now()):
            return ReviewSlot(lesson.id)
        found = await repo.passing.review_on(learner.id, today)  # another process opened one
    return found.slot if found else None


def completion_text(result: LessonResult, points: int, streak: int, tr: Translator) -> str:
    """The message when a lesson is done: it says passed only when it is."""
    key = {"passed": "pass.completed_passed", "not_passed": "pass.completed_not_passed"}.get(
        result.state, "pass.completed_held"
    )
    return tr(
        key,
        points=points,
        streak=streak,
        score=result.score if result.score is not None else "-",
        mark=result.mark,
    )


def result_line(result: LessonResult, title: str, tr: Translator) -> Out | None:
    """After a retry or a confirmation: passed, or not yet (and that it will come back)."""
    if result.state == "passed":
        return Out(text=tr("pass.now_passed", title=title, score=result.score, mark=result.mark))
    if result.state == "not_passed":
        return Out(
            text=tr("pass.still_not_passed", title=title, score=result.score, mark=result.mark)
        )
    return None


async def certificate_coming(deps: Deps, repo: UnitOfWork, learner_id: int, level: int) -> bool:
    """Whether the level's certificate is issued, or earned and about to be announced."""
    if any(c.level == level for c in await repo.certificates.of_learner(learner_id)):
        return True
    ids = [ls.id for ls in deps.curriculum.of_level(level)]
    found = level_standing(
        deps.curriculum, level, await repo.passing.confirmed_scores(learner_id, ids)
    )
    return found is not None and found.earned
