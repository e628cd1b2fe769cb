"""Long polling that takes no more updates than it can handle, and acknowledges only handled ones.

aiogram's own loop moves getUpdates' offset past an update as soon as its task is started, so a
stop mid-burst loses what was running. Here the offset (Telegram's acknowledgement) moves only
past updates whose handler has finished: every update below the oldest one still in hand. At
most `limit` handlers run at once (below the database pool, so a burst waits instead of timing
out on a connection); the loop fetches nothing more until one finishes. An update fetched again
because an older one is still running is skipped, and one handled but not yet acknowledged when
the process stops is delivered again and dropped by the dialog's duplicate check.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger(__name__)

BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)
GRACE_SECONDS = 3.0  # on stop, handlers already running get this long to finish


class Ledger:
    """Which updates are in hand and which are done; the offset that acknowledges the done ones."""

    def __init__(self) -> None:
        self.in_hand: set[int] = set()
        self.done: set[int] = set()  # finished but above the offset (an older one still runs)
        self.highest: int | None = None
        self.progress = asyncio.Event()

    def is_new(self, update_id: int) -> bool:
        offset = self.offset
        return (
            (offset is None or update_id >= offset)
            and update_id not in self.in_hand
            and update_id not in self.done
        )

    def take(self, update_id: int) -> None:
        self.in_hand.add(update_id)
        self.highest = update_id if self.highest is None else max(self.highest, update_id)

    def finish(self, update_id: int) -> None:
        self.in_hand.discard(update_id)
        self.done.add(update_id)
        offset = self.offset
        if offset is not None:
            self.done = {u for u in self.done if u >= offset}
        self.progress.set()

    @property
    def offset(self) -> int | None:
        """getUpdates' offset: every update below it is handled."""
        if self.in_hand:
            return min(self.in_hand)
        return None if self.highest is None else self.highest + 1


async def _handle(dp: Dispatcher, bot: Bot, update: Update, kwargs: dict[str, Any]) -> None:
    try:
        await dp.feed_update(bot, update, **kwargs)
    except Exception:  # one bad update must not stop the others; it counts as handled
        log.exception("Telegram update %s failed", update.update_id)


async def poll(dp: Dispatcher, bot: Bot, limit: int, poll_seconds: int = 10, **kwargs: Any) -> None:
    """Run until cancelled; on cancel, stop fetching and give running handlers a short grace."""
    ledger = Ledger()
    gate = asyncio.Semaphore(limit)
    tasks: set[asyncio.Task[None]] = set()
    backoff = Backoff(BACKOFF)
    allowed = dp.resolve_used_update_types()
    request_timeout = int((bot.session.timeout or 60) + poll_seconds)

    async def run(update: Update) -> None:
        try:
            await _handle(dp, bot, update, kwargs)
        finally:
            gate.release()
            ledger.finish(update.update_id)

    try:
        while True:
            # Cleared before asking, so a handler that finishes while getUpdates is on its way
            # still wakes the wait below (cleared after, that wake-up was lost and the loop
            # waited for a handler that had already finished: nothing more was acknowledged).
            ledger.progress.clear()
            try:
                updates = await bot(
                    GetUpdates(offset=ledger.offset, timeout=poll_seconds, allowed_updates=allowed),
                    request_timeout=request_timeout,
                )
            except Exception as exc:
                log.warning("getUpdates failed (%s: %s); trying again", type(exc).__name__, exc)
                await backoff.asleep()
                continue
            backoff.reset()
            fresh = [u for u in updates if ledger.is_new(u.update_id)]
            if updates and not fresh:
                # Everything fetched is in hand or done already (an old update still runs): wait
                # for one to finish instead of asking again at once; at once if one has meanwhile.
                await ledger.progress.wait()
                continue
            for update in fresh:
                await gate.acquire()  # a burst waits here; nothing more is fetched meanwhile
                ledger.take(update.update_id)
                task = asyncio.create_task(run(update))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
    finally:
        if tasks:
            _, pending = await asyncio.wait(set(tasks), timeout=GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
