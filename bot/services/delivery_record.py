"""Recording the push's sent parts: every part is recorded before its in-flight slot frees (so
a crash repeats at most the slots), but the parts of many deliveries share one transaction.

A group commit: a delivery asks for its part to be recorded and waits; while one transaction is
being written, the next requests gather, and the next transaction takes them all. Nothing waits
on a timer: alone, a request is written at once; under load, one commit serves the slots that
finished meanwhile (at 07:00 a worker was bound by a commit per part).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from bot.services import choices
from bot.services.context import Deps
from bot.services.conversation import StatePatch
from bot.services.io import Out
from bot.services.ports import IdentityRecord
from bot.services.ports.push import DeliveryMark


@dataclass
class _Request:
    mark: DeliveryMark
    identity_id: int | None = None  # the last part: the identity delivered to, and its patch
    patch: StatePatch | None = None
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Recorder:
    """One per round: `progress` and `finished` return False when another worker holds the
    delivery now (this one stalled past its lease); a database error is raised to each caller,
    whose delivery then waits for its lease to lapse, as before."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._waiting: list[_Request] = []
        self._writer: asyncio.Task[None] | None = None

    async def progress(self, delivery_id: int, holder: str, parts_sent: int) -> bool:
        """Record `parts_sent` and renew the lease."""
        return await self._ask(_Request(DeliveryMark(delivery_id, holder, parts_sent)))

    async def finished(
        self, delivery_id: int, holder: str, identity: IdentityRecord, parts: list[Out]
    ) -> bool:
        """Record the last part: the delivery is sent, and the identity stamped as delivered
        to, with the lesson's options remembered so that "B" or "2" answers the quiz on
        channels without buttons (only the options are written: a learner's turn running
        meanwhile keeps its keys)."""
        patch = None
        offered = [p for p in parts if p.options]
        if offered:
            state = identity.state
            before = state.to_json()
            choices.remember(state, offered[-1])
            patch = state.changes(since=before)
        mark = DeliveryMark(delivery_id, holder, len(parts), identity.channel)
        return await self._ask(_Request(mark, identity.id, patch))

    async def drain(self) -> None:
        """Wait for the transaction being written, if any (a round that ends or stops)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _ask(self, request: _Request) -> bool:
        self._waiting.append(request)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await request.done

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                held = await self._commit(batch)
            except Exception as exc:
                for request in batch:
                    if not request.done.done():
                        request.done.set_exception(exc)
                continue
            for request in batch:
                if not request.done.done():  # its delivery may have been cancelled (stopping)
                    request.done.set_result(request.mark.delivery_id in held)

    async def _commit(self, batch: list[_Request]) -> set[int]:
        now = self.deps.now()
        async with self.deps.store.transaction() as repo:
            held = await repo.push.mark(
                [r.mark for r in batch], now, now + self.deps.delivery_limits.lease
            )
            # Stamp the identities delivered to, one statement per distinct patch (a batch's
            # learners mostly got the same lesson, so the same options).
            stamps: dict[str, tuple[StatePatch | None, list[int]]] = {}
            for r in batch:
                if r.identity_id is not None and r.mark.delivery_id in held:
                    key = json.dumps(
                        [r.patch.set, sorted(r.patch.unset)] if r.patch else None, sort_keys=True
                    )
                    stamps.setdefault(key, (r.patch, []))[1].append(r.identity_id)
            for patch, identity_ids in stamps.values():
                await repo.push.delivered(identity_ids, now, patch)
        return held
