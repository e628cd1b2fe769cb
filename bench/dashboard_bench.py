"""The officials' figures at a province's size on PostgreSQL: the dashboard's overview and
children table, and the province's quarterly workbook.

    .venv/bin/python bench/dashboard_bench.py [--learners 800000] [--days 30] [--samples 100]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432] [--keep]

A fresh database is filled server-side by bench/standings_bench.py's `seed` (learners in groups of
40, 100 groups a commune, --days days of activity, a completed lesson one day in six), then here:
those lessons become the curriculum's lessons with a submission and a confirmed grade each (so
"passed" is counted by its real rule), one learner in twenty holds the level 1 certificate (one in
four hundred revoked), officials name their commune as their agency, one learner in ten told a
consented ethnicity, every group has an instructor, every tenth group a class with two in-person
sessions that twenty learners checked in to. Then it prints:
- the dashboard snapshot refreshed as the scheduled job does (seconds);
- p50/p95 of `dashboard.overview` and `dashboard.children` for the province, a commune and a
  group, read as a province's web server reads them (from the snapshot);
- the province's whole subtree counted live for the quarter (what closing a quarter costs);
- the province's quarterly report built and its workbook and PDF written: for the current quarter
  (from the snapshot) and for a closed quarter (from its stored figures).
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.standings_bench import GROUPS_PER_COMMUNE, NOW, PER_GROUP, _drop_indexes, pct, seed
from bot.app import build_app
from bot.config import load_settings
from bot.documents.report_pdf import summary
from bot.documents.report_xlsx import workbook
from bot.i18n import Translator
from bot.services import dashboard, report
from bot.services.passing import pass_marks
from bot.services.ports.figures import QuarterClose
from scoring.rules import RulesGrader

CLASS_EVERY = 10  # groups per class


async def _timed(
    engine,
    label: str,
    statements: list[str],
    params: dict,  # type: ignore[no-untyped-def]
    tables: tuple[str, ...] = (),
) -> None:
    t0 = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        rebuild = []
        for table in tables:
            rebuild += await _drop_indexes(conn, table)
        for sql in statements:
            await conn.execute(text(sql), params)
        for statement in rebuild:
            await conn.execute(text(statement))
    print(f"    seeded {label:<14} {time.perf_counter() - t0:6.1f} s")


async def seed_figures(app, learners: int, days: int) -> None:  # type: ignore[no-untyped-def]
    engine = app.store.engine
    lessons = [ls.id for ls in app.deps.curriculum.lessons]
    assert len(lessons) >= days, "each bench day must map to its own lesson"
    groups = max(1, learners // PER_GROUP)
    communes = max(1, -(-groups // GROUPS_PER_COMMUNE))
    first_group = communes + 2
    first_class = first_group + groups + 10
    mapping = ", ".join(f"('bench-{d}', '{lessons[d]}')" for d in range(days))
    await _timed(
        engine,
        "lessons",
        [
            f"UPDATE progress p SET lesson_id = m.real FROM (VALUES {mapping}) AS m(fake, real) "
            "WHERE p.lesson_id = m.fake"
        ],
        {},
        ("progress",),
    )
    await _timed(
        engine,
        "submissions",
        [
            "INSERT INTO submissions (learner_id, lesson_id, channel, text, status, received_at) "
            "SELECT learner_id, lesson_id, 'telegram', '', 'graded', "
            "CAST(completed_on AS timestamptz) + interval '12 hours' FROM progress"
        ],
        {},
    )
    await _timed(
        engine,
        "grades",
        [
            "INSERT INTO grades (submission_id, score, detail, status, grader, tokens, points_paid, "
            "appealed, created_at) SELECT s.id, p.best_score, '{}', 'final', 'model', 0, 0, false, "
            "s.received_at FROM submissions s JOIN progress p "
            "ON p.learner_id = s.learner_id AND p.lesson_id = s.lesson_id"
        ],
        {},
    )
    await _timed(
        engine,
        "certificates",
        [
            "INSERT INTO certificates (code, learner_id, level, level_title, unit_id, unit_name, "
            "lessons_passed, average_score, capstone_score, earned_at, revoked_at) "
            "SELECT 'B' || id, id, 1, 'Cơ bản', unit_id, '', 10, 80, 80, "
            "CAST(:now AS timestamptz) - interval '3 days', "
            "CASE WHEN id % 400 = 0 THEN CAST(:now AS timestamptz) END "
            "FROM learners WHERE id % 20 = 0"
        ],
        {"now": NOW},
    )
    await _timed(
        engine,
        "learners",
        [
            "UPDATE learners SET agency_id = u.parent_id FROM units u "
            "WHERE u.id = learners.unit_id AND learners.occupation = 'official'",
            "UPDATE learners SET ethnicity = CASE WHEN id % 3 = 0 THEN 'Tày' ELSE 'Nùng' END, "
            "ethnicity_consent_at = CAST(:now AS timestamptz) WHERE id % 10 = 1",
            "UPDATE learners SET birth_year = 1950 + id % 60",
        ],
        {"now": NOW},
    )
    await _timed(
        engine,
        "roles",
        [
            "INSERT INTO roles (learner_id, role, unit_id, granted_at) "
            "SELECT min(id), 'instructor', unit_id, CAST(:now AS timestamptz) - interval '30 days' FROM learners "
            "GROUP BY unit_id"
        ],
        {"now": NOW},
    )
    await _timed(
        engine,
        "classes",
        [
            "INSERT INTO units (id, code, name, kind, parent_id, join_code) "
            "SELECT :first_class + g / :every, 'L' || g, 'Lớp ' || g, 'lớp', :first_group + g, "
            "'JL' || g FROM generate_series(0, :groups - 1, :every) g",
            "INSERT INTO classes (unit_id, opened_by, opened_at) "
            "SELECT u.id, NULL, CAST(:now AS timestamptz) - interval '20 days' FROM units u WHERE u.kind = 'lớp'",
            "INSERT INTO class_sessions (class_id, code, starts_at, ends_at) "
            "SELECT c.unit_id, 'S' || c.unit_id || '-' || k, CAST(:now AS timestamptz) - k * interval '7 days', "
            "CAST(:now AS timestamptz) - k * interval '7 days' + interval '1 hour' "
            "FROM classes c, generate_series(1, 2) k",
            "INSERT INTO session_checkins (session_id, learner_id, at) "
            "SELECT s.id, l.id, s.starts_at FROM class_sessions s JOIN units u ON u.id = s.class_id "
            "JOIN learners l ON l.unit_id = u.parent_id AND l.id % 2 = 0",
        ],
        {
            "now": NOW,
            "first_class": first_class,
            "first_group": first_group,
            "groups": groups,
            "every": CLASS_EVERY,
        },
    )
    async with app.store.transaction() as repo:  # the classes are units: as an import does
        await repo.rankings.rebuild_closure()
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))


async def sample_units(app, rng: random.Random, kind: str, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    async with app.store.transaction() as repo:
        ids = [u.id for u in await repo.units.units() if u.kind == kind]
    return [rng.choice(ids) for _ in range(n)]


async def pages(app, unit_ids: list[int]) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    over, kids = [], []
    for unit_id in unit_ids:
        async with app.store.transaction() as repo:
            t0 = time.perf_counter()
            view = await dashboard.overview(app.deps, repo, unit_id)
            t1 = time.perf_counter()
            rows = await dashboard.children(app.deps, repo, unit_id)
            t2 = time.perf_counter()
        assert view is not None and (rows or view.kind != "commune")
        over.append((t1 - t0) * 1000)
        kids.append((t2 - t1) * 1000)
    return over, kids


async def run(server: str, learners: int, days: int, samples: int, keep: bool) -> None:
    name = f"hocai_dashboard_bench_{learners}_{int(time.time())}"
    admin = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    groups = max(1, learners // PER_GROUP)
    print(
        f"{learners:,} learners in {groups:,} groups, {-(-groups // GROUPS_PER_COMMUNE):,} "
        f"communes, {days} days of history ({name})"
    )
    app = None
    tr = Translator("vi")
    try:
        settings = load_settings(
            DATABASE_URL=f"{server}/{name}", TELEGRAM_BOT_TOKEN="", _env_file=None
        )
        app = await build_app(settings, grader=RulesGrader())
        app.deps.clock = lambda: NOW
        t0 = time.perf_counter()
        await seed(app.store.engine, learners, days)
        await seed_figures(app, learners, days)
        print(f"    seeded in {time.perf_counter() - t0:.1f} s")

        refresh = []
        for _ in range(2):
            t0 = time.perf_counter()
            units = await dashboard.refresh(app.deps)
            refresh.append(time.perf_counter() - t0)
        print(
            f"  dashboard snapshot refreshed (the scheduled job): {units:,} units, "
            f"{' / '.join(f'{s:.1f}' for s in refresh)} s"
        )

        rng = random.Random(13)
        results = []
        for label, ids in (
            ("province", [1] * samples),
            ("commune", await sample_units(app, rng, "commune", samples)),
            ("group", await sample_units(app, rng, "group", samples)),
        ):
            await pages(app, ids[:5])  # warm the caches
            results.append((label, *await pages(app, ids)))

        quarter = report.parse_quarter("2026Q4")
        window = report.quarter_window(app.deps, quarter)
        t0 = time.perf_counter()
        async with app.store.transaction() as repo:
            tallies = await repo.figures.tallies(1, window, pass_marks(app.deps.curriculum))
            counted = time.perf_counter() - t0
            # Stored as a closed quarter under another label, to time a closed quarter's report.
            await repo.figures.store_quarter(
                QuarterClose("2026Q3", date(2026, 7, 1), date(2026, 10, 1), NOW, len(tallies)),
                list(tallies.values()),
            )
        print(
            f"  the province counted live for the quarter (closing a quarter): "
            f"{len(tallies):,} units in {counted:.1f} s (stored in "
            f"{time.perf_counter() - t0 - counted:.1f} s)"
        )

        for period in ("2026Q4", "2026Q3"):
            t0 = time.perf_counter()
            async with app.store.transaction() as repo:
                built = await report.quarter_report(app.deps, repo, 1, period)
            assert built is not None
            t1 = time.perf_counter()
            book = workbook(built, tr)
            t2 = time.perf_counter()
            paper = summary(built, tr)
            t3 = time.perf_counter()
            source = "stored figures" if built.closed else "snapshot"
            print(
                f"  province report {period} ({source}, {len(built.rows):,} units): figures "
                f"{t1 - t0:.1f} s, workbook {t2 - t1:.1f} s ({len(book) / 1e6:.1f} MB), "
                f"PDF {t3 - t2:.1f} s ({len(paper) // 1000} kB); total {t3 - t0:.1f} s"
            )

        print(f"\ndashboard, ms (p50 / p95 over {samples} units, from the snapshot):")
        print(f"  {'unit':<10}{'overview':>18}{'children':>18}")
        for label, over, kids in results:
            print(
                f"  {label:<10}{statistics.median(over):>9.1f} /{pct(over, 0.95):>6.1f}"
                f"{statistics.median(kids):>11.1f} /{pct(kids, 0.95):>6.1f}"
            )
    finally:
        if app is not None:
            await app.close()
        if not keep:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=800_000)
    parser.add_argument("--days", type=int, default=30, help="days of activity history")
    parser.add_argument("--samples", type=int, default=100, help="pages timed per kind of unit")
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    await run(args.server, args.learners, args.days, args.samples, args.keep)


if __name__ == "__main__":
    asyncio.run(main())
