"""Deciding what the push does for a claimed batch, before anything is sent: read it at once,
choose each learner's identity and parts, and finish there the deliveries skipped today.

bot/services/delivery.py sends what this prepares."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.services import reach
from bot.services.context import Deps
from bot.services.delivery_plan import push_action, review_push_action
from bot.services.delivery_read import DeliveryRead, push_parts, read_deliveries
from bot.services.io import Out
from bot.services.ports import DeliveryRecord, DeliveryStatus, IdentityRecord
from bot.services.sender import Sender

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def pick_identity(
    identities: list[IdentityRecord],
    sender: Sender,
    now: datetime | None = None,
    skip: frozenset[str] = frozenset(),
) -> IdentityRecord | None:
    """The reachable identity on a channel we can send through, the one the learner used last
    (wrote on, or was sent to successfully) first. Zalo OA identities count only inside their
    7-day window; channels in `skip` (e.g. a spent monthly quota) are passed over."""
    now = now or datetime.now(UTC)
    usable = [
        i
        for i in identities  # through the bot the identity came by (its unit's own)
        if sender.has(i.channel, i.bot_id)
        and i.channel not in skip
        and reach.usable(i, now, sender)
    ]
    oldest = datetime.min.replace(tzinfo=UTC)
    usable.sort(key=lambda i: reach.last_used(i) or oldest, reverse=True)
    return usable[0] if usable else None


async def spent_channels(sender: Sender) -> frozenset[str]:
    """Channels whose plan's monthly messages are used up: no daily push through them."""
    spent = set()
    for channel_sender in sender.all():
        if not await channel_sender.outbound.policy.push_allowed():
            spent.add(channel_sender.channel)
    return frozenset(spent)


@dataclass
class Ready:
    """A claimed delivery read and decided: what to send, to which identity."""

    read: DeliveryRead
    identity: IdentityRecord
    parts: list[Out]
    spent: frozenset[str]
    read_at: datetime  # its lease was taken or renewed then


def prepare(deps: Deps, sender: Sender, read: DeliveryRead, spent: frozenset[str]) -> Ready | str:
    """What the push does for one delivery, decided just before sending: its parts and the
    identity to send them to, or why it is skipped today."""
    item, learner, lesson, identities = read.item, read.learner, read.lesson, read.identities
    answered, submitted, review = read.state.answered, read.state.submitted, read.review
    seen = [i.last_seen_at for i in identities if i.last_seen_at is not None]
    action = push_action(
        read.state.assignment, len(answered), submitted, max(seen, default=None), deps.now()
    )
    if review is not None:
        action = review_push_action(review.done, max(seen, default=None), deps.now())
    if learner is not None and action in ("skip_done", "skip_active") and item.parts_sent == 0:
        return "lesson already done" if action == "skip_done" else "studying it now"
    identity = pick_identity(identities, sender, deps.now(), spent)
    if learner is None or lesson is None or identity is None:
        if identities and pick_identity(identities, sender, deps.now()) is not None:
            return "monthly quota spent"
        if any(i.reachable and not reach.inside_window(i, deps.now(), sender) for i in identities):
            return "outside the messaging window"
        return "no reachable channel"
    parts = push_parts(
        deps, read, learner, lesson, action, sender.policy(identity.channel, identity.bot_id)
    )
    return Ready(read, identity, parts, spent, deps.now())


async def prepare_batch(
    deps: Deps,
    sender: Sender,
    items: list[DeliveryRecord],
    holder: str,
    spent: frozenset[str],
) -> list[Ready]:
    """Read a claimed batch in one transaction and finish there the deliveries skipped today.
    Should the batch fail (one learner's broken row), each delivery is read on its own, so the
    broken one alone waits for its lease to lapse."""
    try:
        return await _prepare(deps, sender, items, holder, spent)
    except Exception as exc:
        if len(items) == 1:
            await _unreadable(deps, items[0], holder, exc)
            return []
        log.exception("reading a batch of %d deliveries failed: one at a time", len(items))
    ready: list[Ready] = []
    for item in items:
        try:
            ready += await _prepare(deps, sender, [item], holder, spent)
        except Exception as exc:
            await _unreadable(deps, item, holder, exc)
    return ready


async def _unreadable(deps: Deps, item: DeliveryRecord, holder: str, exc: Exception) -> None:
    """A delivery that cannot be read waits for its lease to lapse and is tried again; broken
    for good (its last attempt), it ends failed rather than being claimed every lease."""
    log.error("reading delivery %s failed", item.id, exc_info=exc)
    if item.attempts >= MAX_ATTEMPTS:
        async with deps.store.transaction() as repo:
            await repo.leases.finish_delivery(
                item.id, holder, DeliveryStatus.FAILED, None, repr(exc), deps.now()
            )


async def _prepare(
    deps: Deps,
    sender: Sender,
    items: list[DeliveryRecord],
    holder: str,
    spent: frozenset[str],
) -> list[Ready]:
    ready: list[Ready] = []
    async with deps.store.transaction() as repo:
        for read in await read_deliveries(deps, repo, items, holder):
            decided = prepare(deps, sender, read, spent)
            if isinstance(decided, Ready):
                ready.append(decided)
            else:
                await repo.leases.finish_delivery(
                    read.item.id, holder, DeliveryStatus.SKIPPED, None, decided, deps.now()
                )
    return ready
