"""Practice points, settled against the best confirmed grade: one payment per improvement, never
two racing payments, under any number of processes and channels."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.services.ports import UnitOfWork
from scoring.points import practice_line

log = logging.getLogger(__name__)

ATTEMPTS = 5  # each lost race means another process just paid; a few rounds always settle


async def settle_practice(repo: UnitOfWork, learner_id: int, lesson_id: str, now: datetime) -> int:
    """Bring the practice points paid for a lesson to half its best confirmed score.

    Idempotent: a second call, a redelivered update or a racing process pays nothing more.
    Returns the points this call moved (negative when an instructor lowered the best grade).
    """
    for _ in range(ATTEMPTS):
        best = await repo.grades.best_confirmed_score(learner_id, lesson_id)
        lines, paid = await repo.ledger.practice_ledger(learner_id, lesson_id)
        line = practice_line(learner_id, lesson_id, lines, best, paid)
        if line is None:
            return 0
        if await repo.ledger.award(learner_id, line, now):
            return line.points
        # Another process wrote line number `lines` first: read the ledger again.
    log.error("practice points for learner %s lesson %s did not settle", learner_id, lesson_id)
    return 0
