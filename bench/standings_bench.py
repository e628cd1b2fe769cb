"""Standings at a province's size on PostgreSQL: the group, commune and province boards.

    .venv/bin/python bench/standings_bench.py [--sizes 10000,800000] [--days 30] [--samples 200]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432] [--keep]

For each size, a fresh database is filled server-side (INSERT ... SELECT over generate_series):
learners in groups of 40, 100 groups a commune, every commune under one province; a working-age
population for every unit but every 50th group (unknown, so not ranked); --days days of history
in the points ledger and the activity days (each learner studies one day in three) and a
completed lesson with a confirmed score one day in six. Then it prints:
- the unit closure rebuilt as an import does, and the standings snapshot refreshed as the
  scheduled job does (seconds);
- p50/p95 of the group board (a group's learners by the week's points), the commune board (the
  commune's groups) and the province board (the province's communes), each as the /leaderboard
  command builds it, and of the whole command with its chat rendering. A size up to
  rankings.LIVE_MAX_LEARNERS counts the unit boards live; a larger one reads the snapshot; a
  size up to 20,000 is also timed from the other source, for comparison.
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_app
from bot.config import load_settings
from bot.i18n import Translator
from bot.services import rankings, rankings_chat
from scoring.rules import RulesGrader

PER_GROUP = 40
GROUPS_PER_COMMUNE = 100
NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # noon in Hà Nội


# The history tables: filled without their secondary indexes (made again afterwards, the same
# definitions as the migrations') and unlogged, as a bench database need not survive a crash.
HISTORY = ("activity_days", "points_ledger", "progress")


async def _drop_indexes(conn, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    rows = (
        await conn.execute(
            text(
                "SELECT i.indexname, i.indexdef, c.conname FROM pg_indexes i "
                "LEFT JOIN pg_constraint c ON c.conname = i.indexname "
                "WHERE i.tablename = :t AND i.indexname NOT LIKE 'pk_%'"
            ),
            {"t": table},
        )
    ).all()
    await conn.execute(text(f"ALTER TABLE {table} SET UNLOGGED"))
    for name, _, constraint in rows:
        await conn.execute(
            text(
                f"ALTER TABLE {table} DROP CONSTRAINT {name}"
                if constraint
                else f"DROP INDEX {name}"
            )
        )
    return [definition for _, definition, _ in rows]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def seed(engine, learners: int, days: int) -> None:  # type: ignore[no-untyped-def]
    groups = max(1, learners // PER_GROUP)
    communes = max(1, -(-groups // GROUPS_PER_COMMUNE))
    first_group = communes + 2
    start = (NOW - timedelta(days=days - 1)).date()
    statements = [
        (
            "units",
            "INSERT INTO units (id, code, name, kind, population, working_age, officials, "
            "business_owners) VALUES (1, 'P', 'Tỉnh Bench', 'province', 1300000, 850000, "
            "21000, 64000)",
            {},
        ),
        (
            "units",
            "INSERT INTO units (id, code, name, kind, parent_id, join_code, working_age, "
            "officials, business_owners) "
            "SELECT 1 + c, 'C' || c, 'Xã ' || c, 'commune', 1, 'JC' || c, "
            "6000 + (c * 37) % 3000, 60 + c % 40, 300 + c % 200 "
            "FROM generate_series(1, :communes) c",
            {"communes": communes},
        ),
        (
            "units",
            "INSERT INTO units (id, code, name, kind, parent_id, join_code, working_age) "
            "SELECT :first + g, 'G' || g, 'Tổ ' || g, 'group', 2 + g / :per_commune, "
            "'JG' || g, CASE WHEN g % 50 = 0 THEN NULL ELSE 60 + (g * 13) % 60 END "
            "FROM generate_series(0, :groups - 1) g",
            {"first": first_group, "groups": groups, "per_commune": GROUPS_PER_COMMUNE},
        ),
        (
            "learners",
            "INSERT INTO learners (id, nickname, show_name, lesson_time, timezone, "
            "language, unit_id, status, occupation, created_at) "
            "SELECT i, 'Học viên ' || i, true, '07:00', 'Asia/Ho_Chi_Minh', 'vi', "
            ":first + ((i - 1) / :per_group) % :groups, 'active', "
            "CASE WHEN i % 10 = 0 THEN 'official' WHEN i % 7 = 0 THEN 'business' "
            "ELSE 'farmer' END, :created FROM generate_series(1, :n) i",
            {
                "n": learners,
                "first": first_group,
                "per_group": PER_GROUP,
                "groups": groups,
                "created": NOW - timedelta(days=days + 1),
            },
        ),
        (
            "activity_days",
            "INSERT INTO activity_days (learner_id, day) "
            "SELECT i, CAST(:start AS date) + d "
            "FROM generate_series(1, :n) i, generate_series(0, :days - 1) d "
            "WHERE (i + d) % 3 = 0",
            {"n": learners, "days": days, "start": start},
        ),
        (
            "points_ledger",
            "INSERT INTO points_ledger (learner_id, key, points, reason, "
            "created_at) "
            "SELECT i, 'bench:' || d || ':' || i, 10 + (i * d) % 40, 'practice', "
            "CAST(:start AS timestamptz) + d * interval '1 day' "
            "+ (i % 720) * interval '1 minute' "
            "FROM generate_series(1, :n) i, generate_series(0, :days - 1) d "
            "WHERE (i + d) % 3 = 0",
            {
                "n": learners,
                "days": days,
                "start": datetime.combine(start, datetime.min.time(), UTC),
            },
        ),
        (
            "progress",
            "INSERT INTO progress (learner_id, lesson_id, level, assigned_on, "
            "completed_on, best_score) "
            "SELECT i, 'bench-' || d, 1, CAST(:start AS date) + d, "
            "CAST(:start AS date) + d, 40 + (i * 7 + d) % 61 "
            "FROM generate_series(1, :n) i, generate_series(0, :days - 1) d "
            "WHERE (i + d) % 6 = 0",
            {"n": learners, "days": days, "start": start},
        ),
    ]
    for table, sql, params in statements:
        t0 = time.perf_counter()
        async with engine.begin() as conn:
            # Generated rows are consistent by construction: skip the per-row foreign key checks.
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
            rebuild = await _drop_indexes(conn, table) if table in HISTORY else []
            await conn.execute(text(sql), params)
            for statement in rebuild:  # one sort per index beats millions of index inserts
                await conn.execute(text(statement))
        print(f"    seeded {table:<14} {time.perf_counter() - t0:6.1f} s")
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))


async def boards(app, sample: list[int], live: bool | None) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    tr = Translator("vi")
    times: dict[str, list[float]] = {"group": [], "commune": [], "province": [], "command": []}
    for learner_id in sample:
        async with app.store.transaction() as repo:
            learner = await repo.learners.learner(learner_id)
            unit = await repo.units.unit(learner.unit_id)
            t0 = time.perf_counter()
            await rankings.group_board(app.deps, repo, unit.id, learner.id)
            t1 = time.perf_counter()
            commune = await rankings.commune_board(app.deps, repo, unit.parent_id, unit.id, live)
            t2 = time.perf_counter()
            province = await rankings.province_board(app.deps, repo, unit.parent_id, live)
            t3 = time.perf_counter()
            result = await rankings.standings_for(app.deps, repo, learner, live)
            rankings_chat.standings(result, tr, app.deps.timezone)
            t4 = time.perf_counter()
        assert commune is not None and province is not None and commune.rows and province.rows
        for name, seconds in (
            ("group", t1 - t0),
            ("commune", t2 - t1),
            ("province", t3 - t2),
            ("command", t4 - t3),
        ):
            times[name].append(seconds * 1000)
    return times


async def run_size(
    server: str, learners: int, days: int, samples: int, keep: bool
) -> list[tuple[str, dict[str, list[float]]]]:
    name = f"hocai_standings_bench_{learners}_{int(time.time())}"
    admin = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    groups = max(1, learners // PER_GROUP)
    print(
        f"\n{learners:,} learners in {groups:,} groups, "
        f"{-(-groups // GROUPS_PER_COMMUNE):,} communes, {days} days of history ({name})"
    )
    app = None
    results = []
    try:
        settings = load_settings(
            DATABASE_URL=f"{server}/{name}", TELEGRAM_BOT_TOKEN="", _env_file=None
        )
        app = await build_app(settings, grader=RulesGrader())
        app.deps.clock = lambda: NOW
        t0 = time.perf_counter()
        await seed(app.store.engine, learners, days)
        print(f"    seeded in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        async with app.store.transaction() as repo:
            pairs = await repo.rankings.rebuild_closure()
        print(
            f"  unit closure rebuilt (as on import): {pairs:,} pairs in "
            f"{time.perf_counter() - t0:.2f} s"
        )
        refresh = []
        for _ in range(3):
            t0 = time.perf_counter()
            units = await rankings.refresh(app.deps)
            refresh.append(time.perf_counter() - t0)
        print(
            f"  standings snapshot refreshed (the scheduled job): {units:,} units, "
            f"median of 3 {statistics.median(refresh):.2f} s"
        )
        rng = random.Random(7)
        sample = [rng.randint(1, learners) for _ in range(samples)]
        modes: list[tuple[str, bool | None]] = [("auto", None)]
        if learners <= 20_000:  # the other source too, for comparison
            modes.append(
                ("live", True) if learners > rankings.LIVE_MAX_LEARNERS else ("snapshot", False)
            )
        for label, live in modes:
            await boards(app, sample[:10], live)  # warm the caches
            times = await boards(app, sample, live)
            if label == "auto":
                label = "live" if learners <= rankings.LIVE_MAX_LEARNERS else "snapshot"
            results.append((f"{learners:,} {label}", times))
    finally:
        if app is not None:
            await app.close()
        if not keep:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,800000", help="learner counts, comma-separated")
    parser.add_argument("--days", type=int, default=30, help="days of ledger/activity history")
    parser.add_argument("--samples", type=int, default=200, help="boards timed per size")
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        results += await run_size(args.server, size, args.days, args.samples, args.keep)
    print(f"\nboards, ms (p50 / p95 over {args.samples} learners):")
    print(
        f"  {'learners, source':<22}"
        + "".join(f"{n:>18}" for n in ("group", "commune", "province", "/leaderboard"))
    )
    for label, times in results:
        print(
            f"  {label:<22}"
            + "".join(f"{statistics.median(v):>9.1f} /{pct(v, 0.95):>6.1f}" for v in times.values())
        )


if __name__ == "__main__":
    asyncio.run(main())
