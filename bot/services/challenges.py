"""Challenges: an instructor writes a task with a rubric, points, a deadline and an audience (a
class, a group or a ward) in the chat (`bot.services.chat.challenges`); the sender announces it
(opt-outs, Zalo's 7-day window and monthly quotas kept); learners' work is graded like practice
work (`tasks`, "ch~<id>"); a leaderboard; at the deadline a scheduled tick closes it, pays each
confirmed entry once through the ledger and announces the results.

This module is what the chat and the scheduler share: who a challenge is for, parsing what an
instructor types, the board, the announcement and results, and the tick with its outbox
(`challenge_sends`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import buttons, choices, outbox, reach, scope, tasks
from bot.services.context import Deps
from bot.services.delivery import pick_identity, spent_channels
from bot.services.invites import Event
from bot.services.io import Out, Unreachable
from bot.services.parsing import parse_time
from bot.services.ports import (
    IdentityRecord,
    LearnerRecord,
    LearnerStatus,
    UnitOfWork,
    UnitRecord,
)
from bot.services.ports.challenges import (
    ChallengeRecord,
    EntryRecord,
    SendKind,
    SendRecord,
    SendStatus,
    task_id,
)
from bot.services.sender import Sender
from lessons.model import Curriculum
from lessons.textnorm import fold, strip_invisible
from scoring.points import challenge_award
from scoring.standings import LearnerStanding, rank_learners, rank_of

log = logging.getLogger(__name__)

DEFAULT_HOUR = time(21, 0)  # a deadline typed without a time
BOARD_ROWS = 10
SEND_ATTEMPTS = 3
STALE_SEND = timedelta(minutes=10)
_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?")
_LESSON_NO = re.compile(r"^\s*(?:bai\s*)?(\d)\s*[.,/-]\s*(\d{1,2})\s*$")


def clean(text: str) -> str:
    """The text as typed, without hidden characters and with tidy spaces on each line."""
    lines = [" ".join(line.split()) for line in strip_invisible(text or "").splitlines()]
    return "\n".join(line for line in lines if line).strip()


def short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ---- who a challenge is for ------------------------------------------------------------------


async def audience(repo: UnitOfWork, unit_id: int) -> list[int]:
    """Learners the challenge is for: those of the unit's subtree and members of its classes."""
    return await repo.classes.learners_in(await repo.roles.subtree([unit_id]))


async def in_audience(repo: UnitOfWork, challenge: ChallengeRecord, learner_id: int) -> bool:
    return await repo.classes.covers(learner_id, await repo.roles.subtree([challenge.unit_id]))


async def for_learner(repo: UnitOfWork, learner: LearnerRecord) -> list[ChallengeRecord]:
    """Challenges for units above the learner's group and above the classes they attend."""
    starts = ([learner.unit_id] if learner.unit_id else []) + await repo.classes.classes_of(
        learner.id
    )
    units: set[int] = set()
    for start in starts:
        units.update(await repo.roles.ancestors(start))
    return await repo.challenges.challenges_in(units, 20) if units else []


# ---- what an instructor types ----------------------------------------------------------------


def parse_deadline(text: str, now: datetime, zone: str) -> datetime | None:
    """'25/11 20:00', '25/11/2026 20h', '20h 25-11', 'ngày 25/11' (21:00) -> an aware time."""
    folded = fold(text)
    match = _DATE.search(folded)
    if not match:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    tz = ZoneInfo(zone)
    year = now.astimezone(tz).year
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    rest = folded[: match.start()] + " " + folded[match.end() :]
    rest = re.sub(r"\b(ngay|luc|han|nop|truoc|vao|hoi)\b", " ", rest).strip(" ,.")
    hhmm = parse_time(rest) if rest else None
    if rest and hhmm is None:
        return None
    at_time = time(int(hhmm[:2]), int(hhmm[3:])) if hhmm else DEFAULT_HOUR  # "HH:MM"
    try:
        return datetime(year, month, day, at_time.hour, at_time.minute, tzinfo=tz)
    except ValueError:
        return None


