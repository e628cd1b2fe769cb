"""Handing out roles: one-time invite codes, grants, revocations, and the audit log of each.

A code is 18 characters from the join-code alphabet (about 89 bits), shown as three groups of six
("ABCDEF-GHJKMN-PQRSTU"), and opened as a Telegram deep link `start=r_<code>` or typed. Only its
SHA-256 is stored, so a copy of the database hands out no roles.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.services.permissions import Role
from bot.services.ports import InviteRecord, RoleRecord, UnitOfWork, UnitRecord
from bot.services.units import JOIN_ALPHABET

CODE_LENGTH = 18
GROUP = 6
DEEP_LINK_PREFIX = "r_"
DEFAULT_DAYS = 3
MAX_DAYS = 30
_TYPED = re.compile(r"^(?:r_)?([A-Za-z0-9]{6})[-\s]?([A-Za-z0-9]{6})[-\s]?([A-Za-z0-9]{6})$")


class Event(StrEnum):
    """What the audit log records."""

    INVITE = "invite"  # an invite was made (detail: role, expires_at)
    GRANT = "grant"  # a role was given (detail: role, via: invite|cli|demo|...)
    REVOKE = "revoke"  # a role was taken back (detail: role, role_id)
    REFUSED = "refused"  # an invite was opened but could not be used (detail: reason)
    # What people do with their roles (bot/services/leader/, digest.py); other features add
    # theirs here, each with a "roles.audit.<value>" text.
    NUDGE = "nudge"
    ANNOUNCE = "announce"
    VIEW_ROSTER = "view_roster"
    LINK_CHAT = "link_chat"
    # Core instructors and mentors (bot/services/chat/classes.py, challenges.py, mentoring.py).
    OPEN_CLASS = "open_class"
    CLOSE_CLASS = "close_class"
    OPEN_SESSION = "open_session"  # an in-person session's code (detail: session_id)
    CHALLENGE = "challenge"  # a challenge sent (detail: challenge_id, people)
    CHALLENGE_RESULTS = "challenge_results"  # closed at its deadline and paid (by the server)
    PEER_REVIEW = "peer_review"  # a mentor reviewed a peer's work (detail: review_id)
    PEER_REVIEW_VERDICT = "peer_review_verdict"  # an instructor judged it (detail: verdict)


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"  # no such code (mistyped or forged)
    EXPIRED = "expired"
    USED = "used"
    HELD = "held"  # the person already holds that role on that unit


def new_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(text: str) -> str | None:
    """'r_ABCDEFGHJKMNPQRSTU', 'abcdef-ghjkmn-pqrstu', 'ABCDEF GHJKMN PQRSTU' -> the bare code;
    None when the text does not have the shape of one."""
    match = _TYPED.match((text or "").strip())
    return "".join(match.groups()).upper() if match else None


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class MadeInvite:
    code: str  # the bare code: shown once, never stored
    invite: InviteRecord
    unit: UnitRecord

    @property
    def typed(self) -> str:
        return shown(self.code)

    def deep_link(self, bot_link: str) -> str:
        return f"{bot_link}?start={DEEP_LINK_PREFIX}{self.code}"


async def make_invite(
    repo: UnitOfWork,
    unit: UnitRecord,
    role: Role,
    created_by: int | None,
    now: datetime,
    days: float = DEFAULT_DAYS,
) -> MadeInvite:
    """A new one-time invite. The caller checked that `created_by` may hand this role out."""
    days = min(max(days, 1 / 24), MAX_DAYS)
    code = new_code()
    invite = await repo.roles.add_invite(
        code_hash(code), unit.id, role.value, created_by, now, now + timedelta(days=days)
    )
    await repo.roles.log(
        created_by,
        Event.INVITE,
        None,
        unit.id,
        {"role": role.value, "invite_id": invite.id, "expires_at": invite.expires_at.isoformat()},
        now,
    )
    return MadeInvite(code, invite, unit)


async def find_invite(
    repo: UnitOfWork, code: str, learner_id: int, now: datetime
) -> tuple[InviteRecord | None, InviteProblem | None]:
    """The invite a code opens, or why it cannot be used. Changes nothing."""
    invite = await repo.roles.invite_by_hash(code_hash(code))
    if invite is None:
        return None, InviteProblem.UNKNOWN
    if invite.used_at is not None:
        return invite, InviteProblem.USED
    if invite.expires_at <= now:
        return invite, InviteProblem.EXPIRED
    held = await repo.roles.active_roles(learner_id)
    if any(r.role == invite.role and r.unit_id == invite.unit_id for r in held):
        return invite, InviteProblem.HELD
    return invite, None


async def accept_invite(
    repo: UnitOfWork, invite_id: int, learner_id: int, now: datetime
) -> tuple[RoleRecord | None, InviteProblem | None]:
    """Use the invite once and grant its role. On a problem nothing changes but the log line."""
    invite = await repo.roles.invite_by_id(invite_id)
    if invite is None:
        return None, InviteProblem.UNKNOWN
    held = await repo.roles.active_roles(learner_id)
    if any(r.role == invite.role and r.unit_id == invite.unit_id for r in held):
        return None, InviteProblem.HELD  # the invite stays unused, for someone else
    if not await repo.roles.use_invite(invite.id, learner_id, now):
        problem = InviteProblem.EXPIRED if invite.expires_at <= now else InviteProblem.USED
        await repo.roles.log(
            learner_id,
            Event.REFUSED,
            learner_id,
            invite.unit_id,
            {"reason": problem.value, "invite_id": invite.id},
            now,
        )
        return None, problem
    granted = await grant(
        repo,
        learner_id,
        Role(invite.role),
        invite.unit_id,
        invite.created_by,
        now,
        via="invite",
        invite_id=invite.id,
    )
    return granted, None if granted is not None else InviteProblem.HELD


async def grant(
    repo: UnitOfWork,
    learner_id: int,
    role: Role,
    unit_id: int,
    actor_id: int | None,
    now: datetime,
    *,
    via: str,
    **detail: object,
) -> RoleRecord | None:
    """Give a role and log it; None when the person already holds it there."""
    granted = await repo.roles.grant(learner_id, role.value, unit_id, actor_id, now)
    if granted is not None:
        await repo.roles.log(
            actor_id,
            Event.GRANT,
            learner_id,
            unit_id,
            {"role": role.value, "via": via, "role_id": granted.id, **detail},
            now,
        )
    return granted


async def revoke(
    repo: UnitOfWork, role_id: int, actor_id: int | None, now: datetime, *, via: str
) -> RoleRecord | None:
    """Take a role back and log it; None when there is no such active grant."""
    revoked = await repo.roles.revoke(role_id, now)
    if revoked is not None:
        await repo.roles.log(
            actor_id,
            Event.REVOKE,
            revoked.learner_id,
            revoked.unit_id,
            {"role": revoked.role, "role_id": role_id, "via": via},
            now,
        )
    return revoked
