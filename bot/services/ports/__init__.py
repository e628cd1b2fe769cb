"""What the services need from storage, in domain terms. `bot/storage` implements it.

`Store.transaction()` yields a `UnitOfWork`; its attributes are the ports (`repo.grades`,
`repo.ledger`, ...), one module each here, all on the transaction's one session.
"""

from bot.services.ports.badges import BadgeRecord, Badges, FreezeRecord, FreezeState
from bot.services.ports.challenges import Challenges
from bot.services.ports.classes import Classes
from bot.services.ports.conversation import Conversations
from bot.services.ports.deliveries import Deliveries
from bot.services.ports.figures import Figures
from bot.services.ports.grades import Grades, Submissions
from bot.services.ports.inbox import Inbox
from bot.services.ports.leader import Leader, Member, OutboxItem, OutboxStatus, Queued
from bot.services.ports.learners import Learners, Links
from bot.services.ports.leases import Leases
from bot.services.ports.ledger import Ledger
from bot.services.ports.mentoring import Mentoring
from bot.services.ports.passing import Certificates, Passing
from bot.services.ports.progress import Progress
from bot.services.ports.rankings import (
    Denominators,
    PassMarks,
    PeriodUnit,
    Rankings,
    UnitPlace,
)
from bot.services.ports.records import (
    UNSET,
    DeliveryRecord,
    DeliveryStatus,
    GradeInfo,
    GradeStatus,
    HeldSummary,
    IdentityRecord,
    InboxItem,
    InboxStatus,
    LearnerRecord,
    LearnerStatus,
    SubmissionRecord,
    SubmissionStatus,
    TokenPair,
    UnitRecord,
    Unset,
)
from bot.services.ports.roles import InviteRecord, RoleEventRecord, RoleRecord, Roles
from bot.services.ports.tokens import Tokens
from bot.services.ports.units import Units
from bot.services.ports.uow import Store, UnitOfWork

__all__ = [
    "UNSET",
    "BadgeRecord",
    "Badges",
    "Certificates",
    "Challenges",
    "Classes",
    "Conversations",
    "Deliveries",
    "DeliveryRecord",
    "DeliveryStatus",
    "Denominators",
    "Figures",
    "FreezeRecord",
    "FreezeState",
    "GradeInfo",
    "GradeStatus",
    "Grades",
    "HeldSummary",
    "IdentityRecord",
    "Inbox",
    "InboxItem",
    "InboxStatus",
    "InviteRecord",
    "Leader",
    "LearnerRecord",
    "LearnerStatus",
    "Learners",
    "Leases",
    "Ledger",
    "Links",
    "Member",
    "Mentoring",
    "OutboxItem",
    "OutboxStatus",
    "PassMarks",
    "Passing",
    "PeriodUnit",
    "Progress",
    "Queued",
    "Rankings",
    "RoleEventRecord",
    "RoleRecord",
    "Roles",
    "Store",
    "SubmissionRecord",
    "SubmissionStatus",
    "Submissions",
    "TokenPair",
    "Tokens",
    "UnitOfWork",
    "UnitPlace",
    "UnitRecord",
    "Units",
    "Unset",
]
