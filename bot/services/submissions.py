"""Practice work: stored first, graded second, paid through the ledger once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.i18n import Translator
from bot.services import badges, buttons, certificates, passing, tasks, teachback
from bot.services.context import Deps
from bot.services.exchange import with_exchange
from bot.services.io import Out
from bot.services.learning import maybe_complete
from bot.services.ledger import settle_practice
from bot.services.ports import (
    GradeStatus,
    LearnerRecord,
    SubmissionRecord,
    SubmissionStatus,
    UnitOfWork,
)
from bot.services.ports.challenges import challenge_of
from lessons.model import Lesson
from scoring.fingerprint import band_hashes
from scoring.grading import CriterionGrade, Flag, Grade, Work
from scoring.points import practice_points

log = logging.getLogger(__name__)

# A submission being graded is leased to one process (the live turn, or the job that grades
# left-over work): the model is asked once per piece of work, however many processes run.
GRADE_WORK = "grade"
GRADE_LEASE = timedelta(minutes=3)  # well past the model's timeout and its one retry
MAX_SUBMISSION_CHARS = 6000  # a chat answer, not a thesis; longer work is kept but not graded
PEER_CANDIDATES = 5  # near-copies found through the fingerprint index; the grader compares these


@dataclass(frozen=True)
class Incoming:
    text: str
    photo_ref: str | None
    channel: str
    dedup_key: str | None
    exchange: tuple[dict[str, str], ...] = ()  # the in-chat model conversation it came from


async def receive(
    deps: Deps, learner: LearnerRecord, incoming: Incoming, tr: Translator
) -> list[Out]:
    """Store the work (committed before grading), grade it, record the grade and the points."""
    async with deps.store.transaction() as repo:
        current = await repo.progress.current_assignment(learner.id)
        lesson = deps.curriculum.by_id(current.lesson_id) if current else None
        if lesson is None:
            return [Out(text=tr("practice.no_lesson"))]
        lesson = lesson.fitted(learner.occupation)  # graded by their occupation's own rubric
        too_long = len(incoming.text) > MAX_SUBMISSION_CHARS
        submission, created = await repo.submissions.add_submission(
            learner.id,
            lesson.id,
            incoming.channel,
            incoming.text,
            incoming.photo_ref,
            incoming.dedup_key,
            SubmissionStatus.TOO_LONG if too_long else SubmissionStatus.RECEIVED,
            deps.now(),
            exchange=incoming.exchange,
        )
        if not created:
            return [Out(text=tr("practice.duplicate"))]
        if too_long:
            return [
                Out(
                    text=tr(
                        "practice.too_long", chars=len(incoming.text), limit=MAX_SUBMISSION_CHARS
                    )
                )
            ]
        peers = await _peers(repo, submission, learner.id, store=True)
        # Stored and leased in one commit: the regrading job leaves it to this turn unless the
        # process dies before grading it.
        await repo.leases.claim_work(
            GRADE_WORK,
            str(submission.id),
            deps.lease_holder(),
            deps.now(),
            deps.now() + GRADE_LEASE,
        )
    grade = await deps.grader.grade(lesson, _work(submission, peers))
    async with deps.store.transaction() as repo:
        return await record_grade(deps, repo, learner, lesson, submission, grade, tr)


async def _peers(
    repo: UnitOfWork, submission: SubmissionRecord, learner_id: int, store: bool
) -> list[str]:
    """Other learners' near-copies of this work, by fingerprint band; the bands are stored too."""
    bands = band_hashes(submission.text)
    if store:
        await repo.submissions.add_fingerprints(
            submission.id, learner_id, submission.lesson_id, bands
        )
    return await repo.submissions.peer_candidates(
        submission.lesson_id, learner_id, bands, PEER_CANDIDATES
    )


async def stored_work(repo: UnitOfWork, submission: SubmissionRecord, learner_id: int) -> Work:
    """Stored work as the grader sees it again (a regrade): near-copies by fingerprint, the
    exchange with the in-chat model attached."""
    return _work(submission, await _peers(repo, submission, learner_id, store=False))


def _work(submission: SubmissionRecord, peers: list[str]) -> Work:
    # The photo's bytes are fetched by the channel only when a vision model will look at them;
    # an empty marker tells the grader that a photo came with the text.
    photo = b"" if submission.photo_ref else None
    return Work(
        text=with_exchange(submission.text, submission.exchange), photo=photo, peers=tuple(peers)
    )


async def _add_grade(
    deps: Deps, repo: UnitOfWork, submission: SubmissionRecord, grade: Grade, status: GradeStatus
) -> int:
    """The grade's row, nothing paid yet (`points_paid` 0): settling pays, once, through the ledger."""
    return await repo.grades.add_grade(
        submission.id,
        grade.score,
        grade.as_json(),
        status,
        grade.grader,
        grade.tokens.total,
        0,
        deps.now(),
    )


