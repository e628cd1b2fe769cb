"""A whole province on PostgreSQL: planning the 07:00 push, an idle tick, and /leaderboard.

    .venv/bin/python bench/province_bench.py [--learners 800000] [--days 30]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432] [--keep]

Creates a fresh database, fills it server-side (INSERT ... SELECT over generate_series) with N
learners in N/40 groups of 100 groups a commune, all due at 07:00 Hà Nội time and reachable on
Telegram, and a points ledger of --days days (every other learner earns points each day). Prints:
- the first tick after the migration (works out every learner's next due time);
- a tick with nobody due (time, Python memory peak, RSS growth);
- planning everyone due at 07:00: time to the first committed chunk (when sending can start),
  total time and rows/s; then the next minute's tick;
- /leaderboard p50/p95: the group board, the commune board, and the whole command; then the
  commune's 'active this week' count by the landed join query, for comparison.
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_app
from bot.config import load_settings
from bot.i18n import Translator
from bot.services import delivery, standings
from scoring.rules import RulesGrader

PER_GROUP = 40
GROUPS_PER_COMMUNE = 100
# 07:00 in Hà Nội on the bench day is 00:00 UTC.
PUSH = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


# The commune's 'active this week' count as it was before the per-member probe.
OLD_ACTIVE = """
SELECT l.unit_id, count(DISTINCT l.id) FROM learners l
JOIN points_ledger p ON p.learner_id = l.id
WHERE l.unit_id IN (SELECT id FROM units WHERE parent_id =
      (SELECT u.parent_id FROM units u JOIN learners m ON m.unit_id = u.id WHERE m.id = :learner))
  AND p.created_at >= :since
