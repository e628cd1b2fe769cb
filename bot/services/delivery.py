"""The daily push: find learners whose lesson time has come, then send each one's lesson once.

Each delivery is a row (learner, day) with the number of parts already sent, recorded after every
part (the records of parts that finish together share one commit: delivery_record.py), and a
lease: the worker sending it renews the lease with each part, and any worker takes up a delivery
whose lease lapsed (its worker died or stalled). Nothing is lost, and a hard crash repeats at most
the parts in flight, which `DeliveryLimits.in_flight` bounds (8 per process). A claimed batch is
read and decided at once (delivery_prepare.py, delivery_read.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.services import reach
from bot.services.context import Deps

# Planning lives in delivery_plan, deciding in delivery_prepare; their names stay reachable here,
# where callers look for the push.
from bot.services.delivery_plan import ACTIVE_WINDOW as ACTIVE_WINDOW
from bot.services.delivery_plan import PLAN_CHUNK as PLAN_CHUNK
from bot.services.delivery_plan import PushAction as PushAction
from bot.services.delivery_plan import push_action as push_action
from bot.services.delivery_plan import review_push_action as review_push_action
from bot.services.delivery_plan import schedule_due as schedule_due
from bot.services.delivery_prepare import MAX_ATTEMPTS as MAX_ATTEMPTS
from bot.services.delivery_prepare import Ready as Ready
from bot.services.delivery_prepare import pick_identity as pick_identity
from bot.services.delivery_prepare import prepare as prepare
from bot.services.delivery_prepare import prepare_batch
from bot.services.delivery_prepare import spent_channels as spent_channels
from bot.services.delivery_read import with_one_tap as with_one_tap
from bot.services.delivery_record import Recorder
from bot.services.io import Unreachable
from bot.services.ports import DeliveryRecord, DeliveryStatus
from bot.services.sender import Sender

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 2.0  # a stopping worker lets its deliveries in progress go on this long


@dataclass
class RoundReport:
    scheduled: int = 0
    sent: int = 0
    unreachable: int = 0
    outside_window: int = 0
    failed: int = 0
    retry: int = 0
    taken_over: int = 0  # this worker stalled past its lease and another one went on
    errors: list[str] = field(default_factory=list)


class Gates:
    """Concurrency per channel, so that one channel's pause or outage never holds the slots
    another channel's deliveries need; database work shares one gate of its own."""

    def __init__(self, per_channel: int = 64, database: int = 64) -> None:
        self.per_channel = per_channel
        self.db = asyncio.Semaphore(database)
        self._channels: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def channel(self, name: str) -> AsyncIterator[None]:
        gate = self._channels.setdefault(name, asyncio.Semaphore(self.per_channel))
        async with gate:
            yield


async def deliver_one(
    deps: Deps,
    sender: Sender,
    ready: Ready,
    report: RoundReport,
    recorder: Recorder,
    holder: str,
    in_flight: asyncio.Semaphore,
    gates: Gates | None = None,
) -> None:
    """Send one prepared delivery. Every write is fenced by `holder`'s lease: when another
    worker took the delivery over (this one stalled past its lease), this one stops at once."""
    gates = gates or Gates()
    lease = deps.delivery_limits.lease
    item, identity, parts = ready.read.item, ready.identity, ready.parts
    learner_id = item.learner_id
    renewed = ready.read_at
    sent = item.parts_sent
    try:
        async with gates.channel(identity.channel):
            for part in parts[sent:]:
                # A lesson's next part waits for its chat's spacing (a second on Telegram)
                # before it takes a slot: a slot is for a send that can go now.
                await sender.chat_ready(identity.channel, identity.chat_id, identity.bot_id)
                # The slot is held until the part is recorded: what a crash can repeat.
                async with in_flight:
                    held = True
                    if deps.now() - renewed > lease / 2:  # a long wait (a 429 pause): renew
                        held = await recorder.progress(item.id, holder, sent)
                    if held:
                        await sender.send(
                            identity.channel,
                            identity.chat_id,
                            part,
                            bot_id=identity.bot_id,
                            lane="bulk",
                        )
                        sent += 1
                        renewed = deps.now()
                        if sent < len(parts):
                            held = await recorder.progress(item.id, holder, sent)
                        else:  # the last part is recorded by the delivery's end, one write
                            held = await recorder.finished(item.id, holder, identity, parts)
                            report.sent += held
                if not held:
                    report.taken_over += 1
                    log.warning("delivery %s was taken over by another worker", item.id)
                    return
    except reach.OutsideWindow as exc:
        # Not blocked: the window opens again when the learner writes. Another channel may
        # carry today's lesson; if none can, their group leader's list shows them.
        report.outside_window += 1
        others = [i for i in ready.read.identities if i.id != identity.id]
        async with gates.db, deps.store.transaction() as repo:
            await repo.conversations.window_closed(identity.id, deps.now())
            if pick_identity(others, sender, deps.now(), ready.spent) is not None and sent == 0:
                await repo.leases.retry_delivery(
                    item.id, holder, deps.now(), f"outside window: {exc}"
                )
            else:
                await repo.leases.finish_delivery(
                    item.id,
                    holder,
                    DeliveryStatus.OUTSIDE_WINDOW,
                    identity.channel,
                    str(exc),
                    deps.now(),
                )
        return
    except Unreachable as exc:
        report.unreachable += 1
        async with deps.store.transaction() as repo:
            await repo.learners.set_reachable(learner_id, identity.channel, False)
            await repo.leases.finish_delivery(
                item.id, holder, DeliveryStatus.UNREACHABLE, identity.channel, str(exc), deps.now()
            )
        return
    except Exception as exc:  # one learner's failure never stops the round
        log.warning("delivery %s to learner %s failed: %r", item.id, learner_id, exc)
        final = item.attempts >= MAX_ATTEMPTS
        report.failed += final
        report.retry += not final
        async with deps.store.transaction() as repo:
            if final:
                await repo.leases.finish_delivery(
                    item.id, holder, DeliveryStatus.FAILED, identity.channel, repr(exc), deps.now()
                )
            else:  # back off: 1, 2, 4, 8 minutes
                retry_at = deps.now() + timedelta(minutes=2 ** (item.attempts - 1))
                await repo.leases.retry_delivery(item.id, holder, retry_at, repr(exc))
        return
    if item.parts_sent >= len(parts):  # every part went before a crash: only the end is left
        if await recorder.finished(item.id, holder, identity, parts):
            report.sent += 1
        else:
            report.taken_over += 1


