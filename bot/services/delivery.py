"""The daily push: find learners whose lesson time has come, then send each one's lesson once.

Each delivery is a row (learner, day) with the number of parts already sent, committed after every
part. A restart resumes where it stopped: nothing is lost and no part is sent twice (except the one
part in flight at a hard crash, which the platform may or may not have delivered).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import learning, reach
from bot.services.context import Deps
from bot.services.io import Option, Out, Unreachable
from bot.services.ports import DeliveryRecord, IdentityRecord
from bot.services.quota import PushBudget
from bot.services.sender import Sender
from lessons.model import Lesson
from lessons.plan import Assignment

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_AFTER = timedelta(minutes=10)
# A learner who wrote to the bot this recently is studying now: the push waits for tomorrow.
ACTIVE_WINDOW = timedelta(minutes=15)

PushAction = Literal["send", "skip_done", "skip_active", "remind"]


def push_action(
    assignment: Assignment | None, answered: int, submitted: bool,
    last_seen: datetime | None, now: datetime,
) -> PushAction:
    """What the daily push does, decided again just before sending.

    The push was planned minutes or hours earlier; since then the learner may have finished the
    lesson, or opened it themselves ("Học ngay" after joining, "học" before their time). It never
    sends a lesson twice: done -> nothing; opened and active in the last minutes -> nothing;
    opened but quiet -> one short reminder of where they are, not the whole lesson again.
    """
    if assignment is not None and assignment.completed_on is not None:
        return "skip_done"
    started = (assignment is not None and assignment.started_at is not None) or answered > 0 \
        or submitted
    if not started:
        return "send"
    if last_seen is not None and now - last_seen <= ACTIVE_WINDOW:
        return "skip_active"
    return "remind"


@dataclass
class RoundReport:
    scheduled: int = 0
    sent: int = 0
    unreachable: int = 0
    outside_window: int = 0
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
    """Create today's delivery rows for learners whose time has come; idempotent.

    Every tick after a learner's time sees them as due again, so the learners who already have
    today's row are filtered out with one query; each learner is planned once a day.
    """
    now = deps.now()
    async with deps.store.transaction() as repo:
        due = [
            d for d in await repo.active_learners_with_time()
            if due_at(now, d.timezone, d.lesson_time) <= now
        ]
        local_day = {d.learner_id: now.astimezone(ZoneInfo(d.timezone)).date() for d in due}
        done = await repo.deliveries_on(set(local_day.values())) if due else set()
    candidates = [d for d in due if (d.learner_id, local_day[d.learner_id]) not in done]
    created = 0
    for item in candidates:
        async with deps.store.transaction() as repo:
            learner = await repo.learner(item.learner_id)
            if learner is None:
                continue
            today = deps.today_for(learner)
            when = due_at(now, item.timezone, item.lesson_time)
            plan = await learning.todays_plan(deps, repo, learner)
            if plan.lesson is None or plan.status == "done_today":
                # Nothing to push today (studied early, or finished everything): a 'skipped'
                # row keeps the next ticks from planning this learner again.
                lesson_id = plan.lesson.id if plan.lesson else "-"
                await repo.create_delivery(learner.id, today, lesson_id, when, status="skipped")
                continue
            if await repo.create_delivery(learner.id, today, plan.lesson.id, when):
                created += 1
    return created


def pick_identity(
    identities: list[IdentityRecord], sender: Sender, now: datetime | None = None,
    skip: frozenset[str] = frozenset(),
) -> IdentityRecord | None:
    """The reachable identity on a channel we can send through, the one the learner used last
    (wrote on, or was sent to successfully) first. Zalo OA identities count only inside their
    7-day window; channels in `skip` (e.g. a spent monthly quota) are passed over."""
    now = now or datetime.now(UTC)
    usable = [i for i in identities
              if sender.has(i.channel) and i.channel not in skip and reach.usable(i, now)]
    oldest = datetime.min.replace(tzinfo=UTC)
    usable.sort(key=lambda i: reach.last_used(i) or oldest, reverse=True)
    return usable[0] if usable else None


async def spent_channels(sender: Sender) -> frozenset[str]:
    """Channels whose plan's monthly messages are used up: no daily push through them."""
    spent = set()
    for channel, channel_sender in sender.by_channel.items():
        budget = channel_sender.outbound
        if isinstance(budget, PushBudget) and not await budget.push_allowed():
            spent.add(channel)
    return frozenset(spent)


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


def with_one_tap(parts: list[Out], channel: str, tr: Translator) -> list[Out]:
    """On a channel with a messaging window, a lesson ends with a one-tap answer: the tap is an
    interaction that keeps the window open for the next lesson."""
    if channel not in reach.WINDOWS or not parts or parts[-1].options:
        return parts
    return [*parts, Out(text=tr("lesson.keep_window"),
                        options=(Option("ack:lesson", tr("lesson.ack_button")),))]


