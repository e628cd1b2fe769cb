"""Level certificates: earned by the rule in levels.yaml, issued once, named by the learner,
sent as a PDF (and a picture where a channel has no files), verified by code, revoked by officials.

A certificate row is created the moment a confirmed grade completes the rule, in the same
transaction as that grade (model grade, regrade job, instructor or bulk confirmation); the unique
(learner, level) key makes it once across processes, restarts and redelivered updates. The learner
then confirms the name to print; only then is the document made and the code shown to anyone.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.i18n import Translator
from bot.services import badges, buttons, outbox
from bot.services.context import Deps
from bot.services.io import Out, OutFile, clean_text
from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.ports.passing import CertificateRecord
from lessons.textnorm import strip_invisible
from scoring.certificate_code import new_code, parse, shown
from scoring.passing import LevelStanding, level_standing

log = logging.getLogger(__name__)

DEFAULT_PUBLIC_URL = "http://localhost:8080"
VERIFY_PATH = "/verify/"
MAX_FULL_NAME = 60
MAX_REASON = 500
CODE_ATTEMPTS = 3  # a new code colliding with an old one is a 1-in-10^20 event; retry anyway


@dataclass(frozen=True)
class CertificateCard:
    """Everything printed on one certificate, already in words: the renderer only lays it out."""

    programme: str
    heading: str
    lead: str
    full_name: str
    achievement: str
    level_title: str
    unit: str
    date: str
    code_label: str
    code: str
    scan: str
    verify_url: str
    seal_top: str = ""  # the word over the seal's number ("Bậc")
    seal_level: str = ""  # the level's number, in the seal


class CertificateMaker(Protocol):
    """Turns a card into documents (implemented with fpdf2, segno and pdfium in bot/documents)."""

    def pdf(self, card: CertificateCard) -> bytes: ...
    def png(self, card: CertificateCard) -> bytes: ...


# ---- the name to print ----------------------------------------------------------------------

NameProblem = Literal["", "empty", "no_letters", "symbols", "too_long", "one_word"]
_NAME_PUNCTUATION = frozenset(" -'.’")


def full_name(text: str) -> tuple[str, NameProblem]:
    """The name as it will be printed, or why it cannot be: Latin letters with their Vietnamese
    marks (kept, normalised to NFC), spaces, hyphens and apostrophes; at least two words."""
    name = unicodedata.normalize("NFC", strip_invisible(clean_text(text or "")))
    name = " ".join(name.split())
    if not name:
        return "", "empty"
    if not any(ch.isalpha() for ch in name):
        return "", "no_letters"  # emoji only, digits only, punctuation only
    for ch in name:
        if ch.isalpha() and "LATIN" in unicodedata.name(ch, ""):
            continue
        if ch not in _NAME_PUNCTUATION:
            return "", "symbols"  # an emoji, a digit or a script the certificate's font lacks
    if len(name) > MAX_FULL_NAME:
        return "", "too_long"
    if len(name.split()) < 2:
        return "", "one_word"
    # "nguyễn thị hoa", "Trần văn an": each word starts with a capital; "NGUYỄN" stays as typed.
    name = " ".join(
        "-".join(p[:1].upper() + p[1:] if p == p.lower() else p for p in word.split("-"))
        for word in name.split()
    )
    return name, ""


def may_be_name(text: str) -> bool:
    """Short enough to be a name typed when asked for one; longer text is work or chat, and is
    answered as such (the learner is never stuck in the naming step)."""
    return len(text) <= 2 * MAX_FULL_NAME and len(text.split()) <= 10


# ---- issuing ----------------------------------------------------------------------------------


async def standing(
    deps: Deps, repo: UnitOfWork, learner_id: int, level: int
) -> LevelStanding | None:
    ids = [ls.id for ls in deps.curriculum.of_level(level)]
    return level_standing(
        deps.curriculum, level, await repo.passing.confirmed_scores(learner_id, ids)
    )


async def _unit_name(repo: UnitOfWork, unit_id: int | None) -> str:
    unit = await repo.units.unit(unit_id) if unit_id else None
    if unit is None:
        return ""
    parent = await repo.units.unit(unit.parent_id) if unit.parent_id else None
    return f"{unit.name}, {parent.name}" if parent else unit.name


async def after_confirmed(
    deps: Deps, repo: UnitOfWork, learner_id: int, lesson_id: str, tr: Translator
) -> list[Out]:
    """Call where a grade has just become confirmed: issues the level's certificate when the rule
    is now met and none exists, and returns the announcement (nothing otherwise)."""
    lesson = deps.curriculum.by_id(lesson_id)
    if lesson is None:
        return []
    if any(c.level == lesson.level for c in await repo.certificates.of_learner(learner_id)):
        return []
    found = await standing(deps, repo, learner_id, lesson.level)
    level = deps.curriculum.level(lesson.level)
    learner = await repo.learners.learner(learner_id)
    if found is None or not found.earned or level is None or learner is None:
        return []
    unit_name = await _unit_name(repo, learner.unit_id)
    for _ in range(CODE_ATTEMPTS):
        record = await repo.certificates.add(
            learner_id,
            level.number,
            level.title,
            new_code(),
            learner.unit_id,
            unit_name,
            found.passed,
            round(found.average or 0),
            found.capstone or 0,
            deps.now(),
        )
        if record is not None:
            log.info("certificate earned: learner %s level %s", learner_id, level.number)
            return earned_messages(record, learner, found, tr)
        if any(c.level == level.number for c in await repo.certificates.of_learner(learner_id)):
            return []  # another process issued it a moment ago
    log.error("no free certificate code after %d attempts", CODE_ATTEMPTS)
    return []


def earned_messages(
    record: CertificateRecord, learner: LearnerRecord, found: LevelStanding, tr: Translator
) -> list[Out]:
    text = tr(
        "cert.earned",
        level=record.level,
        title=record.level_title,
        passed=found.passed,
        lessons=found.lessons,
        average=round(found.average or 0),
        capstone=found.capstone or 0,
    )
    return [Out(title=tr("cert.earned_title"), text=text), name_prompt(record, learner, tr)]


def name_prompt(
    record: CertificateRecord, learner: LearnerRecord, tr: Translator, problem: NameProblem = ""
) -> Out:
    """Ask for the name to print, with the display name as the one-tap choice when it fits."""
    default, trouble = full_name(learner.display_name or "")
    options = [buttons.Certificate("type", record.id).as_option(tr("cert.type_name"))]
    if default and not trouble:
        options.insert(
            0, buttons.Certificate("use", record.id).as_option(tr("cert.use_name", name=default))
        )
    text = tr("cert.ask_name", level=record.level)
    if problem:
        text = tr(f"cert.bad_name.{problem}", limit=MAX_FULL_NAME) + "\n\n" + text
    return Out(text=text, options=tuple(options))


# ---- the chat: /certificate, naming, sending again ------------------------------------------


def verify_url(public_url: str, code: str) -> str:
    return public_url.rstrip("/") + VERIFY_PATH + shown(code)


def card(public_url: str, record: CertificateRecord) -> CertificateCard:
    """The printed words, in Vietnamese: the programme's certificates are Vietnamese documents."""
    vi = Translator("vi")
    day = record.issued_on or record.earned_at.date()
    return CertificateCard(
        programme=vi("cert.pdf.programme"),
        heading=vi("cert.pdf.heading"),
        lead=vi("cert.pdf.lead"),
        full_name=record.full_name or "",
        achievement=vi("cert.pdf.achievement", level=record.level),
        level_title=record.level_title,
        unit=vi("cert.pdf.unit", unit=record.unit_name) if record.unit_name else "",
        date=vi("cert.pdf.date", day=day.day, month=day.month, year=day.year),
        code_label=vi("cert.pdf.code"),
        code=shown(record.code),
        scan=vi("cert.pdf.scan"),
        verify_url=verify_url(public_url, record.code),
        seal_top=vi("cert.pdf.seal"),
        seal_level=str(record.level),
    )