async def record_grade(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    lesson: Lesson,
    submission: SubmissionRecord,
    grade: Grade,
    tr: Translator,
) -> list[Out]:
    paid_before = await repo.ledger.practice_points_paid(learner.id, lesson.id)
    before = await repo.progress.assignment(learner.id, lesson.id)
    retry = before is not None and before.completed  # done already: this is a retry
    status = grade_status(grade)
    grade_id = await _add_grade(deps, repo, submission, grade, status)
    paid = 0
    if status == GradeStatus.FINAL:
        # Only a confirmed grade (a model's, or a person's later) pays practice points and counts
        # in standings; a held one pays on confirmation (review.override, regrade_provisional).
        paid = await settle_practice(repo, learner.id, lesson.id, deps.now())
        await repo.grades.set_points_paid(grade_id, paid)
        await repo.progress.set_best_score(learner.id, lesson.id, grade.score)
    today = deps.today_for(learner)
    await repo.progress.add_activity_day(learner.id, today)
    await repo.passing.mark_retried(learner.id, lesson.id, today, deps.now())  # a review day's
    streak = await badges.streak_today(deps, repo, learner)
    held = 0 if status == GradeStatus.FINAL else max(0, practice_points(grade.score) - paid_before)
    out = [render_grade(lesson, grade, paid, streak, tr, grade_id, held_points=held)]
    out += await teachback.offer(deps, repo, learner, lesson, tr)  # "dạy lại": Feynman
    answered = await repo.progress.quiz_answers(learner.id, lesson.id)
    if len(answered) < lesson.quiz_count:
        out.append(Out(text=tr("practice.quiz_left", left=lesson.quiz_count - len(answered))))
    out += await maybe_complete(deps, repo, learner, lesson, tr)
    if retry:
        result = await passing.lesson_result(deps, repo, learner.id, lesson)
        line = passing.result_line(result, lesson.title, tr)
        out += [line] if line else []
    if status == GradeStatus.FINAL:  # a confirmed grade may complete a level's certificate
        out += await certificates.after_confirmed(deps, repo, learner.id, lesson.id, tr)
    out += await badges.after_activity(deps, repo, learner, tr)
    return out


async def receive_for(
    deps: Deps,
    learner: LearnerRecord,
    lesson_id: str,
    incoming: Incoming,
    tr: Translator,
) -> tuple[list[Out], SubmissionRecord | None]:
    """Teach-back or challenge work (`tasks`): stored first, graded by the same grader, recorded
    and paid like practice work. Returns the messages and the stored submission (None when it was
    not stored: a duplicate, a task that is gone)."""
    async with deps.store.transaction() as repo:
        lesson = await tasks.graded_as(deps, repo, lesson_id, learner.occupation)
        if lesson is None:
            return [Out(text=tr("task.gone"))], None
        too_long = len(incoming.text) > MAX_SUBMISSION_CHARS
        submission, created = await repo.submissions.add_submission(
            learner.id,
            lesson_id,
            incoming.channel,
            incoming.text,
            incoming.photo_ref,
            incoming.dedup_key,
            SubmissionStatus.TOO_LONG if too_long else SubmissionStatus.RECEIVED,
            deps.now(),
        )
        if not created:
            return [Out(text=tr("practice.duplicate"))], None
        if too_long:
            return [
                Out(
                    text=tr(
                        "practice.too_long", chars=len(incoming.text), limit=MAX_SUBMISSION_CHARS
                    )
                )
            ], None
        peers = await _peers(repo, submission, learner.id, store=True)
        # Leased in the same commit, as practice work is (`receive`).
        await repo.leases.claim_work(
            GRADE_WORK,
            str(submission.id),
            deps.lease_holder(),
            deps.now(),
            deps.now() + GRADE_LEASE,
        )
    grade = await deps.grader.grade(lesson, _work(submission, peers))
    async with deps.store.transaction() as repo:
        return await record_task_grade(
            deps, repo, learner, lesson, submission, grade, tr
        ), submission


async def record_task_grade(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    lesson: Lesson,
    submission: SubmissionRecord,
    grade: Grade,
    tr: Translator,
) -> list[Out]:
    """`record_grade` for teach-back and challenge work: no lesson to complete, no quiz left."""
    paid_before = await repo.ledger.practice_points_paid(learner.id, submission.lesson_id)
    status = grade_status(grade)
    grade_id = await _add_grade(deps, repo, submission, grade, status)
    paid = 0
    if status == GradeStatus.FINAL:
        paid = await tasks.settle(deps, repo, learner.id, submission.lesson_id)
        await repo.grades.set_points_paid(grade_id, paid)
    today = deps.today_for(learner)
    await repo.progress.add_activity_day(learner.id, today)
    streak = await badges.streak_today(deps, repo, learner)  # frozen days count, as for practice
    # Teach-back points wait for a held grade's confirmation as practice points do; a challenge
    # says its own (its points come at the deadline).
    challenge = challenge_of(submission.lesson_id) is not None
    held = (
        0
        if status == GradeStatus.FINAL or challenge
        else max(0, practice_points(grade.score) - paid_before)
    )
    return [
        render_grade(
            lesson, grade, paid, streak, tr, grade_id, held_points=held, points_line=not challenge
        )
    ]


