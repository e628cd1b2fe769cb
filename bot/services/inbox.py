"""A durable inbox for platform events: stored first, acknowledged, then handled by a worker.

A webhook must answer quickly (the Zalo OA within 2 seconds, or it retries and finally unsubscribes
the app), while a dialog turn may grade work for several seconds. So the web handler only inserts
the event (a unique key turns a redelivery into a no-op) and answers 200; the worker handles
events in order per user, retries a failed one a few times, and a restarted process picks up
whatever was left pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.services.context import utc_now
from bot.services.ports import InboxItem, Store

log = logging.getLogger(__name__)

Handler = Callable[[InboxItem], Awaitable[None]]

LEASE = timedelta(minutes=5)  # an event held longer by a dead worker is taken up again
MAX_ATTEMPTS = 5
KEEP_DONE = timedelta(days=2)  # keys of handled events, to recognise late redeliveries
WRITE_BATCH = 200  # events inserted by one statement

_Pending = tuple[str, str, str, dict[str, Any], "asyncio.Future[bool]"]


class Inbox:
    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime] = utc_now,
        concurrency: int = 16,
        poll_seconds: float = 1.0,
        write_concurrency: int = 8,
    ) -> None:
        self.store, self.clock = store, clock
        self.handlers: dict[str, Handler] = {}
        self.poll_seconds = poll_seconds
        self._gate = asyncio.Semaphore(concurrency)
        # Webhook calls hand their events to a few writers that insert whatever has queued up in
        # one transaction (group commit): a burst of a thousand events costs tens of commits,
        # not a thousand, and never more connections than the writers hold.
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._writers: set[asyncio.Task[None]] = set()
        self.write_concurrency = write_concurrency
        self._wake = asyncio.Event()
        self.handled = 0

    def on(self, channel: str, handler: Handler) -> None:
        self.handlers[channel] = handler

    async def put(self, channel: str, key: str, user_key: str, payload: dict[str, Any]) -> bool:
        """Store an event; False when the same (channel, key) was stored before. Committed when
        this returns, so the caller may acknowledge the platform."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((channel, key, user_key, payload, done))
        if len(self._writers) < self.write_concurrency:
            writer = asyncio.create_task(self._write())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await done

    async def _write(self) -> None:
        """Insert queued events in batches until the queue is empty, then stop."""
        while not self._queue.empty():
            batch = [self._queue.get_nowait()]
            while len(batch) < WRITE_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self.store.transaction() as repo:
                    fresh = await repo.inbox.inbox_add_many(
                        [item[:4] for item in batch], self.clock()
                    )
            except (
                Exception
            ) as exc:  # each caller answers "not stored" (503), none is lost silently
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for channel, key, *_, done in batch:
                if not done.done():
                    done.set_result((channel, key) in fresh)
            self._wake.set()

    async def run_once(self, limit: int = 100) -> int:
        """Handle what is due now; returns how many events were taken."""
        now = self.clock()
        async with self.store.transaction() as repo:
            items = await repo.inbox.inbox_claim(now, now + LEASE, limit)
        by_user: dict[str, list[InboxItem]] = {}
        for item in items:
            by_user.setdefault(item.user_key, []).append(item)
        await asyncio.gather(*(self._user_events(events) for events in by_user.values()))
        return len(items)

    async def _user_events(self, events: list[InboxItem]) -> None:
        async with self._gate:
            for item in events:  # one user's events in the order they came
                await self._handle(item)

    async def _handle(self, item: InboxItem) -> None:
        handler = self.handlers.get(item.channel)
        try:
            if handler is None:
                raise LookupError(f"no handler for channel {item.channel}")
            await handler(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception(
                "inbox event %s (%s) failed, attempt %d", item.id, item.channel, item.attempts
            )
            async with self.store.transaction() as repo:
                if item.attempts >= MAX_ATTEMPTS:
                    await repo.inbox.inbox_failed(item.id, repr(exc))
                else:
                    retry_at = self.clock() + timedelta(seconds=5 * 2 ** (item.attempts - 1))
                    await repo.inbox.inbox_retry(item.id, retry_at, repr(exc))
            return
        async with self.store.transaction() as repo:
            await repo.inbox.inbox_done(item.id)
        self.handled += 1

    async def drain(self, rounds: int = 20) -> None:
        """Handle everything due, for tests and shutdown: until a round finds nothing."""
        for _ in range(rounds):
            if not await self.run_once():
                return

    async def run(self) -> None:
        """The worker: handle events as they come, and purge old keys now and then."""
        purged_at = self.clock() - timedelta(days=1)
        while True:
            self._wake.clear()  # before the round: an event stored during it wakes the next
            try:
                while await self.run_once():
                    pass
                if self.clock() - purged_at > timedelta(hours=1):
                    purged_at = self.clock()
                    async with self.store.transaction() as repo:
                        await repo.inbox.inbox_purge(self.clock() - KEEP_DONE)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not kill the worker
                log.exception("inbox worker round failed; trying again")
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            except TimeoutError:
                pass