async def documents(deps: Deps, record: CertificateRecord, tr: Translator) -> list[Out]:
    """The certificate as a PDF file; channels that send no files show its picture by address
    (where the public address is HTTPS) or say where to see it."""
    url = verify_url(deps.public_url, record.code)
    text = tr(
        "cert.document",
        level=record.level,
        title=record.level_title,
        name=record.full_name,
        url=url,
    )
    if deps.certificate_maker is None:
        return [Out(text=text)]
    pdf = await asyncio.to_thread(deps.certificate_maker.pdf, card(deps.public_url, record))
    picture = url + ".png" if url.startswith("https://") else ""
    return [
        Out(
            text=text,
            file=OutFile(
                f"chung-nhan-bac-{record.level}-{record.code}.pdf",
                pdf,
                "application/pdf",
                picture_url=picture,
            ),
        )
    ]


async def issue(
    deps: Deps,
    repo: UnitOfWork,
    learner: LearnerRecord,
    tr: Translator,
    certificate_id: int,
    name: str,
) -> list[Out]:
    record = await repo.certificates.get(certificate_id)
    if record is None or record.learner_id != learner.id:
        return [Out(text=tr("choice.stale"))]
    if record.revoked:
        return [
            Out(
                text=tr("cert.revoked_note", level=record.level, reason=record.revoke_reason or "-")
            )
        ]
    if not record.named and await repo.certificates.set_name(
        record.id, name, deps.now(), deps.today_for(learner)
    ):
        record = await repo.certificates.get(record.id)
        assert record is not None
        log.info("certificate issued: learner %s level %s", learner.id, record.level)
        return [
            Out(
                title=tr("cert.issued_title"),
                text=tr("cert.issued", level=record.level, name=record.full_name),
            ),
            *await documents(deps, record, tr),
            *await badges.after_activity(deps, repo, learner, tr),
        ]  # the first certificate
    # Named already (a double tap, a redelivered update): the same certificate, sent again.
    return [
        Out(text=tr("cert.already_named", level=record.level, name=record.full_name)),
        *await documents(deps, record, tr),
    ]


