"""The scheduled tick: close challenges whose deadline passed, then send the outbox (a few
attempts each, a stale claim taken over)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.i18n import Translator
from bot.services import choices, reach, tasks
from bot.services.challenges.board import announcement, results
from bot.services.challenges.groups import queue_group_chats
from bot.services.context import Deps
from bot.services.delivery import pick_identity, spent_channels
from bot.services.invites import Event
from bot.services.io import Out, Unreachable
from bot.services.ports import IdentityRecord, LearnerStatus
from bot.services.ports.challenges import EntryRecord, SendKind, SendRecord, SendStatus
from bot.services.sender import Sender

log = logging.getLogger(__name__)


SEND_ATTEMPTS = 3
STALE_SEND = timedelta(minutes=10)


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
