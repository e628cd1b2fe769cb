"""Work that is not a lesson's practice, graded by the same pipeline: a lesson's teach-back
("tb~<lesson>") and a challenge ("ch~<id>"). Stored in `submissions` under those lesson ids, so
storing first, the grader, held grades, the review queue, appeals and regrading all apply.

Teach-back pays like practice work (half the best confirmed score, settled through the ledger);
a challenge pays its own points once its deadline has passed (`pay_challenge`).
"""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Translator
from bot.services.context import Deps
from bot.services.ledger import settle_practice
from bot.services.ports import UnitOfWork
from bot.services.ports.challenges import ChallengeRecord, challenge_of, task_id
from lessons import challenge_task, teach_back
from lessons.model import Curriculum, Lesson
from scoring.points import challenge_award


def challenge_lesson(curriculum: Curriculum, challenge: ChallengeRecord) -> Lesson:
    base = (
        curriculum.by_id(challenge.lesson_id) if challenge.lesson_id else None
    ) or curriculum.lessons[0]
    criteria = (
        () if challenge.lesson_id and curriculum.by_id(challenge.lesson_id) else challenge.criteria
    )
    return challenge_task.graded_lesson(
        challenge.id, task_id(challenge.id), challenge.text, base.fitted(None), criteria
    )


async def graded_as(
    deps: Deps, repo: UnitOfWork, lesson_id: str, occupation: str | None
) -> Lesson | None:
    """The lesson the grader is given for work stored under `lesson_id`; None when it is gone."""
    taught = teach_back.lesson_of(lesson_id, deps.curriculum)
    if taught is not None:
        return teach_back.graded_lesson(taught)
    challenge_id = challenge_of(lesson_id)
    if challenge_id is not None:
        challenge = await repo.challenges.challenge(challenge_id)
        return challenge_lesson(deps.curriculum, challenge) if challenge else None
    lesson = deps.curriculum.by_id(lesson_id)
    return lesson.fitted(occupation) if lesson else None


def is_practice(deps: Deps, lesson_id: str) -> bool:
    return deps.curriculum.by_id(lesson_id) is not None


def title(deps: Deps, lesson_id: str, tr: Translator) -> str:
    """What the work was for, as a person reads it."""
    taught = teach_back.lesson_of(lesson_id, deps.curriculum)
    if taught is not None:
        return tr("task.teach_back_title", title=taught.title)
    challenge_id = challenge_of(lesson_id)
    if challenge_id is not None:
        return tr("task.challenge_title", id=challenge_id)
    lesson = deps.curriculum.by_id(lesson_id)
    return lesson.title if lesson else lesson_id


async def settle(deps: Deps, repo: UnitOfWork, learner_id: int, lesson_id: str) -> int:
    """Pay what a newly confirmed grade earns: practice and teach-back settle to half the best
    confirmed score; a challenge pays only after its deadline, once."""
    challenge_id = challenge_of(lesson_id)
    if challenge_id is None:
        return await settle_practice(repo, learner_id, lesson_id, deps.now())
    challenge = await repo.challenges.challenge(challenge_id)
    if challenge is None or challenge.closed_at is None:
        return 0  # the results at the deadline pay it
    return await pay_challenge(repo, challenge, learner_id, deps.now())


async def pay_challenge(
    repo: UnitOfWork, challenge: ChallengeRecord, learner_id: int, now: datetime
) -> int:
    """The challenge's points for this learner's best confirmed score; 0 when already paid or
    nothing is confirmed. The ledger's unique key makes a second call (a restart, a racing
    process, a later confirmation) pay nothing."""
    best = await repo.grades.best_confirmed_score(learner_id, task_id(challenge.id))
    if best is None:
        return 0
    award = challenge_award(learner_id, task_id(challenge.id), challenge.points, best)
    if award is None or not await repo.ledger.award(learner_id, award, now):
        return 0
    return award.points
