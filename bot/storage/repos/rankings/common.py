"""What the rankings' query families share: the closure's SQL, the denominators, and the query of
lessons passed (the officials' figures count these too)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from bot.services.ports.rankings import PassMarks
from bot.services.ports.records import GradeStatus
from bot.storage.models import ActivityDay, GradeRecord, Learner, Progress, Submission
from bot.storage.repos.base import SqlPort
from bot.storage.repos.certificates import RULES

# Every (ancestor, descendant) pair; depth < 32 guards against a loop in the parents.
CLOSURE = """
INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
WITH RECURSIVE tree(ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM units
    UNION ALL
    SELECT tree.ancestor_id, units.id, tree.depth + 1
    FROM tree JOIN units ON units.parent_id = tree.descendant_id
    WHERE tree.depth < 32
)
SELECT ancestor_id, descendant_id, min(depth) FROM tree GROUP BY ancestor_id, descendant_id
"""
# Whether the stored closure differs from the tree, either way.
CHANGED = """
WITH RECURSIVE tree(ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM units
    UNION ALL
    SELECT tree.ancestor_id, units.id, tree.depth + 1
    FROM tree JOIN units ON units.parent_id = tree.descendant_id
    WHERE tree.depth < 32
), wanted AS (
    SELECT ancestor_id, descendant_id, min(depth) AS depth FROM tree
    GROUP BY ancestor_id, descendant_id
)
SELECT EXISTS (SELECT ancestor_id, descendant_id, depth FROM wanted
               EXCEPT SELECT ancestor_id, descendant_id, depth FROM unit_closure)
    OR EXISTS (SELECT ancestor_id, descendant_id, depth FROM unit_closure
               EXCEPT SELECT ancestor_id, descendant_id, depth FROM wanted)
"""
DENOMINATORS = ("working_age", "officials", "business_owners")
_STAT_COLUMNS = (
    "members",
    "active",
    "active_officials",
    "active_business",
    "score_sum",
    "score_count",
)


def _name() -> Any:
    return case(
        (and_(Learner.show_name, Learner.display_name.is_not(None)), Learner.display_name),
        else_=Learner.nickname,
    )


def passed_lessons(
    start: date | None, end: date | None, marks: PassMarks, learners: Any = None
) -> Any:
    """The (learner_id, lesson_id, completed_on) of every lesson done in [start, end) that is
    passed, by the same rule as bot/services/passing.py: the best confirmed (final) score
    reaches the lesson's pass mark, and a capstone's must be confirmed by a model or a person.
    None when no lesson has a mark. The officials' figures (repos/figures/) count these too."""
    by_mark: dict[int, list[str]] = {}
    for lesson_id, mark in marks.marks.items():
        by_mark.setdefault(mark, []).append(lesson_id)
    if not by_mark:
        return None
    # Exists a confirmed grade of the lesson's work at or above its mark: the same as "the best
    # confirmed score reaches the mark", but a semi-join instead of grouping every grade (a
    # province's 4 million lessons: a third of the time on PostgreSQL).
    pass_mark = case(
        *((Submission.lesson_id.in_(sorted(ids)), m) for m, ids in sorted(by_mark.items()))
    )
    confirmed: Any = GradeRecord.status == GradeStatus.FINAL
    if marks.capstones:
        confirmed = and_(
            confirmed,
            or_(Submission.lesson_id.not_in(sorted(marks.capstones)), GradeRecord.grader != RULES),
        )
    graded = (
        select(literal(1))
        .select_from(Submission)
        .join(GradeRecord, GradeRecord.submission_id == Submission.id)
        .where(
            Submission.learner_id == Progress.learner_id,
            Submission.lesson_id == Progress.lesson_id,
            confirmed,
            GradeRecord.score >= pass_mark,
        )
        .exists()
    )
    where: list[Any] = [
        Progress.completed_on.is_not(None),
        Progress.lesson_id.in_(sorted(marks.marks)),
        graded,
    ]
    where += [Progress.completed_on >= start] if start else []
    where += [Progress.completed_on < end] if end else []
    if learners is not None:
        where.append(Progress.learner_id.in_(learners))
    return (
        select(Progress.learner_id, Progress.lesson_id, Progress.completed_on)
        .where(*where)
        .subquery()
    )


def _passes(start: date, end: date | None, marks: PassMarks, learners: Any = None) -> Any:
    """Per learner, how many lessons done in [start, end) are passed (`passed_lessons`)."""
    passed = passed_lessons(start, end, marks, learners)
    if passed is None:
        return None
    return (
        select(passed.c.learner_id, func.count().label("passes"))
        .group_by(passed.c.learner_id)
        .subquery()
    )


class RankingsBase(SqlPort):
    """The session and the dialect, for every rankings query family."""

    @property
    def _postgres(self) -> bool:
        return self._dialect == "postgresql"

    def _direct(
        self, start: date, end: date | None, marks: PassMarks | None, units: Any = None
    ) -> Any:
        """Per unit, its directly attached learners' figures over [start, end): one pass over
        the period's activity days and completed lessons, grouped by unit."""
        day_in = [ActivityDay.day >= start] + ([ActivityDay.day < end] if end else [])
        active = select(ActivityDay.learner_id).where(*day_in).distinct().subquery()
        done_in = [Progress.completed_on >= start, Progress.best_score.is_not(None)]
        done_in += [Progress.completed_on < end] if end else []
        scores = (
            select(
                Progress.learner_id,
                func.sum(Progress.best_score).label("ssum"),
                func.count().label("scount"),
            )
            .where(*done_in)
            .group_by(Progress.learner_id)
            .subquery()
        )
        is_active = active.c.learner_id.is_not(None)
        where = [Learner.unit_id.is_not(None), Learner.status != "onboarding"]
        if units is not None:
            where.append(Learner.unit_id.in_(units))
        passes = _passes(start, end, marks, select(Learner.id).where(*where)) if marks else None
        query = (
            select(
                Learner.unit_id.label("unit_id"),
                func.count().label("members"),
                func.count(active.c.learner_id).label("active"),
                func.sum(
                    case((and_(is_active, Learner.occupation == "official"), 1), else_=0)
                ).label("active_officials"),
                func.sum(
                    case((and_(is_active, Learner.occupation == "business"), 1), else_=0)
                ).label("active_business"),
                func.coalesce(func.sum(scores.c.ssum), 0).label("score_sum"),
                func.coalesce(func.sum(scores.c.scount), 0).label("score_count"),
                (
                    func.coalesce(func.sum(passes.c.passes), 0)
                    if passes is not None
                    else literal(0)
                ).label("passes"),
            )
            .select_from(Learner)
            .outerjoin(active, active.c.learner_id == Learner.id)
            .outerjoin(scores, scores.c.learner_id == Learner.id)
        )
        if passes is not None:
            query = query.outerjoin(passes, passes.c.learner_id == Learner.id)
        return query.where(*where).group_by(Learner.unit_id)
