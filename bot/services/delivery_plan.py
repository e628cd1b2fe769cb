"""Planning the daily push: whose lesson time has come (`schedule_due`), and what the push does
for one learner when it is sent (`push_action`). bot/services/delivery.py sends it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.services.context import Deps
from lessons.plan import Assignment

log = logging.getLogger(__name__)

# A learner who wrote to the bot this recently is studying now: the push waits for tomorrow.
ACTIVE_WINDOW = timedelta(minutes=15)

PushAction = Literal["send", "skip_done", "skip_active", "remind"]


def push_action(
    assignment: Assignment | None,
    answered: int,
    submitted: bool,
    last_seen: datetime | None,
    now: datetime,
) -> PushAction:
    """What the daily push does, decided again just before sending.

    The push was planned minutes or hours earlier; since then the learner may have finished the
    lesson, or opened it themselves ("Học ngay" after joining, "học" before their time). It never
    sends a lesson twice: done -> nothing; opened and active in the last minutes -> nothing;
    opened but quiet -> one short reminder of where they are, not the whole lesson again.
    """
    if assignment is not None and assignment.completed_on is not None:
        return "skip_done"
    started = (
        (assignment is not None and assignment.started_at is not None) or answered > 0 or submitted
    )
    if not started:
        return "send"
    if last_seen is not None and now - last_seen <= ACTIVE_WINDOW:
        return "skip_active"
    return "remind"


def review_push_action(retried: bool, last_seen: datetime | None, now: datetime) -> PushAction:
    """A review day's lesson: sent unless its retry is in, or the learner is at it right now."""
    if retried:
        return "skip_done"
    if last_seen is not None and now - last_seen <= ACTIVE_WINDOW:
        return "skip_active"
    return "send"


def due_at(now: datetime, zone: str, lesson_time: str) -> datetime:
    """Today's lesson time in the learner's zone, as an aware datetime."""
    tz = ZoneInfo(zone)
    hour, minute = (int(x) for x in lesson_time.split(":"))
    local_day = now.astimezone(tz).date()
    return datetime.combine(local_day, time(hour, minute), tzinfo=tz)


@dataclass(frozen=True)
class Slot:
    """One (zone, lesson time) pair as seen at `now`: every learner in it is due together."""

    day: date | None  # the learner's local day whose row is due now, if it has come
    due: datetime | None  # that row's due time
    following: datetime  # where the learners' next due time moves to


def slot_at(now: datetime, zone: str, lesson_time: str) -> Slot:
    today = due_at(now, zone, lesson_time)
    if today > now:  # not yet today (e.g. the next due time was left from a day the bot was down)
        return Slot(None, None, today)
    tomorrow = datetime.combine(today.date() + timedelta(days=1), today.timetz())
    return Slot(today.date(), today, tomorrow)


PLAN_CHUNK = 5000


async def schedule_due(
    deps: Deps, chunk: int = PLAN_CHUNK, planned: Callable[[], object] | None = None
) -> int:
    """Create the delivery rows of learners whose time has come; idempotent.

    Set-based: each learner keeps its next due time, so a tick reads only the learners due now,
    a (zone, lesson time) slot at a time, `chunk` learners a statement. A row is created with no
    lesson: which lesson to send (or none, for a learner who studied early) is decided when it is
    sent. `planned` is called after each committed chunk so that sending can start at once.
    """
    now = deps.now()
    async with deps.store.transaction() as repo:
        # Learners whose time, zone or status changed (or new): set today's time; if it has
        # passed, the step below plans them in this same tick, as the old full scan did.
        for zone, lesson_time in await repo.deliveries.unset_due_slots():
            try:
                await repo.deliveries.set_unset_due(
                    zone, lesson_time, due_at(now, zone, lesson_time)
                )
            except (ValueError, KeyError) as exc:  # a broken zone or time must not stop the tick
                log.warning("cannot plan %s %s: %r", zone, lesson_time, exc)
        slots = await repo.deliveries.due_slots(now)
    created = 0
    for zone, lesson_time in slots:
        try:
            slot = slot_at(now, zone, lesson_time)
        except (ValueError, KeyError) as exc:
            log.warning("cannot plan %s %s: %r", zone, lesson_time, exc)
            continue
        while True:
            async with deps.store.transaction() as repo:
                moved, made = await repo.deliveries.plan_due(
                    zone, lesson_time, now, slot.day, slot.due, slot.following, chunk
                )
            created += made
            if made and planned is not None:
                planned()
            if moved < chunk:
                break
    return created