def find_lesson(curriculum: Curriculum, text: str) -> str | None:
    """'1.3', 'bài 1.3', '1-3' (level 1, lesson 3) or a lesson id -> the lesson id."""
    typed = text.strip().lower()
    if curriculum.by_id(typed) is not None:
        return typed
    match = _LESSON_NO.match(fold(text))
    if not match:
        return None
    level, number = int(match.group(1)), int(match.group(2))
    lessons = curriculum.of_level(level)
    return lessons[number - 1].id if 1 <= number <= len(lessons) else None


def split_criteria(text: str) -> list[str]:
    parts = re.split(r"[\n;]+", text)
    return [re.sub(r"^\s*(?:[-•*]|\d+[.)])\s*", "", p).strip() for p in parts if p.strip()]


# ---- the leaderboard and the results ---------------------------------------------------------


def standings(entries: list[EntryRecord]) -> list[LearnerStanding]:
    return rank_learners([(e.learner_id, e.name, e.best_any) for e in entries])


def board_lines(entries: list[EntryRecord], tr: Translator, me: int | None) -> list[str]:
    held = {e.learner_id for e in entries if e.best_confirmed != e.best_any}
    lines = [
        tr(
            "challenge.board_row",
            rank=s.rank,
            name=s.name,
            score=s.points,
            held=" ⏳" if s.learner_id in held else "",
            me=" ⭐" if s.learner_id == me else "",
        )
        for s in standings(entries)[:BOARD_ROWS]
    ]
    return lines or [tr("challenge.board_empty")]


def announcement(
    challenge: ChallengeRecord,
    unit: UnitRecord | None,
    author: str,
    learner: LearnerRecord,
    tr: Translator,
) -> Out:
    return Out(
        title=tr("challenge.announce_title", id=challenge.id),
        text=tr(
            "challenge.announce",
            author=author,
            unit=unit.name if unit else "",
            text=challenge.text,
            points=challenge.points,
            deadline=scope.local(learner, challenge.deadline),
        ),
        options=(buttons.Challenge("do", challenge.id).as_option(tr("challenge.do_button")),),
    )


def results(
    challenge: ChallengeRecord, entries: list[EntryRecord], learner: LearnerRecord, tr: Translator
) -> Out:
    ranked = standings(entries)
    mine = rank_of(ranked, learner.id)
    entry = next((e for e in entries if e.learner_id == learner.id), None)
    if learner.id == challenge.created_by:
        paid = sum(1 for e in entries if e.best_confirmed is not None)
        personal = tr("challenge.results_author", entries=len(entries), paid=paid)
    elif entry is None or mine is None:
        personal = tr("challenge.results_absent")
    elif entry.best_confirmed is None:
        personal = tr("challenge.results_held", score=entry.best_any)
    else:
        award = challenge_award(
            learner.id, task_id(challenge.id), challenge.points, entry.best_confirmed
        )
        personal = tr(
            "challenge.results_mine",
            rank=mine.rank,
            total=len(ranked),
            score=entry.best_confirmed,
            points=award.points if award else 0,
        )
    text = (
        f"{short(challenge.text, 160)}\n\n"
        + "\n".join(board_lines(entries, tr, learner.id))
        + "\n\n"
        + personal
    )
    return Out(title=tr("challenge.results_title", id=challenge.id), text=text)


# ---- linked group chats ----------------------------------------------------------------------


def group_announcement(
    challenge: ChallengeRecord, unit: UnitRecord | None, author: str, zone: str, tr: Translator
) -> Out:
    """The announcement as a group chat sees it: no button (work is sent in a private chat)."""
    return Out(
        title=tr("challenge.announce_title", id=challenge.id),
        text=tr(
            "challenge.group_announce",
            author=author,
            unit=unit.name if unit else "",
            text=challenge.text,
            points=challenge.points,
            deadline=challenge.deadline.astimezone(ZoneInfo(zone)).strftime("%H:%M %d/%m/%Y"),
        ),
    )


def group_results(challenge: ChallengeRecord, entries: list[EntryRecord], tr: Translator) -> Out:
    """The results as a group chat sees them: the board (display names only), nobody's own line."""
    text = (
        f"{short(challenge.text, 160)}\n\n"
        + "\n".join(board_lines(entries, tr, None))
        + "\n\n"
        + tr("challenge.group_results", entries=len(entries))
    )
    return Out(title=tr("challenge.results_title", id=challenge.id), text=text)


