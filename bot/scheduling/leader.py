"""Exactly one scheduler at a time across processes.

On PostgreSQL the scheduler holds a session-level advisory lock on a connection of its own. The
lock belongs to that connection: a process that dies (kill -9, a lost machine) gives it up as
soon as the server sees the connection close, and another scheduler takes it at its next try.
A holder checks its connection every few seconds and stops scheduling when it breaks. The work
the jobs do is claimed under leases as well (`repo.leases`), so even the seconds of a hand-over
never do a piece of work twice. On SQLite (one process, the embedded default) it always holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# pg_advisory_lock's key: "hocai" in ASCII, the same in every process of one database.
LOCK_KEY = 0x686F636169


class Leadership:
    def __init__(self, engine: AsyncEngine, key: int = LOCK_KEY, check_every: float = 5.0) -> None:
        self.engine, self.key, self.check_every = engine, key, check_every
        self.held = False
        self._conn: AsyncConnection | None = None

    @property
    def shared(self) -> bool:
        """Whether other processes can share the database (and so compete for the lock)."""
        return self.engine.dialect.name == "postgresql"

    async def try_acquire(self) -> bool:
        if not self.shared:
            self.held = True
            return True
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(
                (
                    await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
                ).scalar()
            )
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn, self.held = conn, True
        return True

    async def still_held(self) -> bool:
        if not self.shared or self._conn is None:
            return self.held
        try:
            await self._conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:  # the connection broke: the server has released the lock
            log.warning("scheduler lost its database connection: %r", exc)
            await self._drop()
            return False

    async def release(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        self.held = False
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            # The connection goes back to the pool, still open: the lock must be let go first.
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await conn.close()
        except BaseException as exc:  # a broken connection: drop it (the server let go)
            log.debug("releasing the scheduler lock: %r", exc)
            await conn.invalidate()
            await conn.close()
            if not isinstance(exc, Exception):
                raise

    async def run(self, changed: Callable[[bool], Awaitable[None]]) -> None:
        """Try for the lock, hold it, and say each time it is gained or lost."""
        try:
            while True:
                if not self.held:
                    try:
                        gained = await self.try_acquire()
                    except Exception as exc:  # the database is down: try again later
                        log.warning("cannot reach the database for the scheduler lock: %r", exc)
                        gained = False
                    if gained:
                        log.info("this process is the scheduler")
                        await changed(True)
                elif not await self.still_held():
                    await changed(False)
                    continue  # try again at once: another process may not have it
                await asyncio.sleep(self.check_every)
        finally:
            if self.held:
                await changed(False)
            await self.release()
