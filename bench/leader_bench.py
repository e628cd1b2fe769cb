"""A group leader's reads on a big unit tree: `permissions.can`, the roster and queuing a nudge.

    .venv/bin/python bench/leader_bench.py [--groups 2000] [--members 400] [--database-url URL]

Builds a province with --groups neighbourhood groups under 100 wards, one group of --members
learners (each with an identity and 30 days of study), and a leader on it. Prints the median time
of `can` (one recursive query up the tree), of building the roster, and of the one-tap nudge
(planning and queuing every reminder), and the peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bot.app import build_app
from bot.config import load_settings
from bot.services import leader, permissions
from bot.services.permissions import Action, Role
from bot.storage.models import ActivityDay, Identity, Learner, Unit
from scoring.rules import RulesGrader


async def seed(app, groups: int, members: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    async with app.store.engine.begin() as conn:
        await conn.execute(
            insert(Unit),
            [{"id": 1, "code": "P", "name": "Tỉnh", "kind": "province", "parent_id": None}],
        )
        await conn.execute(
            insert(Unit),
            [
                {
                    "id": 1 + w,
                    "code": f"W{w}",
                    "name": f"Phường {w}",
                    "kind": "ward",
                    "parent_id": 1,
                }
                for w in range(1, 101)
            ],
        )
        await conn.execute(
            insert(Unit),
            [
                {
                    "id": 1000 + g,
                    "code": f"G{g}",
                    "name": f"Tổ {g}",
                    "kind": "group",
                    "parent_id": 2 + g % 100,
                }
                for g in range(groups)
            ],
        )
        target = 1000 + groups // 2
        await conn.execute(
            insert(Learner),
            [
                {
                    "id": i,
                    "nickname": f"Học viên {i}",
                    "timezone": "Asia/Ho_Chi_Minh",
                    "status": "active",
                    "show_name": True,
                    "language": "vi",
                    "unit_id": target,
                    "created_at": now - timedelta(days=40),
                    "lesson_time": "19:00",
                }
                for i in range(1, members + 2)
            ],
        )
        await conn.execute(
            insert(Identity),
            [
                {
                    "learner_id": i,
                    "channel": "telegram",
                    "external_id": str(i),
                    "chat_id": str(i),
                    "reachable": True,
                    "state": {},
                    "last_seen_at": now,
                }
                for i in range(1, members + 2)
            ],
        )
        today = date.today()
        await conn.execute(
            insert(ActivityDay),
            [
                {"learner_id": i, "day": today - timedelta(days=d + i % 5)}
                for i in range(1, members + 1)
                for d in range(30)
            ],
        )
    async with app.store.transaction() as repo:
        await repo.roles.grant(members + 1, Role.LEADER, target, None, now)
    return target, members + 1


async def main(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    app = await build_app(
        load_settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", _env_file=None), grader=RulesGrader()
    )
    target, boss = await seed(app, args.groups, args.members)
    other = 1000 + (args.groups // 2 + 1) % args.groups
    can_times, roster_times = [], []
    for _ in range(50):
        async with app.store.transaction() as repo:
            t = time.perf_counter()
            assert await permissions.can(repo, boss, Action.NUDGE, target, admins=())
            assert not await permissions.can(repo, boss, Action.NUDGE, other, admins=())
            can_times.append((time.perf_counter() - t) / 2)
    for _ in range(5):
        async with app.store.transaction() as repo:
            unit = await repo.units.unit(target)
            assert unit is not None
            t = time.perf_counter()
            r = await leader.roster(app.deps, repo, unit)
            roster_times.append(time.perf_counter() - t)
    async with app.store.transaction() as repo:
        learner = await repo.learners.learner(boss)
        assert learner is not None and unit is not None
        from bot.i18n import Translator

        t = time.perf_counter()
        await leader.nudge(app.deps, repo, learner, Translator("vi"), unit)
        nudge_s = time.perf_counter() - t
    await app.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"units: {args.groups + 101}  members in the group: {len(r.rows)}")
    print(f"can(): median {statistics.median(can_times) * 1000:.2f} ms")
    print(f"roster: median {statistics.median(roster_times) * 1000:.1f} ms")
    print(f"nudge (plan and queue {len(r.idle())} idle of {len(r.rows)}): {nudge_s * 1000:.1f} ms")
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--groups", type=int, default=2000)
    p.add_argument("--members", type=int, default=400)
    p.add_argument("--database-url")
    asyncio.run(main(p.parse_args()))
