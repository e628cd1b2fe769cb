"""Messages that are not answers: a leader's nudges and announcements, the weekly digest.

Each is written as one outbox row per recipient, with a unique key, in the same transaction as
the decision to send it; a worker then sends the rows through the same `Sender` (and so the same
rate limits) as lessons, to the channel the learner used last, skipping channels outside their
messaging window (Zalo OA's 7 days) or whose monthly quota is spent, exactly as the daily push
does. Each row is marked sent in its own transaction as soon as it is sent, so a restart sends
what is left and nothing else (only a row in flight at a hard crash could go twice, as with
lessons); a row whose learner no channel can reach is kept as "skipped" with the reason, for the
leader's "reach in person" list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.services import choices, reach
from bot.services.context import Deps
from bot.services.delivery import pick_identity, spent_channels
from bot.services.io import Option, Out, Unreachable
from bot.services.ports import OutboxItem, OutboxStatus, Queued
from bot.services.sender import Sender

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BATCH = 200
CONCURRENCY = 32
# Telegram allows about 20 messages a minute in one group chat: posts there are spaced.
GROUP_INTERVAL = 3.0


def payload(message: Out) -> dict[str, Any]:
    return {
        "text": message.text,
        "title": message.title,
        "options": [[o.key, o.label] for o in message.options],
    }


def message(data: dict[str, Any]) -> Out:
    return Out(
        text=str(data.get("text", "")),
        title=str(data.get("title", "")),
        options=tuple(Option(str(k), str(v)) for k, v in data.get("options", [])),
    )


def to_learner(key: str, kind: str, learner_id: int, out: Out) -> Queued:
    return Queued(key=key, kind=kind, payload=payload(out), learner_id=learner_id)


def to_chat(key: str, kind: str, channel: str, chat_id: str, out: Out) -> Queued:
    return Queued(key=key, kind=kind, payload=payload(out), channel=channel, chat_id=chat_id)


@dataclass
class DrainReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


class _GroupPacer:
    """At most one post per GROUP_INTERVAL seconds into one group chat, within a process."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.locks: dict[str, asyncio.Lock] = {}

    async def wait(self, chat: str) -> None:
        async with self.locks.setdefault(chat, asyncio.Lock()):
            delay = self.last.get(chat, -GROUP_INTERVAL) + GROUP_INTERVAL - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.last[chat] = time.monotonic()


_PACER = _GroupPacer()


async def _send_to_chat(deps: Deps, sender: Sender, item: OutboxItem, report: DrainReport) -> None:
    assert item.channel is not None and item.chat_id is not None
    if not sender.has(item.channel):
        await _finish(deps, item, OutboxStatus.SKIPPED, None, "channel not running", report)
        return
    try:
        await _PACER.wait(f"{item.channel}:{item.chat_id}")
        await sender.send(item.channel, item.chat_id, message(item.payload))
    except Unreachable as exc:  # the bot was removed from the group
        await _finish(deps, item, OutboxStatus.SKIPPED, item.channel, f"unreachable: {exc}", report)
        return
    except Exception as exc:
        await _again(deps, item, exc, report)
        return
    await _finish(deps, item, OutboxStatus.SENT, item.channel, None, report)


async def _send_to_learner(
    deps: Deps, sender: Sender, item: OutboxItem, report: DrainReport, spent: frozenset[str]
) -> None:
    assert item.learner_id is not None
    now = deps.now()
    async with deps.store.transaction() as repo:
        identities = await repo.learners.identities_of(item.learner_id)
    target = pick_identity(identities, sender, now, spent)
    if target is None:
        why = reach.why_unreachable(identities, now, sender) or "monthly_quota"
        await _finish(deps, item, OutboxStatus.SKIPPED, None, why, report)
        return
    out = message(item.payload)
    try:
        await sender.send(target.channel, target.chat_id, out)
    except reach.OutsideWindow as exc:
        async with deps.store.transaction() as repo:
            await repo.conversations.window_closed(target.id, now)
        await _finish(
            deps, item, OutboxStatus.SKIPPED, target.channel, f"outside_window: {exc}", report
        )
        return
    except Unreachable as exc:
        async with deps.store.transaction() as repo:
            await repo.learners.set_reachable(item.learner_id, target.channel, False)
        await _finish(
            deps, item, OutboxStatus.SKIPPED, target.channel, f"unreachable: {exc}", report
        )
        return
    except Exception as exc:
        await _again(deps, item, exc, report)
        return
    async with deps.store.transaction() as repo:
        await repo.leader.finish(item.id, OutboxStatus.SENT, target.channel, None, deps.now())
        await repo.conversations.delivered(target.id, deps.now())
        if out.options:  # "1" answers it on channels without buttons
            # Only the options are written: a turn running meanwhile keeps what it saved.
            state = target.state
            before = state.to_json()
            choices.remember(state, out)
            await repo.conversations.patch(target.id, state.changes(since=before))
    report.sent += 1


async def _finish(
    deps: Deps,
    item: OutboxItem,
    status: OutboxStatus,
    channel: str | None,
    error: str | None,
    report: DrainReport,
) -> None:
    async with deps.store.transaction() as repo:
        await repo.leader.finish(item.id, status, channel, error, deps.now())
    if status == OutboxStatus.SENT:
        report.sent += 1
    else:
        report.skip((error or status).split(":")[0])


async def _again(deps: Deps, item: OutboxItem, exc: Exception, report: DrainReport) -> None:
    log.warning("outbox %s (%s) failed: %r", item.id, item.kind, exc)
    async with deps.store.transaction() as repo:
        if item.attempts >= MAX_ATTEMPTS:
            await repo.leader.finish(item.id, OutboxStatus.FAILED, None, repr(exc), deps.now())
            report.failed += 1
        else:  # back off: 1, 2, 4, 8 minutes
            retry_at = deps.now() + timedelta(minutes=2 ** (item.attempts - 1))
            await repo.leader.retry(item.id, retry_at, repr(exc))
            report.retry += 1


async def drain(deps: Deps, sender: Sender, limit: int | None = None) -> DrainReport:
    """Send what is due in the outbox; `limit` stops after that many rows (tests use it to stop
    half-way, as a restart would)."""
    report = DrainReport()
    async with deps.store.transaction() as repo:
        await repo.leader.release_stale(deps.now())  # leases a dead worker left behind
    gate = asyncio.Semaphore(CONCURRENCY)
    left = limit

    async def one(item: OutboxItem, spent: frozenset[str]) -> None:
        async with gate:
            if item.learner_id is not None:
                await _send_to_learner(deps, sender, item, report, spent)
            else:
                await _send_to_chat(deps, sender, item, report)

    while left is None or left > 0:
        take = BATCH if left is None else min(BATCH, left)
        async with deps.store.transaction() as repo:
            items = await repo.leader.claim(deps.now(), deps.now() + LEASE, take)
        if not items:
            break
        spent = await spent_channels(sender)
        await asyncio.gather(*(one(item, spent) for item in items))
        if left is not None:
            left -= len(items)
    return report
