"""A misspelt printed name: corrected once by the learner, then by an official.

The certificate keeps its code (the QR on a copy already printed still verifies, and the page
shows the current name only); every change is recorded (old, new, who, when). A learner may
correct their own certificate's name once; after that an official does it
(`hocai certificates rename CODE --name ...`), so a certificate cannot be passed around."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from bot.i18n import Translator
from bot.services import buttons, outbox
from bot.services.certificates.documents import documents
from bot.services.certificates.names import MAX_FULL_NAME, full_name
from bot.services.certificates.registry import verify
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.ports.passing import CertificateRecord
from scoring.certificate_code import shown

log = logging.getLogger(__name__)


OWN_FIXES = 1


async def own_fixes_left(repo: UnitOfWork, record: CertificateRecord) -> int:
    done = sum(1 for c in await repo.certificates.changes(record.id) if c.by_learner)
    return max(0, OWN_FIXES - done)


async def ask_fix(
    repo: UnitOfWork, tr: Translator, record: CertificateRecord
) -> tuple[list[Out], bool]:
    """ "Sửa tên": ask for the corrected name. Returns the answer and whether it waits for it."""
    if record.revoked:
        return [
            Out(
                text=tr("cert.revoked_note", level=record.level, reason=record.revoke_reason or "-")
            )
        ], False
    if not await own_fixes_left(repo, record):
        return [Out(text=tr("cert.fix_used", level=record.level, code=shown(record.code)))], False
    return [Out(text=tr("cert.fix_ask", level=record.level, name=record.full_name))], True


async def propose_fix(
    repo: UnitOfWork, tr: Translator, record: CertificateRecord, text: str
) -> tuple[list[Out], bool]:
    """The corrected name typed: checked as at issue, kept, and shown for confirmation. Returns
    the answer and whether the next text is another try."""
    name, problem = full_name(text)
    if problem:
        return [
            Out(
                text=tr(f"cert.bad_name.{problem}", limit=MAX_FULL_NAME)
                + "\n\n"
                + tr("cert.fix_ask", level=record.level, name=record.full_name)
            )
        ], True
    if name == record.full_name:
        return [Out(text=tr("cert.fix_same", name=name))], False
    if not await repo.certificates.propose_fix(record.id, name):
        return [Out(text=tr("choice.stale"))], False
    return [
        Out(
            text=tr("cert.fix_confirm", level=record.level, old=record.full_name, new=name),
            options=(
                buttons.Certificate("fixok", record.id).as_option(tr("cert.fix_yes")),
                buttons.Certificate("fix", record.id).as_option(tr("cert.confirm_retype")),
            ),
        )
    ], False


async def apply_fix(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator, record: CertificateRecord
) -> list[Out]:
    """ "Đúng, sửa tên": the name changes (same code), recorded, and the new document is sent.
    A second tap finds nothing to change and sends the certificate as it is."""
    if record.revoked:
        return [
            Out(
                text=tr("cert.revoked_note", level=record.level, reason=record.revoke_reason or "-")
            )
        ]
    new = record.name_draft
    if not new or not record.full_name or new == record.full_name:
        return [
            Out(text=tr("cert.already_named", level=record.level, name=record.full_name)),
            *await documents(deps, record, tr),
        ]
    if not await own_fixes_left(repo, record):
        return [Out(text=tr("cert.fix_used", level=record.level, code=shown(record.code)))]
    if not await repo.certificates.rename(
        record.id, record.full_name, new, f"learner:{learner.id}", True, deps.now()
    ):
        return [Out(text=tr("choice.stale"))]
    fixed = await repo.certificates.get(record.id)
    assert fixed is not None
    log.info("certificate %s renamed by its learner", record.id)
    return [
        Out(
            title=tr("cert.fixed_title"),
            text=tr("cert.fixed", level=fixed.level, name=fixed.full_name, code=shown(fixed.code)),
        ),
        *await documents(deps, fixed, tr),
    ]


RenameOutcome = Literal["renamed", "same", "bad_name", "revoked", "unknown", "malformed"]


async def rename(
    repo: UnitOfWork, text: str, name: str, by: str, now: datetime
) -> tuple[RenameOutcome, CertificateRecord | None]:
    """An official corrects a printed name (`hocai certificates rename`): checked as at issue,
    recorded with who did it, and the learner is told through the outbox, once."""
    found = await verify(repo, text)
    if found.record is None:
        return ("malformed" if found.status == "malformed" else "unknown"), None
    record = found.record
    if found.status == "revoked":
        return "revoked", record
    new, problem = full_name(name)
    if problem:
        return "bad_name", record
    if new == record.full_name or record.full_name is None:
        return "same", record
    if not await repo.certificates.rename(
        record.id, record.full_name, new, by[:120] or "?", False, now
    ):
        return "same", await repo.certificates.get(record.id)
    fixed = await repo.certificates.get(record.id)
    assert fixed is not None
    learner = await repo.learners.learner(fixed.learner_id)
    if learner is not None:
        tr = Translator(learner.language)
        changes = len(await repo.certificates.changes(fixed.id))
        await repo.leader.enqueue(
            [
                outbox.to_learner(
                    f"cert_renamed:{fixed.id}:{changes}",
                    "cert_renamed",
                    learner.id,
                    Out(
                        title=tr("cert.fixed_title"),
                        text=tr("cert.renamed_told", level=fixed.level, name=fixed.full_name),
                        options=(
                            buttons.Certificate("send", fixed.id).as_option(
                                tr("cert.send_again", level=fixed.level)
                            ),
                        ),
                    ),
                )
            ],
            now,
        )
    return "renamed", fixed
