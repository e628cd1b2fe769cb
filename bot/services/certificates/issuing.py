"""Issuing: the certificate row made when a confirmed grade completes the level's rule, the
learner naming it, and /certificate (what they hold, how far the next level is)."""

from __future__ import annotations

import logging

from bot.i18n import Translator
from bot.services import badges, buttons
from bot.services.certificates.documents import documents
from bot.services.certificates.names import MAX_FULL_NAME, NameProblem, full_name
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import LearnerRecord, UnitOfWork
from bot.services.ports.passing import CertificateRecord
from scoring.certificate_code import new_code, shown
from scoring.passing import LevelStanding, level_standing

log = logging.getLogger(__name__)


CODE_ATTEMPTS = 3  # a new code colliding with an old one is a 1-in-10^20 event; retry anyway


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