async def queue_group_chats(
    deps: Deps,
    repo: UnitOfWork,
    challenge: ChallengeRecord,
    kind: SendKind,
    entries: list[EntryRecord] | None = None,
) -> int:
    """A Telegram group chat linked to a unit of the audience gets the announcement and the
    results too. They go through the leaders' outbox, which paces posts into one group to
    Telegram's ~20 a minute and sends through the same sender; the key (challenge, kind, chat)
    makes each post once, whatever restarts or a second worker do. How many were new."""
    chats = await repo.leader.chats_under(challenge.unit_id)
    if not chats:
        return 0
    tr = Translator("vi")  # a group chat has no language of its own: the province's
    if kind == SendKind.ANNOUNCE:
        unit = await repo.units.unit(challenge.unit_id)
        author = await repo.learners.learner(challenge.created_by) if challenge.created_by else None
        message = group_announcement(
            challenge, unit, author.public_name if author else "", deps.timezone, tr
        )
    else:
        if entries is None:
            entries = await repo.challenges.entries(challenge.id)
        message = group_results(challenge, entries, tr)
    rows = [
        outbox.to_chat(
            f"challenge:{challenge.id}:{kind}:chat:{channel}:{chat_id}",
            "challenge",
            channel,
            chat_id,
            message,
        )
        for channel, chat_id in dict.fromkeys(chats)
    ]
    return await repo.leader.enqueue(rows, deps.now())


# ---- the scheduled tick: deadlines, then the outbox ------------------------------------------


@dataclass
class TickReport:
    closed: int = 0
    paid: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


async def close_due(deps: Deps, report: TickReport | None = None) -> TickReport:
    """Challenges past their deadline: closed, each confirmed entry paid once, results queued.
    One transaction per challenge: a crash before its commit leaves it for the next tick, and the
    ledger's keys make any second payment a no-op."""
    report = report or TickReport()
    now = deps.now()
    async with deps.store.transaction() as repo:
        due = await repo.challenges.due(now, 20)
    for challenge in due:
        async with deps.store.transaction() as repo:
            if not await repo.challenges.close(challenge.id, now):
                continue  # another process closed it
            entries = await repo.challenges.entries(challenge.id)
            for entry in entries:
                report.paid += await tasks.pay_challenge(repo, challenge, entry.learner_id, now)
            told = set(await repo.challenges.recipients(challenge.id, SendKind.ANNOUNCE))
            told |= {e.learner_id for e in entries}
            if challenge.created_by is not None:
                told.add(challenge.created_by)
            await repo.challenges.enqueue(challenge.id, told, SendKind.RESULTS, now)
            closed = replace(challenge, closed_at=now)
            await queue_group_chats(deps, repo, closed, SendKind.RESULTS, entries)
            await repo.roles.log(
                None,
                Event.CHALLENGE_RESULTS,
                None,
                challenge.unit_id,
                {"challenge_id": challenge.id, "entries": len(entries)},
                now,
            )
        report.closed += 1
    return report


async def send_pending(
    deps: Deps, sender: Sender, report: TickReport | None = None, batch: int = 200
) -> TickReport:
    """Announcements and results waiting in the outbox, through the same sender and limits as
    lessons: a learner who paused reminders, outside Zalo's 7-day window, or only reachable on a
    channel whose monthly quota is spent is skipped (and says why), never sent to twice."""
    report = report or TickReport()
    async with deps.store.transaction() as repo:
        await repo.challenges.release_stale_sends(deps.now() - STALE_SEND)
        claimed = await repo.challenges.claim_sends(deps.now(), batch)
    if not claimed:
        return report
    spent = await spent_channels(sender)
    boards: dict[int, list[EntryRecord]] = {}  # a closed challenge's entries, read once a batch
    for row in claimed:
        status, detail = await _send_one(deps, sender, row, spent, boards)
        if status == SendStatus.SENT:
            report.sent += 1
        elif status == SendStatus.SKIPPED:
            report.skipped += 1
            report.reasons[detail] = report.reasons.get(detail, 0) + 1
        elif status == SendStatus.FAILED:
            report.failed += 1
    return report


