"""One transaction's view of the data, as use-case-sized ports sharing one session.

Nothing here commits; `Store.transaction()` does, on success (and rolls back on error).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.services.ports.badges import Badges
from bot.services.ports.challenges import Challenges
from bot.services.ports.classes import Classes
from bot.services.ports.conversation import Conversations
from bot.services.ports.deliveries import Deliveries
from bot.services.ports.figures import Figures
from bot.services.ports.grades import Grades, Submissions
from bot.services.ports.inbox import Inbox
from bot.services.ports.leader import Leader
from bot.services.ports.learners import Learners, Links
from bot.services.ports.leases import Leases
from bot.services.ports.ledger import Ledger
from bot.services.ports.mentoring import Mentoring
from bot.services.ports.passing import Certificates, Passing
from bot.services.ports.progress import Progress
from bot.services.ports.push import Push
from bot.services.ports.rankings import Rankings
from bot.services.ports.roles import Roles
from bot.services.ports.tokens import Tokens
from bot.services.ports.units import Units
from bot.services.ports.web import WebSessions
from bot.services.ports_bots import Bots


class UnitOfWork(Protocol):
    learners: Learners
    links: Links
    units: Units
    progress: Progress
    submissions: Submissions
    grades: Grades
    ledger: Ledger
    deliveries: Deliveries
    inbox: Inbox
    tokens: Tokens
    conversations: Conversations  # conversation state by patch, delivery stamps
    passing: Passing  # confirmed scores by lesson, review days
    certificates: Certificates  # level certificates: issued once, named, verified, revoked
    roles: Roles  # roles per unit, invites, their audit log, the unit tree, wrong-code throttle
    leader: Leader  # rosters, opt-outs, announcements, linked group chats, the outbox
    badges: Badges  # badges, streak freezes, helpful mentor reviews
    rankings: Rankings  # the unit closure, standings snapshots, honours figures
    figures: Figures  # the officials' figures: live, the dashboard snapshot, closed quarters
    classes: Classes  # classes, members, in-person sessions
    challenges: Challenges  # challenges, their entries and outbox
    mentoring: Mentoring  # peer reviews, mentors' links and referrals
    push: Push  # the daily push's reads and writes for a batch of deliveries
    leases: Leases  # process roles: deliveries and background work claimed under leases
    bots: Bots  # units' own bots (bot/services/ports_bots.py)
    web: WebSessions  # the web pages' one-time sign-in links and sessions


class Store(Protocol):
    """Opens a transaction: commit on success, roll back on error."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
