"""Wrong join and invite codes, throttled per person and per chat.

Without this a new user could try a hundred join codes in a few seconds. Each wrong code is one
row in `failed_attempts` (the same database every worker uses, so the limit holds across
processes on PostgreSQL and in the one-process SQLite default alike); after `LIMIT` wrong codes
in `WINDOW`, every code (right or wrong) gets a kind "try again later" until the oldest ages out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.ports import UnitOfWork

LIMIT = 5
WINDOW = timedelta(minutes=10)


def window_minutes() -> int:
    """The window in minutes, for "try again in N minutes"."""
    return int(WINDOW.total_seconds() // 60)


def keys(learner_id: int, channel: str, chat_id: str) -> list[str]:
    """One key for the person (across their channels), one for the chat they typed in."""
    return [f"p:{learner_id}", f"c:{channel}:{chat_id}"]


async def blocked(repo: UnitOfWork, who: list[str], now: datetime) -> bool:
    return await repo.roles.failures_since(who, now - WINDOW) >= LIMIT


async def failed(repo: UnitOfWork, who: list[str], now: datetime) -> None:
    await repo.roles.add_failure(who, now)


async def purge(repo: UnitOfWork, now: datetime) -> int:
    """Rows older than the window count for nothing; the outbox tick removes them."""
    return await repo.roles.purge_failures(now - WINDOW)
