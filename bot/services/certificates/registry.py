"""Verification, revocation and listing (the CLI and the public page)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.i18n import Translator
from bot.services import outbox
from bot.services.io import Out, clean_text
from bot.services.ports import UnitOfWork
from bot.services.ports.passing import CertificateRecord
from scoring.certificate_code import parse, shown

MAX_REASON = 500

VerifyStatus = Literal["valid", "revoked", "unknown", "malformed"]


@dataclass(frozen=True)
class Verification:
    status: VerifyStatus
    record: CertificateRecord | None = None


async def verify(repo: UnitOfWork, text: str) -> Verification:
    """What anyone may learn from a code: nothing for a malformed or unknown one (a certificate
    whose name is not yet confirmed has shown its code to nobody: unknown)."""
    code = parse(text)
    if code is None:
        return Verification("malformed")
    record = await repo.certificates.by_code(code)
    if record is None or not record.named:
        return Verification("unknown")
    return Verification("revoked" if record.revoked else "valid", record)


RevokeOutcome = Literal["revoked", "already", "unknown", "malformed", "no_reason"]


async def revoke(
    repo: UnitOfWork, text: str, by: str, reason: str, now: datetime
) -> tuple[RevokeOutcome, CertificateRecord | None]:
    """An official revokes a certificate (work found copied, a name not the learner's): who,
    why and when are kept; revoking twice changes nothing and says when it was done."""
    why = " ".join(clean_text(reason or "").split())[:MAX_REASON]
    if not why:
        return "no_reason", None
    found = await verify(repo, text)
    if found.record is None:
        return ("malformed" if found.status == "malformed" else "unknown"), None
    if found.status == "revoked":
        return "already", found.record
    code = found.record.code
    done = await repo.certificates.revoke(code, by[:120] or "?", why, now)
    record = await repo.certificates.by_code(code)
    if done and record is not None:
        await _tell_revoked(repo, record, now)
    return ("revoked" if done else "already"), record


async def _tell_revoked(repo: UnitOfWork, record: CertificateRecord, now: datetime) -> None:
    """The learner hears it from us, kindly and with the reason, not from someone checking the
    page. Queued in the same transaction as the revocation, through the leaders' outbox (the
    sender, its limits and each channel's window and quota); its key makes it once."""
    learner = await repo.learners.learner(record.learner_id)
    if learner is None:
        return
    tr = Translator(learner.language)
    message = Out(
        title=tr("cert.revoked_told_title"),
        text=tr(
            "cert.revoked_told",
            level=record.level,
            title=record.level_title,
            code=shown(record.code),
            reason=record.revoke_reason or "-",
        ),
    )
    await repo.leader.enqueue(
        [outbox.to_learner(f"cert_revoked:{record.id}", "cert_revoked", learner.id, message)], now
    )


async def listing(repo: UnitOfWork, unit_code: str | None) -> list[CertificateRecord] | None:
    """Every certificate, or those of a unit and the units under it; None for an unknown unit."""
    if not unit_code:
        return await repo.certificates.listing()
    unit = await repo.units.unit_by_code(unit_code)
    if unit is None:
        return None
    children: dict[int | None, list[int]] = {}
    for u in await repo.units.units():
        children.setdefault(u.parent_id, []).append(u.id)
    subtree: list[int] = []
    frontier = [unit.id]
    while frontier:
        subtree += frontier
        frontier = [c for uid in frontier for c in children.get(uid, [])]
    return await repo.certificates.listing(subtree)


def status_word(record: CertificateRecord) -> str:
    if record.revoked:
        return "revoked"
    return "issued" if record.named else "awaiting_name"


def as_rows(records: Collection[CertificateRecord]) -> list[dict[str, object]]:
    """Rows for `hocai certificates list`: one per certificate, nothing beyond what it prints."""
    return [
        {
            "code": shown(r.code),
            "full_name": r.full_name or "",
            "level": r.level,
            "level_title": r.level_title,
            "issued_on": r.issued_on.isoformat() if r.issued_on else "",
            "unit": r.unit_name,
            "status": status_word(r),
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else "",
            "revoked_by": r.revoked_by or "",
            "revoke_reason": r.revoke_reason or "",
        }
        for r in records
    ]
