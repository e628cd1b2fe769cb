"""Who a challenge is for: the learners of its unit's subtree."""

from __future__ import annotations

from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.ports.challenges import ChallengeRecord


async def audience(repo: UnitOfWork, unit_id: int) -> list[int]:
    """Learners the challenge is for: those of the unit's subtree and members of its classes."""
    return await repo.classes.learners_in(await repo.roles.subtree([unit_id]))


async def in_audience(repo: UnitOfWork, challenge: ChallengeRecord, learner_id: int) -> bool:
    return await repo.classes.covers(learner_id, await repo.roles.subtree([challenge.unit_id]))


async def for_learner(repo: UnitOfWork, learner: LearnerRecord) -> list[ChallengeRecord]:
    """Challenges for units above the learner's group and above the classes they attend."""
    starts = ([learner.unit_id] if learner.unit_id else []) + await repo.classes.classes_of(
        learner.id
    )
    units: set[int] = set()
    for start in starts:
        units.update(await repo.roles.ancestors(start))
    return await repo.challenges.challenges_in(units, 20) if units else []
