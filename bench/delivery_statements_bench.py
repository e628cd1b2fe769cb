"""Database statements, commits and CPU per learner of the daily push, in one process.

    .venv/bin/python bench/delivery_statements_bench.py [--learners 1000] [--tokens 4]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432]

The same learners as bench/scaleout_bench.py (a fresh PostgreSQL database, N active learners due
at 07:00 over T unit bots), planned once, then delivered by the real delivery code through
outbounds that only record what they would send (no HTTP, no pace): what is left is the
database work and the lesson building. Counted with SQLAlchemy's engine events: statements
(`before_cursor_execute`), commits, and connection checkouts (each one a `pool_pre_ping` round
trip on PostgreSQL). Printed per learner, with the CPU time of the round.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scaleout_bench import PUSH, plan, seed  # noqa: E402

from bot.services.io import Out  # noqa: E402
from bot.services.policy import OPEN  # noqa: E402


class Recording:
    """An outbound that keeps a count of what it would send."""

    channel = "telegram"
    policy = OPEN

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: str, message: Out) -> None:
        self.sent += 1


async def run(url: str, tokens: int) -> dict[str, Any]:
    from sqlalchemy import event

    from bot.app import build_app
    from bot.config import load_settings
    from bot.services import delivery
    from bot.services.sender import Limits
    from scoring.rules import RulesGrader

    settings = load_settings(
        DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", REDIS_URL="", _env_file=None, DATABASE_POOL_SIZE=5
    )
    app = await build_app(settings, grader=RulesGrader(), migrate=False)
    app.deps.clock = lambda: PUSH + timedelta(seconds=30)
    outs = [Recording() for _ in range(tokens)]
    for k, out in enumerate(outs):
        app.sender.add(out, Limits(per_second=100_000, per_chat_interval=0), bot_id=k + 1)
    engine = app.store.engine.sync_engine
    counts: Counter[str] = Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        counts["statements"] += 1
        counts[sql.split(None, 1)[0].upper()] += 1

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        counts["commits"] += 1

    @event.listens_for(engine.pool, "checkout")
    def _checkout(*args: Any) -> None:
        counts["checkouts"] += 1

    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        report = await delivery.deliver_due(app.deps, app.sender)
    finally:
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - t0
        await app.close()
    return {
        "sent": report.sent,
        "messages": sum(o.sent for o in outs),
        "errors": report.errors,
        "cpu": cpu,
        "wall": wall,
        "counts": counts,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=4)
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.storage.db import upgrade

    name = f"hocai_statements_bench_{int(time.time())}"
    admin = create_async_engine(f"{args.server}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{args.server}/{name}"
    try:
        await asyncio.to_thread(upgrade, url)
        await seed(url, args.learners, args.tokens)
        planned = await plan(url)
        result = await run(url, args.tokens)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    n = max(1, result["sent"])
    counts = result["counts"]
    print(f"{planned:,} planned, {result['sent']:,} learners sent, {result['messages']:,} messages")
    if result["errors"]:
        print(f"  errors: {len(result['errors'])}, first {result['errors'][0]}")
    print(
        f"  per learner: {counts['statements'] / n:.2f} statements, "
        f"{counts['commits'] / n:.2f} commits, {counts['checkouts'] / n:.2f} checkouts "
        f"(a pre-ping each), {result['cpu'] * 1000 / n:.2f} ms CPU "
        f"({result['wall']:.1f} s wall for the round)"
    )
    kinds = {k: v for k, v in counts.items() if k not in ("statements", "commits", "checkouts")}
    print("  by kind: " + ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    asyncio.run(main())
