"""Real `hocai run --role ...` processes on one PostgreSQL database, sending through a fake Bot API
on 127.0.0.1: seeding a round of learners, starting, killing (SIGKILL) and counting sends."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_app
from bot.config import load_settings
from bot.services import delivery
from lessons.model import Curriculum
from scoring.rules import RulesGrader
from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
FIRST_CHAT = 700_000
IN_FLIGHT = 8  # HOCAI_DELIVERY_IN_FLIGHT for the processes: the stated crash bound
# HOCAI_DELIVERY_LEASE_SECONDS: short, so "15 minutes later" is any time after it; long enough
# that a busy machine's pauses are not taken for a dead worker.
LEASE_SECONDS = 5


async def seed_learners(url: str, count: int, first: int = 1) -> None:
    """`count` active learners on Telegram (ids from `first`) whose lesson time (00:00) has
    passed today. Their next due time is left unset: the next planning tick plans them."""
    engine = create_async_engine(url)
    now = datetime.now(UTC)
    ids = {"first": first, "last": first + count - 1, "chat": FIRST_CHAT, "now": now}
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO units (id, code, name, kind) VALUES (1, 'X', 'Tổ thử', 'group') "
                    "ON CONFLICT DO NOTHING"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO learners (id, nickname, show_name, occupation, lesson_time, "
                    "timezone, language, unit_id, status, consent_at, created_at) "
                    "SELECT i, 'Học viên ' || i, true, 'farmer', '00:00', 'Asia/Ho_Chi_Minh', 'vi', "
                    "1, 'active', :now, :now FROM generate_series(CAST(:first AS int), CAST(:last AS int)) i"
                ),
                ids,
            )
            await conn.execute(
                text(
                    "INSERT INTO identities (learner_id, channel, external_id, chat_id, reachable, "
                    "state) SELECT i, 'telegram', (CAST(:chat AS int) + i)::text, (CAST(:chat AS int) + i)::text, true, "
                    "'{}'::json FROM generate_series(CAST(:first AS int), CAST(:last AS int)) i"
                ),
                ids,
            )
            await conn.execute(text("SELECT setval('learners_id_seq', :last)"), ids)
    finally:
        await engine.dispose()


async def plan_round(url: str, curriculum: Curriculum) -> int:
    """The scheduler's planning step, run here: every seeded learner gets today's delivery row."""
    settings = load_settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", _env_file=None)
    app = await build_app(settings, grader=RulesGrader(), curriculum=curriculum, migrate=False)
    try:
        return await delivery.schedule_due(app.deps)
    finally:
        await app.close()


def environment(url: str, api_base: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "OPENAI_", "HOCAI_", "ZALO_", "REDIS_"))
    }
    env.update(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=api_base,
        TELEGRAM_RATE_PER_SECOND="2000",
        TELEGRAM_CHAT_INTERVAL="0",
        HOCAI_DELIVERY_IN_FLIGHT=str(IN_FLIGHT),
        HOCAI_DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
        HOCAI_DELIVERY_POLL_SECONDS="0.2",
        HOCAI_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        DATABASE_POOL_SIZE="4",  # the machine's PostgreSQL serves every test and bench at once
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@dataclass
class Proc:
    """One `hocai run --role ROLE` process and what it printed."""

    role: str
    env: dict[str, str]
    proc: asyncio.subprocess.Process | None = None
    lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    async def start(self) -> Proc:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--role",
            self.role,
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.lines.append(line.decode(errors="replace").rstrip())

    def said(self, needle: str) -> bool:
        return any(needle in line for line in self.lines)

    async def kill(self) -> None:
        """kill -9: no cleanup of any kind."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        if self._reader is not None:
            await self._reader

    async def stop(self) -> str:
        """Ctrl+C; returns what it printed (a traceback there fails the caller's check)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            await self._reader
        return "\n".join(self.lines)


class Rows:
    """Counts of delivery rows, through one engine for the whole test."""

    def __init__(self, url: str) -> None:
        self.engine = create_async_engine(url, pool_size=1, max_overflow=0)

    async def _count(self, where: str) -> int:
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(text(f"SELECT count(*) FROM deliveries WHERE {where}"))
                ).scalar_one()
            )

    async def unfinished(self) -> int:
        """Deliveries not yet in a final state (pending, or being sent)."""
        return await self._count("status IN ('pending', 'sending')")

    async def planned(self) -> int:
        return await self._count("true")

    async def close(self) -> None:
        await self.engine.dispose()


async def wait_until(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class Tally:
    learners: int
    lost: int  # learners missing a part of the day's lesson
    duplicates: int  # platform messages sent more than once
    learners_twice: int  # learners who got some part twice

    def line(self) -> str:
        return (
            f"{self.learners} learners: {self.lost} lost the lesson, {self.duplicates} "
            f"messages repeated, to {self.learners_twice} learners"
        )


def tally(fake: FakeTelegram, learners: range) -> Tally:
    """Every learner must have every message of the lesson (as many distinct ones as the most
    complete learner); any copy beyond one is a repeat."""
    sent = Counter((s.chat_id, s.text) for s in fake.sent)
    per_chat: dict[str, list[int]] = {}
    for (chat, _), copies in sent.items():
        per_chat.setdefault(chat, []).append(copies)
    whole = max((len(c) for c in per_chat.values()), default=0)
    assert whole >= 2, "a lesson push is at least the lesson and its quiz button"
    lost = twice = repeated = 0
    for i in learners:
        copies = per_chat.get(str(FIRST_CHAT + i), [])
        lost += len(copies) < whole
        extra = sum(c - 1 for c in copies)
        repeated += extra
        twice += extra > 0
    return Tally(len(learners), lost, repeated, twice)
