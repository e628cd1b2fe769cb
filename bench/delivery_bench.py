"""Lesson deliveries per second against a fake Bot API that enforces 30 messages/s.

    .venv/bin/python bench/delivery_bench.py [--learners 10000] [--rate 30]

Creates the learners in a fresh SQLite file (or --database-url), makes all their lessons due, and
runs one delivery round through the real sender, the real aiogram client and HTTP on 127.0.0.1.
The fake answers 429 with retry_after when more than --rate messages arrive in any second.
Prints deliveries/s, messages/s, 429s received, and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bot.app import build_app
from bot.channels.telegram.outbound import TelegramOutbound
from bot.channels.telegram.runner import make_bot
from bot.config import load_settings
from bot.services import delivery
from bot.services.sender import Limits
from bot.storage.models import Identity, Learner
from scoring.rules import RulesGrader
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:BENCH-token-for-the-fake-bot-api-server"


async def seed(app, learners: int) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    async with app.store.engine.begin() as conn:
        for start in range(0, learners, 5000):
            ids = range(start + 1, min(learners, start + 5000) + 1)
            await conn.execute(
                insert(Learner),
                [
                    {
                        "id": i,
                        "nickname": f"Học viên {i}",
                        "timezone": "Asia/Ho_Chi_Minh",
                        "status": "active",
                        "lesson_time": "00:00",
                        "show_name": True,
                        "language": "vi",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(Identity),
                [
                    {
                        "learner_id": i,
                        "channel": "telegram",
                        "external_id": str(100000 + i),
                        "chat_id": str(100000 + i),
                        "reachable": True,
                        "state": {},
                    }
                    for i in ids
                ],
            )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="the fake's messages per second")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hocai-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    fake = FakeTelegram(rate_per_second=args.rate, retry_after=1)
    await fake.start()
    settings = load_settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", _env_file=None)
    app = await build_app(settings, grader=RulesGrader())
    bot = make_bot(TOKEN, fake.base)
    sender = app.sender.add(TelegramOutbound(bot), Limits(per_second=30, per_chat_interval=1.0))
    try:
        t0 = time.perf_counter()
        await seed(app, args.learners)
        t1 = time.perf_counter()
        scheduled = await delivery.schedule_due(app.deps)
        t2 = time.perf_counter()
        report = await delivery.deliver_due(app.deps, app.sender)
        t3 = time.perf_counter()
        again = await delivery.schedule_due(app.deps)  # the next minute's tick
        t4 = time.perf_counter()
    finally:
        await bot.session.close()
        await app.close()
        await fake.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    messages = len(fake.sent)
    print(f"learners:               {args.learners}")
    print(f"seed:                   {t1 - t0:.1f} s")
    print(
        f"schedule (plan+rows):   {t2 - t1:.1f} s  ({scheduled} deliveries, "
        f"{scheduled / max(t2 - t1, 1e-9):.0f}/s)"
    )
    print(
        f"send round:             {t3 - t2:.1f} s  sent={report.sent} failed={report.failed} "
        f"unreachable={report.unreachable}"
    )
    print(f"next tick (all due):    {t4 - t3:.2f} s  ({again} new)")
    print(f"deliveries per second:  {report.sent / (t3 - t2):.2f}")
    print(
        f"messages per second:    {messages / (t3 - t2):.2f}  (fake limit {args.rate:.0f}/s, "
        f"{messages / max(report.sent, 1):.2f} messages per lesson)"
    )
    print(f"429 answers:            {fake.too_many}  (sender pauses: {sender.rate_limited})")
    print(f"peak memory (RSS):      {peak_mb:.0f} MB")
    print(f"database:               {url}")


if __name__ == "__main__":
    asyncio.run(main())