def reminder(lesson: Lesson, answered: int, submitted: bool, tr: Translator) -> Out:
    """One short message instead of the whole lesson: where the learner stands in it."""
    left = []
    if answered < lesson.quiz_count:
        left.append(tr("push.left_quiz", left=lesson.quiz_count - answered))
    if not submitted:
        left.append(tr("push.left_practice"))
    return Out(text=tr("push.reminder", title=lesson.title, left=", ".join(left) or "-"),
               options=(Option("cmd:lesson", tr("push.continue")),))


async def deliver_one(
    deps: Deps, sender: Sender, item: DeliveryRecord, report: RoundReport,
    gates: Gates | None = None, spent: frozenset[str] | None = None,
) -> None:
    gates = gates or Gates()
    async with gates.db, deps.store.transaction() as repo:
        learner = await repo.learner(item.learner_id)
        identities = await repo.identities_of(item.learner_id) if learner else []
        answered = await repo.quiz_answers(item.learner_id, item.lesson_id) if learner else {}
        assignment = await repo.assignment(item.learner_id, item.lesson_id) if learner else None
        submitted = learner is not None and await repo.has_graded_submission(
            item.learner_id, item.lesson_id)
    lesson = deps.curriculum.by_id(item.lesson_id)
    seen = [i.last_seen_at for i in identities if i.last_seen_at is not None]
    action = push_action(assignment, len(answered), submitted, max(seen, default=None),
                         deps.now())
    if learner is not None and action in ("skip_done", "skip_active") and item.parts_sent == 0:
        why = "lesson already done" if action == "skip_done" else "studying it now"
        async with gates.db, deps.store.transaction() as repo:
            await repo.finish_delivery(item.id, "skipped", None, why, deps.now())
        return
    if spent is None:
        spent = await spent_channels(sender)
    identity = pick_identity(identities, sender, deps.now(), spent)
    if learner is None or lesson is None or identity is None:
        why = "no reachable channel"
        if identities and pick_identity(identities, sender, deps.now()) is not None:
            why = "monthly quota spent"
        elif any(i.reachable and not reach.inside_window(i, deps.now()) for i in identities):
            why = "outside the messaging window"
        async with gates.db, deps.store.transaction() as repo:
            await repo.finish_delivery(item.id, "skipped", None, why, deps.now())
        return
    tr = Translator(learner.language)
    if action == "remind" and item.parts_sent == 0:
        parts = [reminder(lesson, len(answered), submitted, tr)]
    else:
        status = "new" if item.day == deps.today_for(learner) else "unfinished"
        parts = learning.lesson_messages(deps, lesson, tr, answered, status,
                                         learner.occupation)
    parts = with_one_tap(parts, identity.channel, tr)
    sent = item.parts_sent
    try:
        async with gates.channel(identity.channel):
            for part in parts[sent:]:
                await sender.send(identity.channel, identity.chat_id, part)
                sent += 1
                async with deps.store.transaction() as repo:
                    await repo.delivery_progress(item.id, sent, deps.now())
    except reach.OutsideWindow as exc:
        # Not blocked: the window opens again when the learner writes. Another channel may
        # carry today's lesson; if none can, their group leader's list shows them.
        report.outside_window += 1
        others = [i for i in identities if i.id != identity.id]
        async with gates.db, deps.store.transaction() as repo:
            state = dict(identity.state)
            state[reach.CLOSED_KEY] = deps.now().isoformat()
            await repo.save_state(identity.id, state)
            if pick_identity(others, sender, deps.now(), spent) is not None and sent == 0:
                await repo.retry_delivery(item.id, deps.now(), f"outside window: {exc}")
            else:
                await repo.finish_delivery(item.id, "outside_window", identity.channel, str(exc),
                                           deps.now())
        return
    except Unreachable as exc:
        report.unreachable += 1
        async with deps.store.transaction() as repo:
            await repo.set_reachable(learner.id, identity.channel, False)
            await repo.finish_delivery(item.id, "unreachable", identity.channel, str(exc),
                                       deps.now())
        return
    except Exception as exc:  # one learner's failure never stops the round
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
    gates = Gates(per_channel=concurrency, database=concurrency)

    while stop is None or not stop.is_set():
        async with deps.store.transaction() as repo:
            items = await repo.claim_deliveries(deps.now(), batch)
        if not items:
            break
        spent = await spent_channels(sender)  # once a batch, not once a learner
        await asyncio.gather(*(deliver_one(deps, sender, item, report, gates, spent)
                               for item in items))
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
