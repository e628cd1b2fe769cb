"""kill -9 of a delivery worker mid-round, on PostgreSQL: lost lessons and repeated messages
against the in-flight bound, for several bounds.

    .venv/bin/python bench/crash_bench.py [--learners 300] [--bounds 4,8,16] [--lease 3]

For each bound, real `hocai run --role worker` processes send rounds of fresh learners through a
fake Bot API on 127.0.0.1 (no rate limit: the bound, not the platform, paces the worker). Each
round the worker is killed with SIGKILL at 10%, 50% or 90% of the round's messages and a new one
starts at once or after every lease lapsed. Prints per round: learners who lost the lesson,
messages repeated (at most the bound), the round's send rate, and the time from the restart to
the round's end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lessons.loader import load_curriculum
from tests.conftest import PG_HOST, PG_PORT, _pg_admin, _pg_template, port_open
from tests.e2e.workers import Proc, Rows, environment, plan_round, seed_learners, tally
from tests.fakes.telegram_api import FakeTelegram

SERVER = f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}"
MOMENTS = (("early", 0.1), ("middle", 0.5), ("late", 0.9))


async def chain(bound: int, learners: int, lease: float, restart: str, curriculum) -> None:  # type: ignore[no-untyped-def]
    name = f"hocai_crash_bench_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template(SERVER)}"')
    url = f"{SERVER}/{name}"
    fake = FakeTelegram()
    await fake.start()
    env = environment(
        url, fake.base, HOCAI_DELIVERY_IN_FLIGHT=str(bound), HOCAI_DELIVERY_LEASE_SECONDS=str(lease)
    )
    rows = Rows(url)
    worker = await Proc("worker", env).start()
    try:
        for number, (moment, share) in enumerate(MOMENTS):
            first = number * learners + 1
            await seed_learners(url, learners, first=first)
            before = len(fake.sent)
            await plan_round(url, curriculum)
            kill_at = before + int(share * learners * 2)
            while len(fake.sent) < kill_at:
                await asyncio.sleep(0.02)
            sent_then = len(fake.sent)
            await worker.kill()
            if restart == "later":
                await asyncio.sleep(lease + 0.5)
            worker = await Proc("worker", env).start()
            restarted = time.monotonic()
            while not worker.said("running as"):
                await asyncio.sleep(0.05)
            up = time.monotonic()
            while await rows.unfinished():
                await asyncio.sleep(0.05)
            end = time.monotonic()
            result = tally(fake, range(first, first + learners))
            rate = (len(fake.sent) - sent_then) / max(end - up, 1e-9)
            print(
                f"  bound {bound:>3}  restart {restart:<7}  kill {moment:<6}  "
                f"lost {result.lost}  repeated {result.duplicates:>3} (to {result.learners_twice:>3} "
                f"learners)  after restart: {end - restarted:5.1f} s to finish "
                f"({rate:5.0f} msg/s once up; {up - restarted:.1f} s to start)",
                flush=True,
            )
    finally:
        await worker.stop()
        await rows.close()
        await fake.stop()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--bounds", default="4,8,16", help="HOCAI_DELIVERY_IN_FLIGHT values")
    parser.add_argument("--lease", type=float, default=3.0, help="HOCAI_DELIVERY_LEASE_SECONDS")
    args = parser.parse_args()
    if not port_open(PG_HOST, PG_PORT):
        raise SystemExit(f"needs PostgreSQL on {PG_HOST}:{PG_PORT}")
    curriculum, _ = load_curriculum()
    print(f"{args.learners} learners a round, 2 messages each; lease {args.lease} s")
    for bound in (int(b) for b in args.bounds.split(",")):
        for restart in ("at once", "later"):
            await chain(bound, args.learners, args.lease, restart, curriculum)


if __name__ == "__main__":
    asyncio.run(main())
