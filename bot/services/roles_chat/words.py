"""Roles in words: a role's name, a role typed in Vietnamese (with or without diacritics), a typed
invite code, and the small helpers the role dialogs share."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import invites
from bot.services.permissions import Role
from bot.services.ports import LearnerRecord, UnitOfWork
from lessons.textnorm import fold

MAX_PICK = 12  # units offered as buttons; more are typed as "/invite CODE ROLE"
_TYPED_PREFIX = re.compile(r"^\s*(?:/?role\s+|(?:nhan\s+)?vai\s*tro\s+|ma\s+moi\s+)", re.I)
# Names a person may type for a role, without diacritics.
_ROLE_WORDS = {
    "leader": Role.LEADER,
    "truong nhom": Role.LEADER,
    "to truong": Role.LEADER,
    "instructor": Role.INSTRUCTOR,
    "giang vien": Role.INSTRUCTOR,
    "giang vien nong cot": Role.INSTRUCTOR,
    "mentor": Role.MENTOR,
    "nguoi huong dan": Role.MENTOR,
    "huong dan": Role.MENTOR,
    "official": Role.OFFICIAL,
    "can bo": Role.OFFICIAL,
    "admin": Role.ADMIN,
    "quan tri": Role.ADMIN,
    "quan tri vien": Role.ADMIN,
}


def role_name(tr: Translator, role: str) -> str:
    return tr(f"roles.name.{role}")


def parse_role(text: str) -> Role | None:
    return _ROLE_WORDS.get(" ".join(fold(text or "").split()))


def typed_code(text: str) -> str | None:
    """An invite code typed as a message: 'ABCDEF-GHJKMN-PQRSTU', 'r_ABC...', 'vai trò ABC...'."""
    folded = fold(text or "")
    prefix = _TYPED_PREFIX.match(folded)
    rest = text.strip()[prefix.end() :] if prefix else text
    code = invites.normalise(rest)
    if code is None:
        return None
    bare = rest.strip()
    # A bare 18-letter word is taken for a code only when it is written like one.
    if prefix or bare.lower().startswith(invites.DEEP_LINK_PREFIX) or "-" in bare or " " in bare:
        return code
    return None


def _until(learner: LearnerRecord, at: datetime) -> str:
    return at.astimezone(ZoneInfo(learner.timezone)).strftime("%H:%M %d/%m/%Y")


async def _unit_name(repo: UnitOfWork, unit_id: int) -> str:
    unit = await repo.units.unit(unit_id)
    return unit.name if unit else "?"