async def owned(
    repo: UnitOfWork, learner: LearnerRecord, certificate_id: int
) -> CertificateRecord | None:
    """The learner's own certificate by id; None for anyone else's (a forged key)."""
    record = await repo.certificates.get(certificate_id)
    return record if record is not None and record.learner_id == learner.id else None


async def propose(
    repo: UnitOfWork, learner: LearnerRecord, tr: Translator, record: CertificateRecord, text: str
) -> tuple[list[Out], bool]:
    """The learner typed the name to print: check it kindly, keep it, and ask them to confirm
    it. Returns the answer and whether the next text is another try."""
    name, problem = full_name(text)
    if problem:
        return [name_prompt(record, learner, tr, problem)], True
    await repo.certificates.propose_name(record.id, name)
    return [
        Out(
            text=tr("cert.confirm_name", name=name, level=record.level),
            options=(
                buttons.Certificate("ok", record.id).as_option(tr("cert.confirm_yes")),
                buttons.Certificate("type", record.id).as_option(tr("cert.confirm_retype")),
            ),
        )
    ], False


def _standing_line(found: LevelStanding, tr: Translator) -> str:
    average = "-" if found.average is None else round(found.average)
    capstone = tr("cert.capstone_none") if found.capstone is None else found.capstone
    return tr(
        "cert.standing",
        level=found.level,
        passed=found.passed,
        lessons=found.lessons,
        needed=found.needed,
        average=average,
        min_average=found.min_average,
        capstone=capstone,
        capstone_needed=found.capstone_needed,
    )


async def overview(
    deps: Deps, repo: UnitOfWork, learner: LearnerRecord, tr: Translator
) -> tuple[list[Out], CertificateRecord | None]:
    """/certificate: the learner's certificates (sent again with one tap), a name still to
    confirm (returned: the next text may be that name), how far the next level's certificate is."""
    records = await repo.certificates.of_learner(learner.id)
    out: list[Out] = []
    issued = [r for r in records if r.named]
    if issued:
        lines = [
            tr(
                "cert.list_revoked" if r.revoked else "cert.list_line",
                level=r.level,
                title=r.level_title,
                day=(r.issued_on or r.earned_at.date()).strftime("%d/%m/%Y"),
                code=shown(r.code),
                reason=r.revoke_reason or "-",
            )
            for r in issued
        ]
        live = [r for r in issued if not r.revoked]
        out.append(
            Out(
                title=tr("cert.list_title"),
                text="\n".join(lines),
                options=(
                    *(
                        buttons.Certificate("send", r.id).as_option(
                            tr("cert.send_again", level=r.level)
                        )
                        for r in live
                    ),
                    *(
                        buttons.Certificate("fix", r.id).as_option(
                            tr("cert.fix_button", level=r.level)
                        )
                        for r in live
                    ),
                ),
            )
        )
    waiting = next((r for r in records if not r.named and not r.revoked), None)
    if waiting is not None:
        out.append(name_prompt(waiting, learner, tr))
    have = {r.level for r in records}
    done = await repo.progress.completed_lessons(learner.id)
    started = sorted({ls.level for ls in deps.curriculum.lessons if ls.id in done} - have)
    levels = (
        started or [n for n in (lv.number for lv in deps.curriculum.levels) if n not in have][:1]
    )
    lines = []
    for number in levels:
        found = await standing(deps, repo, learner.id, number)
        if found is not None:
            lines.append(_standing_line(found, tr))
    if lines:
        intro = tr("cert.none_yet") + "\n\n" if not records else ""
        out.append(
            Out(
                title=tr("cert.standing_title"),
                text=intro + "\n".join(lines) + "\n\n" + tr("cert.rule_note"),
            )
        )
    return out or [Out(text=tr("cert.all_done"))], waiting


# ---- a misspelt printed name: corrected once by the learner, then by an official ------------
#
# The certificate keeps its code (the QR on a copy already printed still verifies, and the page
# shows the current name only); every change is recorded (old, new, who, when). A learner may
# correct their own certificate's name once; after that an official does it
# (`hocai certificates rename CODE --name ...`), so a certificate cannot be passed around.

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


# ---- verification and revocation (the CLI and the public page) -------------------------------

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
