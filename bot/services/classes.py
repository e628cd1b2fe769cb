"""Classes outside the chat's flow: what a class join code does, how a check-in is typed, the
codes and QR pictures of in-person sessions. The instructor's and learner's chat is in
`bot.services.chat.classes`.

Class members keep their own group: the class is a second place they belong to (`class_members`).
"""

from __future__ import annotations

import io
import re
import secrets

import segno

from bot.i18n import Translator
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork, UnitRecord
from bot.services.ports.classes import CLASS_KIND
from bot.services.units import JOIN_ALPHABET
from lessons.textnorm import fold

SESSION_PREFIX = "s_"  # deep link of a session's QR: start=s_<code>
CODE_LENGTH = 6
_TYPED_CHECKIN = re.compile(r"^\s*(?:/checkin|diem\s*danh|check\s*in)\s*[:\-]?\s*(\S+)\s*$")
_BARE_CODE = re.compile(r"^\s*(?:s_)?([A-Za-z2-9]{6})\s*$")


def is_class(unit: UnitRecord) -> bool:
    return unit.kind == CLASS_KIND


async def join(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, unit: UnitRecord
) -> list[Out]:
    """A class's join code: the learner becomes a member and keeps their own group; a new
    learner with no group is placed in the unit the class belongs to."""
    info = await repo.classes.class_info(unit.id)
    if info is None or not info.is_open:
        return [Out(text=tr("onboarding.bad_code", code=unit.join_code or ""))]
    fresh = await repo.classes.add_member(unit.id, learner.id, deps.now())
    if learner.unit_id is None and unit.parent_id is not None:
        await repo.learners.update_learner(learner.id, unit_id=unit.parent_id)
        learner.unit_id = unit.parent_id
    key = "class.joined" if fresh else "class.already_member"
    return [Out(text=tr(key, name=unit.name))]


def session_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(CODE_LENGTH))
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code  # letters and digits: never a word someone types by chance


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=3)
    return out.getvalue()


def typed_checkin(text: str) -> str | None:
    """'điểm danh K7M2QX', 'diem danh k7m2qx', 'check in K7M2QX' -> the code typed."""
    match = _TYPED_CHECKIN.match(fold(text or ""))
    return match.group(1) if match else None


def bare_code(text: str) -> str | None:
    """A message that is only a session-shaped code (letters and a digit)."""
    match = _BARE_CODE.match(text or "")
    if not match:
        return None
    code = match.group(1).upper()
    return code if any(c.isdigit() for c in code) and any(c.isalpha() for c in code) else None