async def _send_one(
    deps: Deps,
    sender: Sender,
    row: SendRecord,
    spent: frozenset[str],
    boards: dict[int, list[EntryRecord]],
) -> tuple[SendStatus, str]:
    now = deps.now()
    async with deps.store.transaction() as repo:
        learner = await repo.learners.learner(row.learner_id)
        challenge = await repo.challenges.challenge(row.challenge_id)
        identities = await repo.learners.identities_of(row.learner_id) if learner else []
        message: Out | None = None
        skip = None
        if learner is None or challenge is None:
            skip = "gone"
        elif learner.status == LearnerStatus.PAUSED:
            skip = "opted_out"  # "don't remind me": no pushes, challenges included
        elif learner.status == LearnerStatus.ONBOARDING:
            skip = "onboarding"
        elif row.kind == SendKind.ANNOUNCE and (challenge.closed_at or challenge.deadline <= now):
            skip = "too_late"
        else:
            tr = Translator(learner.language)
            if row.kind == SendKind.ANNOUNCE:
                unit = await repo.units.unit(challenge.unit_id)
                author = (
                    await repo.learners.learner(challenge.created_by)
                    if challenge.created_by
                    else None
                )
                message = announcement(
                    challenge, unit, author.public_name if author else "", learner, tr
                )
            else:
                if challenge.id not in boards:  # closed: its entries no longer change
                    boards[challenge.id] = await repo.challenges.entries(challenge.id)
                message = results(challenge, boards[challenge.id], learner, tr)
        target = pick_identity(identities, sender, now, spent) if message else None
        if message is not None and target is None:
            skip = _unreachable_reason(identities, sender, now)
        if skip is not None:
            await repo.challenges.finish_send(row.id, SendStatus.SKIPPED, skip, now)
            return SendStatus.SKIPPED, skip
    assert message is not None and target is not None
    try:
        await sender.send(target.channel, target.chat_id, message)
    except reach.OutsideWindow as exc:
        async with deps.store.transaction() as repo:
            await repo.conversations.window_closed(target.id, now)
            await repo.challenges.finish_send(
                row.id, SendStatus.SKIPPED, f"outside_window {exc}", now
            )
        return SendStatus.SKIPPED, "outside_window"
    except Unreachable as exc:
        async with deps.store.transaction() as repo:
            await repo.learners.set_reachable(row.learner_id, target.channel, False)
            await repo.challenges.finish_send(row.id, SendStatus.SKIPPED, f"unreachable {exc}", now)
        return SendStatus.SKIPPED, "unreachable"
    except Exception as exc:  # one learner's failure never stops the others
        log.warning("challenge %s to learner %s failed: %r", row.challenge_id, row.learner_id, exc)
        final = row.attempts >= SEND_ATTEMPTS
        async with deps.store.transaction() as repo:
            await repo.challenges.finish_send(
                row.id, SendStatus.FAILED if final else SendStatus.PENDING, repr(exc), now
            )
        return (SendStatus.FAILED if final else SendStatus.PENDING), "error"
    async with deps.store.transaction() as repo:
        await repo.challenges.finish_send(row.id, SendStatus.SENT, target.channel, now)
        await repo.conversations.delivered(target.id, now)
        if message.options:  # so that "1" answers it on channels without buttons
            # Only the options are written: a turn running meanwhile keeps what it saved.
            state = target.state
            before = state.to_json()
            choices.remember(state, message)
            await repo.conversations.patch(target.id, state.changes(since=before))
    return SendStatus.SENT, ""


def _unreachable_reason(identities: list[IdentityRecord], sender: Sender, now: datetime) -> str:
    if identities and pick_identity(identities, sender, now) is not None:
        return "quota_spent"  # reachable, but only through a channel whose month is used up
    return reach.why_unreachable(identities, now, sender) or "unreachable"


async def tick(deps: Deps, sender: Sender) -> TickReport:
    """One scheduler run: deadlines first (so results join this round's sends), then the outbox."""
    report = await close_due(deps)
    return await send_pending(deps, sender, report)