async def deliver_due(
    deps: Deps,
    sender: Sender,
    stop: asyncio.Event | None = None,
    planning: asyncio.Task[int] | None = None,
    planned: asyncio.Event | None = None,
    keep_going: bool = False,
) -> RoundReport:
    """Send due deliveries as a pipeline: claim a small batch with a lease, start sending it,
    claim again as deliveries finish. Returns when none is left and `planning` is over (or
    `stop` is set); with `keep_going` (a worker) it ticks every `poll_seconds` instead, and each
    tick also takes up deliveries whose worker died (their lease lapsed)."""
    limits = deps.delivery_limits
    report = RoundReport()
    # Claimed at once: small, so a worker that dies leaves few deliveries waiting for their
    # lease to lapse; four times the slots, because a delivery spends most of its life waiting
    # for its chat's spacing between parts (a second on Telegram), holding no slot meanwhile.
    capacity = 4 * limits.in_flight
    gates = Gates(per_channel=capacity, database=limits.in_flight)
    in_flight = asyncio.Semaphore(limits.in_flight)
    recorder = Recorder(deps)
    active: dict[asyncio.Task[None], int] = {}  # deliveries in progress, by delivery id
    try:
        while stop is None or not stop.is_set():
            # Read before claiming: rows a finished planner committed are then surely claimable.
            planning_over = planning is None or planning.done()
            free = capacity - len(active)
            items: list[DeliveryRecord] = []
            if free >= max(1, limits.in_flight // 2) or not active:
                holder = deps.lease_holder()
                now = deps.now()
                async with deps.store.transaction() as repo:
                    items = await repo.leases.claim_deliveries(
                        now, free, holder, now + limits.lease, frozenset(active.values())
                    )
                if items:
                    spent = await spent_channels(sender)  # once a batch, not once a learner
                    for ready in await prepare_batch(deps, sender, items, holder, spent):
                        task = asyncio.create_task(
                            _guarded(
                                deliver_one(
                                    deps, sender, ready, report, recorder, holder, in_flight, gates
                                ),
                                report,
                            )
                        )
                        active[task] = ready.read.item.id
                        task.add_done_callback(active.pop)
                    if len(items) == free:
                        continue  # there may be more: claim again once a slot frees
            if not items and not active and planning_over and not keep_going:
                break
            # Wait for a delivery to finish, the planner's next chunk, or the next tick.
            waits: set[asyncio.Future[Any]] = set(active)
            if planning is not None and not planning.done():
                waits.add(planning)
            waiter = None
            if planned is not None:
                waiter = asyncio.ensure_future(planned.wait())
                waits.add(waiter)
            if stop is not None:
                waits.add(asyncio.ensure_future(stop.wait()))
            if waits:
                await asyncio.wait(
                    waits, timeout=limits.poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            else:
                await asyncio.sleep(limits.poll_seconds)
            for waiting in waits - set(active) - {planning}:
                waiting.cancel()
            if planned is not None and waiter is not None and waiter.done():
                planned.clear()
    finally:
        if active:  # stopping: let the parts in flight be recorded, then give up the rest
            _, late = await asyncio.wait(set(active), timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()  # their leases lapse; any worker takes them up
            await asyncio.gather(*late, return_exceptions=True)
        await recorder.drain()
    return report


async def _guarded(sending: Awaitable[None], report: RoundReport) -> None:
    try:
        await sending
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a database error mid-delivery: the lease lapses, it is retried
        report.errors.append(repr(exc))
        log.exception("delivery failed")


async def delivery_round(deps: Deps, sender: Sender) -> RoundReport:
    """Plan what is due and send it, both at once; returns when everything due is sent."""
    planned = asyncio.Event()
    planning = asyncio.create_task(schedule_due(deps, planned=planned.set))
    try:
        # Sending starts with the first planned chunk, not after the last one.
        report = await deliver_due(deps, sender, planning=planning, planned=planned)
        report.scheduled = await planning
    finally:
        planning.cancel()
    return report
