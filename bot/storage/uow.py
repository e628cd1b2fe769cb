"""The `UnitOfWork` on SQLAlchemy: every port on the one session of one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.repos.deliveries import SqlDeliveries
from bot.storage.repos.grades import SqlGrades, SqlSubmissions
from bot.storage.repos.inbox import SqlInbox
from bot.storage.repos.learners import SqlLearners, SqlLinks
from bot.storage.repos.ledger import SqlLedger
from bot.storage.repos.progress import SqlProgress
from bot.storage.repos.tokens import SqlTokens
from bot.storage.repos.units import SqlUnits


class SqlUnitOfWork:
    """Nothing here commits: `SqlStore.transaction()` does, when its block ends without error."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session  # for storage-side helpers (grading_costs) and tests that read rows
        self.learners = SqlLearners(session)
        self.links = SqlLinks(session)
        self.units = SqlUnits(session)
        self.progress = SqlProgress(session)
        self.submissions = SqlSubmissions(session)
        self.grades = SqlGrades(session)
        self.ledger = SqlLedger(session)
        self.deliveries = SqlDeliveries(session)
        self.inbox = SqlInbox(session)
        self.tokens = SqlTokens(session)