GROUP BY l.unit_id
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def seed(engine, learners: int, days: int) -> None:  # type: ignore[no-untyped-def]
    groups = max(1, learners // PER_GROUP)
    communes = max(1, -(-groups // GROUPS_PER_COMMUNE))
    first_group = communes + 2
    statements = [
        (
            "units",
            "INSERT INTO units (id, code, name, kind) "
            "VALUES (1, 'P', 'Tỉnh Thái Nguyên', 'province')",
            {},
        ),
        (
            "units",
            "INSERT INTO units (id, code, name, kind, parent_id, join_code) "
            "SELECT 1 + c, 'C' || c, 'Xã ' || c, 'commune', 1, 'JC' || c "
            "FROM generate_series(1, :communes) c",
            {"communes": communes},
        ),
        (
            "units",
            "INSERT INTO units (id, code, name, kind, parent_id, join_code) "
            "SELECT :first + g, 'G' || g, 'Tổ ' || g, 'group', "
            "2 + g / :per_commune, 'JG' || g FROM generate_series(0, :groups - 1) g",
            {"first": first_group, "groups": groups, "per_commune": GROUPS_PER_COMMUNE},
        ),
        (
            "learners",
            "INSERT INTO learners (id, nickname, show_name, lesson_time, timezone, "
            "language, unit_id, status, created_at) "
            "SELECT i, 'Học viên ' || i, true, '07:00', 'Asia/Ho_Chi_Minh', 'vi', "
            ":first + ((i - 1) / :per_group) % :groups, 'active', :created "
            "FROM generate_series(1, :n) i",
            {
                "n": learners,
                "first": first_group,
                "per_group": PER_GROUP,
                "groups": groups,
                "created": PUSH - timedelta(days=days + 1),
            },
        ),
        (
            "identities",
            "INSERT INTO identities (learner_id, channel, external_id, chat_id, "
            "reachable, state, last_seen_at) "
            "SELECT i, 'telegram', i::text, i::text, true, '{}'::json, :seen "
            "FROM generate_series(1, :n) i",
            {"n": learners, "seen": PUSH - timedelta(days=1)},
        ),
        (
            "points_ledger",
            "INSERT INTO points_ledger (learner_id, key, points, reason, "
            "created_at) "
            "SELECT i, 'bench:' || d || ':' || i, 10, 'practice', "
            "CAST(:start AS timestamptz) + d * interval '1 day' + (i % 720) * interval '1 minute' "
            "FROM generate_series(1, :n) i, generate_series(0, :days - 1) d "
            "WHERE (i + d) % 2 = 0",
            {"n": learners, "days": days, "start": PUSH - timedelta(days=days)},
        ),
    ]
    for table, sql, params in statements:
        t0 = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
        print(f"  seeded {table:<14} {time.perf_counter() - t0:7.1f} s")
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))


async def timed_tick(app, now: datetime) -> tuple[float, float, float, int]:  # type: ignore[no-untyped-def]
    """One scheduler tick's planning step: seconds, Python peak MB, RSS growth MB, rows made."""
    app.deps.clock = lambda: now
    rss0 = rss_mb()
    tracemalloc.start()
    t0 = time.perf_counter()
    made = await delivery.schedule_due(app.deps)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, rss_mb() - rss0, made


async def boards(app, sample: list[int]) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    tr = Translator("vi")
    times: dict[str, list[float]] = {"group": [], "commune": [], "command": []}
    since = app.deps.now() - standings.ACTIVE_WINDOW
    for learner_id in sample:
        async with app.store.transaction() as repo:
            learner = await repo.learners.learner(learner_id)
            unit = await repo.units.unit(learner.unit_id)
            t0 = time.perf_counter()
            await repo.ledger.learner_points_in_unit(learner.unit_id, None)
            t1 = time.perf_counter()
            await repo.ledger.group_stats(unit.parent_id, since)
            t2 = time.perf_counter()
            await standings.leaderboard(app.deps, repo, learner, tr)
            t3 = time.perf_counter()
        times["group"].append((t1 - t0) * 1000)
        times["commune"].append((t2 - t1) * 1000)
        times["command"].append((t3 - t2) * 1000)
    return times


def show(times: dict[str, list[float]], label: str = "") -> None:
    for name, values in times.items():
        print(
            f"  /leaderboard {name:<8}{label} p50 {statistics.median(values):7.1f} ms   "
            f"p95 {pct(values, 0.95):7.1f} ms"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=800_000)
    parser.add_argument("--days", type=int, default=30, help="days of points ledger history")
    parser.add_argument("--samples", type=int, default=200, help="/leaderboard calls timed")
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = f"hocai_province_bench_{int(time.time())}"
    admin = create_async_engine(f"{args.server}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{args.server}/{name}"
    print(
        f"database {name}: {args.learners:,} learners in {args.learners // PER_GROUP:,} "
        f"groups, {args.days} days of ledger"
    )
    app = None
    try:
        settings = load_settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", _env_file=None)
        app = await build_app(settings, grader=RulesGrader())
        t0 = time.perf_counter()
        await seed(app.store.engine, args.learners, args.days)
        print(f"  seeded in {time.perf_counter() - t0:.1f} s")

        before = PUSH - timedelta(minutes=2)
        s, peak, rss, _ = await timed_tick(app, before)
        print(
            f"first tick after the migration (sets {args.learners:,} next due times): "
            f"{s:.2f} s, Python peak {peak:.1f} MB, RSS +{rss:.0f} MB"
        )
        idle = [await timed_tick(app, before + timedelta(seconds=10 * k)) for k in range(1, 6)]
        print(
            f"tick with nobody due (5 ticks): median {statistics.median(i[0] for i in idle) * 1000:.1f}"
            f" ms, Python peak {max(i[1] for i in idle):.2f} MB, "
            f"RSS +{max(i[2] for i in idle):.0f} MB"
        )

        app.deps.clock = lambda: PUSH
        first_chunk: list[float] = []
        t0 = time.perf_counter()

        def planned() -> None:
            if not first_chunk:
                first_chunk.append(time.perf_counter() - t0)

        made = await delivery.schedule_due(app.deps, planned=planned)
        total = time.perf_counter() - t0
        print(
            f"planning everyone due at 07:00: {made:,} rows in {total:.1f} s "
            f"({made / total:,.0f} learners/s); first chunk of {delivery.PLAN_CHUNK:,} "
            f"committed (sending can start) after {first_chunk[0] if first_chunk else 0:.2f} s"
        )
        s, peak, rss, again = await timed_tick(app, PUSH + timedelta(minutes=1))
        print(
            f"the next minute's tick ({made:,} rows pending): {s * 1000:.1f} ms, "
            f"{again} rows, Python peak {peak:.2f} MB"
        )

        app.deps.clock = lambda: PUSH + timedelta(hours=12)
        rng = random.Random(7)
        sample = [rng.randint(1, args.learners) for _ in range(args.samples)]
        await boards(app, sample[:10])  # warm the cache
        show(await boards(app, sample))
        # The landed query (join, count distinct) on the same data, for comparison.
        since = app.deps.now() - standings.ACTIVE_WINDOW
        old: list[float] = []
        async with app.store.engine.connect() as conn:
            for learner_id in sample[:50]:
                t0 = time.perf_counter()
                await conn.execute(text(OLD_ACTIVE), {"learner": learner_id, "since": since})
                old.append((time.perf_counter() - t0) * 1000)
        print(
            f"  'active this week' as the landed join: p50 {statistics.median(old):7.1f} ms   "
            f"p95 {pct(old, 0.95):7.1f} ms"
        )
    finally:
        if app is not None:
            await app.close()
        if not args.keep:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