def criterion_line(criterion: CriterionGrade, title: str, judge: str, tr: Translator) -> str:
    mark = {"met": "✅", "partly": "🔸", "missing": "❌"}[criterion.finding]
    head = f"{mark} {title} ({criterion.score}/{criterion.max})"
    if criterion.feedback:
        return f"{head}: {criterion.feedback}"
    if criterion.finding == "met":
        return f"{head}: {tr('grade.met')}"
    # Never the rubric's keywords: a list of them is what the rules would reward.
    return f"{head}: {tr('grade.improve', judge=judge)}"


def grade_status(grade: Grade) -> GradeStatus:
    """review: a person must look; provisional: rules only, held until confirmed; final: confirmed."""
    if grade.needs_review:
        return GradeStatus.REVIEW
    return GradeStatus.PROVISIONAL if grade.provisional else GradeStatus.FINAL


def render_grade(
    lesson: Lesson,
    grade: Grade,
    points: int,
    streak: int,
    tr: Translator,
    grade_id: int = 0,
    held_points: int = 0,
    points_line: bool = True,
) -> Out:
    rubric = {c.id: c for c in lesson.rubric.criteria}
    lines = [
        criterion_line(c, rubric[c.id].title, rubric[c.id].judge, tr)
        for c in grade.criteria
        if c.id in rubric
    ]
    notes = [tr(f"flag.{flag}") for flag in grade.flags if flag in _LEARNER_NOTES]
    shape = grade.extra.get("shape")
    parts = shape.get("parts", {}) if isinstance(shape, dict) else {}
    notes += [tr(f"grade.missing_part.{part}") for part, found in parts.items() if not found]
    body = "\n".join(lines)
    if notes:
        body += "\n\n" + "\n".join(notes)
    if grade.needs_review:
        body += "\n\n" + tr("grade.review")
    elif grade.provisional:
        body += "\n\n" + tr("grade.provisional")
    if points_line:  # a challenge's points come with its results, and say so there
        body += "\n\n" + tr("grade.points", points=points, streak=streak)
    if held_points > 0:
        body += "\n" + tr("grade.points_held", points=held_points)
    # Work already waiting for a person needs no appeal; everything else can be appealed.
    options = (
        ()
        if grade.needs_review or not grade_id
        else (buttons.Appeal(grade_id).as_option(tr("grade.appeal")),)
    )
    if options:
        body += "\n" + tr("grade.appeal_hint")
    # Not remembered: a "B" typed next still answers the quiz, not this button.
    return Out(
        title=tr("grade.title", score=grade.score),
        text=body,
        options=options,
        remember_options=False,
    )


# Flags the learner is told about; llm_unavailable is said by the provisional line.
_LEARNER_NOTES = frozenset(
    {
        Flag.EMPTY,
        Flag.TOO_SHORT,
        Flag.TOO_LONG,
        Flag.NOT_VIETNAMESE,
        Flag.COPIED_LESSON,
        Flag.COPIED_EXEMPLARY,
        Flag.COPIED_PEER,
        Flag.INJECTION,
        Flag.INVISIBLE_CHARS,
        Flag.PHOTO_PENDING,
        Flag.KEYWORD_LIST,
        Flag.LIST_LIKE,
        Flag.REPETITIVE,
        Flag.OFF_TOPIC,
    }
)


async def grade_waiting(
    deps: Deps, tr_for: dict[str, Translator], limit: int = 50
) -> list[tuple[int, list[Out]]]:
    """Grade work that was stored but never graded (a crash, a restart); returns what to tell whom.

    Each piece is leased first: work still in the hands of a live turn, or taken by another
    process running this job, is left alone."""
    async with deps.store.transaction() as repo:
        waiting = await repo.submissions.ungraded_submissions(deps.now(), limit)
    told: list[tuple[int, list[Out]]] = []
    for listed in waiting:
        async with deps.store.transaction() as repo:
            if not await repo.leases.claim_work(
                GRADE_WORK,
                str(listed.id),
                deps.lease_holder(),
                deps.now(),
                deps.now() + GRADE_LEASE,
            ):
                continue
        async with deps.store.transaction() as repo:
            # Graded meanwhile, by the holder of an earlier lease?
            submission = await repo.submissions.submission(listed.id)
            if submission is None or submission.status != SubmissionStatus.RECEIVED:
                continue
            learner = await repo.learners.learner(submission.learner_id)
            if learner is None:
                continue
            # Teach-back and challenge work too (`tasks`): the grader gets what it was for.
            lesson = await tasks.graded_as(deps, repo, submission.lesson_id, learner.occupation)
            if lesson is None:
                continue
            peers = await _peers(repo, submission, learner.id, store=False)
        grade = await deps.grader.grade(lesson, _work(submission, peers))
        tr = tr_for.get(learner.language) or Translator(learner.language)
        record = (
            record_grade if tasks.is_practice(deps, submission.lesson_id) else record_task_grade
        )
        async with deps.store.transaction() as repo:
            out = await record(deps, repo, learner, lesson, submission, grade, tr)
        told.append((learner.id, out))
    return told
