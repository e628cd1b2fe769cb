"""The daily push: find learners whose lesson time has come, then send each one's lesson once.

Each delivery is a row (learner, day) with the number of parts already sent, committed after every
part. A restart resumes where it stopped: nothing is lost and no part is sent twice (except the one
part in flight at a hard crash, which the platform may or may not have delivered).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import learning
from bot.services.context import Deps
from bot.services.io import Out, TemporaryFailure, Unreachable
from bot.services.ports import DeliveryRecord, IdentityRecord
from bot.services.sender import Sender

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_AFTER = timedelta(minutes=10)


@dataclass
class RoundReport:
    scheduled: int = 0
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    retry: int = 0
    errors: list[str] = field(default_factory=list)


def due_at(now: datetime, zone: str, lesson_time: str) -> datetime:
    """Today's lesson time in the learner's zone, as an aware datetime."""
    tz = ZoneInfo(zone)
    hour, minute = (int(x) for x in lesson_time.split(":"))
    local_day = now.astimezone(tz).date()
    return datetime.combine(local_day, time(hour, minute), tzinfo=tz)


async def schedule_due(deps: Deps) -> int:
    """Create today's delivery rows for learners whose time has come; idempotent."""
    now = deps.now()
    async with deps.store.transaction() as repo:
        candidates = [
            d for d in await repo.active_learners_with_time()
            if due_at(now, d.timezone, d.lesson_time) <= now
        ]
    created = 0
    for due in candidates:
        async with deps.store.transaction() as repo:
            learner = await repo.learner(due.learner_id)
            if learner is None:
                continue
            today = deps.today_for(learner)
            # Cheap check first: most learners already have today's row after the first tick;
            # create_delivery's unique (learner, day) is the real guard.
            if await repo.has_delivery(learner.id, today):
                continue
            plan = await learning.todays_plan(deps, repo, learner)
            if plan.lesson is None or plan.status == "done_today":
                continue
            when = due_at(now, due.timezone, due.lesson_time)
            if await repo.create_delivery(learner.id, today, plan.lesson.id, when):
                created += 1
    return created


def pick_identity(identities: list[IdentityRecord], sender: Sender) -> IdentityRecord | None:
    """The reachable identity on a channel we can send through, most recently used first."""
    usable = [i for i in identities if i.reachable and sender.has(i.channel)]
    usable.sort(key=lambda i: i.state.get("last_ok", ""), reverse=True)
    return usable[0] if usable else None


async def deliver_one(deps: Deps, sender: Sender, item: DeliveryRecord, report: RoundReport) -> None:
    async with deps.store.transaction() as repo:
        learner = await repo.learner(item.learner_id)
        identities = await repo.identities_of(item.learner_id) if learner else []
        answered = await repo.quiz_answers(item.learner_id, item.lesson_id) if learner else {}
    lesson = deps.curriculum.by_id(item.lesson_id)
    identity = pick_identity(identities, sender)
    if learner is None or lesson is None or identity is None:
        async with deps.store.transaction() as repo:
            await repo.finish_delivery(item.id, "skipped", None, "no reachable channel", deps.now())
        return
    tr = Translator(learner.language)
    status = "new" if item.day == deps.today_for(learner) else "unfinished"
    parts: list[Out] = learning.lesson_messages(deps, lesson, tr, answered, status)
    sent = item.parts_sent
    try:
        for part in parts[sent:]:
            await sender.send(identity.channel, identity.chat_id, part)
            sent += 1
            async with deps.store.transaction() as repo:
                await repo.delivery_progress(item.id, sent, deps.now())
    except Unreachable as exc:
        report.unreachable += 1
        async with deps.store.transaction() as repo:
            await repo.set_reachable(learner.id, identity.channel, False)
            await repo.finish_delivery(item.id, "unreachable", identity.channel, str(exc),
                                       deps.now())
        return
    except (TemporaryFailure, Exception) as exc:
        log.warning("delivery %s to learner %s failed: %r", item.id, learner.id, exc)
        final = item.attempts >= MAX_ATTEMPTS
        report.failed += final
        report.retry += not final
        async with deps.store.transaction() as repo:
            if final:
                await repo.finish_delivery(item.id, "failed", identity.channel, repr(exc),
                                           deps.now())
            else:  # back off: 1, 2, 4, 8 minutes
                retry_at = deps.now() + timedelta(minutes=2 ** (item.attempts - 1))
                await repo.retry_delivery(item.id, retry_at, repr(exc))
        return
    offered = [p for p in parts if p.options]
    async with deps.store.transaction() as repo:
        await repo.finish_delivery(item.id, "sent", identity.channel, None, deps.now())
        state = dict(identity.state)
        state["last_ok"] = deps.now().isoformat()
        if offered:  # so that "B" or "2" answers the quiz on channels without buttons
            state["options"] = [o.key for o in offered[-1].options]
        await repo.save_state(identity.id, state)
    report.sent += 1


async def deliver_due(
    deps: Deps, sender: Sender, concurrency: int = 64, batch: int = 500,
    stop: asyncio.Event | None = None,
) -> RoundReport:
    """Send every due delivery; returns when none is left (or `stop` is set)."""
    report = RoundReport()
    gate = asyncio.Semaphore(concurrency)

    async def run(item: DeliveryRecord) -> None:
        async with gate:
            await deliver_one(deps, sender, item, report)

    while stop is None or not stop.is_set():
        async with deps.store.transaction() as repo:
            items = await repo.claim_deliveries(deps.now(), batch)
        if not items:
            break
        await asyncio.gather(*(run(item) for item in items))
    return report


async def release_stale(deps: Deps, older_than: timedelta = STALE_AFTER) -> int:
    """Put deliveries that a dead process left half-sent back in the queue."""
    async with deps.store.transaction() as repo:
        return await repo.release_stale_deliveries(deps.now() - older_than)


async def delivery_round(deps: Deps, sender: Sender) -> RoundReport:
    """One scheduler tick: schedule what is due, then send it."""
    scheduled = await schedule_due(deps)
    report = await deliver_due(deps, sender)
    report.scheduled = scheduled
    return report
