"""The `UnitOfWork` on SQLAlchemy: every port on the one session of one transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ports import (
    Badges,
    Certificates,
    Challenges,
    Classes,
    Conversations,
    Deliveries,
    Figures,
    Grades,
    Inbox,
    Leader,
    Learners,
    Leases,
    Ledger,
    Links,
    Mentoring,
    Passing,
    Progress,
    Rankings,
    Roles,
    Submissions,
    Tokens,
    Units,
)
from bot.services.ports.push import Push
from bot.services.ports.web import WebSessions
from bot.services.ports_bots import Bots
from bot.storage.bots import SqlBots
from bot.storage.conversation import SqlConversations
from bot.storage.repos.badges import SqlBadges
from bot.storage.repos.certificates import SqlCertificates, SqlPassing
from bot.storage.repos.challenges import SqlChallenges
from bot.storage.repos.classes import SqlClasses
from bot.storage.repos.deliveries import SqlDeliveries
from bot.storage.repos.figures import SqlFigures
from bot.storage.repos.grades import SqlGrades, SqlSubmissions
from bot.storage.repos.inbox import SqlInbox
from bot.storage.repos.leader import SqlLeader
from bot.storage.repos.learners import SqlLearners, SqlLinks
from bot.storage.repos.leases import SqlLeases
from bot.storage.repos.ledger import SqlLedger
from bot.storage.repos.mentoring import SqlMentoring
from bot.storage.repos.progress import SqlProgress
from bot.storage.repos.push import SqlPush
from bot.storage.repos.rankings import SqlRankings
from bot.storage.repos.roles import SqlRoles
from bot.storage.repos.tokens import SqlTokens
from bot.storage.repos.units import SqlUnits
from bot.storage.repos.web import SqlWebSessions


class SqlUnitOfWork:
    """Nothing here commits: `SqlStore.transaction()` does, when its block ends without error."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session  # for storage-side helpers (grading_costs) and tests that read rows
        self.learners: Learners = SqlLearners(session)
        self.links: Links = SqlLinks(session)
        self.units: Units = SqlUnits(session)
        self.progress: Progress = SqlProgress(session)
        self.submissions: Submissions = SqlSubmissions(session)
        self.grades: Grades = SqlGrades(session)
        self.ledger: Ledger = SqlLedger(session)
        self.deliveries: Deliveries = SqlDeliveries(session)
        self.inbox: Inbox = SqlInbox(session)
        self.tokens: Tokens = SqlTokens(session)
        self.conversations: Conversations = SqlConversations(session)
        self.passing: Passing = SqlPassing(session)
        self.certificates: Certificates = SqlCertificates(session)
        self.roles: Roles = SqlRoles(session)
        self.leader: Leader = SqlLeader(session)
        self.badges: Badges = SqlBadges(session)
        self.rankings: Rankings = SqlRankings(session)
        self.figures: Figures = SqlFigures(session)
        self.classes: Classes = SqlClasses(session)
        self.challenges: Challenges = SqlChallenges(session)
        self.mentoring: Mentoring = SqlMentoring(session)
        self.push: Push = SqlPush(session)
        self.leases: Leases = SqlLeases(session)
        self.bots: Bots = SqlBots(session)
        self.web: WebSessions = SqlWebSessions(session)
