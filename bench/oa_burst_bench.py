"""1,000 simultaneous signed Zalo OA events: are all stored and answered 200 within 2 seconds?

    .venv/bin/python bench/oa_burst_bench.py [--events 1000] [--users 300]
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432] [--profile FILE]

The webhook server (the real route, inbox and PostgreSQL) runs in this process; the client runs
in a process of its own (so its cost is not the server's): it opens one connection per event,
waits until all are connected, then sends every signed body at once. Printed: answers by status,
latency p50/p95/max from the common start, the time to the last answer, and how many events the
inbox stored. The client's own figures are printed apart. `--profile` writes the server's
cProfile statistics during the burst.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# ---- the client, in its own process ---------------------------------------------------------


async def client(url: str, bodies_file: str) -> None:
    import aiohttp

    bodies = json.loads(Path(bodies_file).read_text())
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        gate = asyncio.Event()
        results: list[tuple[int, float]] = []

        async def one(raw: str, headers: dict[str, str]) -> None:
            await gate.wait()
            try:
                async with http.post(
                    url, data=raw.encode(), headers=headers, timeout=aiohttp.ClientTimeout(total=60)
                ) as response:
                    await response.read()
                    results.append((response.status, time.perf_counter() - started))
            except aiohttp.ClientError:
                results.append((0, time.perf_counter() - started))

        tasks = [asyncio.create_task(one(raw, headers)) for raw, headers in bodies]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        gate.set()
        await asyncio.gather(*tasks)
    print(json.dumps(results))


# ---- the server and the run -----------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", help="write the server's cProfile statistics here")
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="leave the start-up objects to the garbage collector",
    )
    parser.add_argument("--client", nargs=2, metavar=("URL", "BODIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        await client(*args.client)
        return

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.app import build_app
    from bot.channels.zalo import webhooks
    from bot.channels.zalo.runner import ZaloChannels
    from bot.config import load_settings
    from scoring.rules import RulesGrader
    from tests.fakes.zalo_oa_api import APP_ID, SECRET_KEY, FakeZaloOA

    name = f"hocai_oa_burst_{int(time.time())}"
    admin = create_async_engine(f"{args.server}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{args.server}/{name}"
    oa = FakeZaloOA()  # signs the events as Zalo does; no server needed
    app = channels = runner = None
    try:
        settings = load_settings(
            DATABASE_URL=url,
            TELEGRAM_BOT_TOKEN="",
            _env_file=None,
            ZALO_OA_APP_ID=APP_ID,
            ZALO_OA_SECRET_KEY=SECRET_KEY,
            ZALO_OA_ACCESS_TOKEN="A0",
            ZALO_OA_REFRESH_TOKEN="R0",
            ZALO_WEBHOOK_HOST="127.0.0.1",
            ZALO_WEBHOOK_PORT=0,
        )
        app = await build_app(settings, grader=RulesGrader())
        channels = ZaloChannels(app)
        await channels.setup_oa()
        runner = await webhooks.serve(channels.routes, "127.0.0.1", 0)
        port = runner.addresses[0][1]
        bodies = []
        for i in range(args.events):
            body = oa.text(f"u-burst-{i % args.users}", f"tin nhắn số {i}")
            raw = json.dumps(body, ensure_ascii=False)
            bodies.append(
                (
                    raw,
                    {
                        "X-ZEvent-Signature": oa.signature(raw.encode(), str(body["timestamp"])),
                        "Content-Type": "application/json",
                    },
                )
            )
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(bodies, f)
        stored_rows = text("SELECT count(*) FROM inbox")
        async with app.store.engine.connect() as conn:  # the pool warm, as on a running server
            await conn.execute(stored_rows)

        if args.freeze:
            import gc

            gc.freeze()  # as `hocai run` does once started
        profile = None
        if args.profile:
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--client",
            f"http://127.0.0.1:{port}/zalo/oa",
            f.name,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
        )
        out, _ = await proc.communicate()
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        Path(f.name).unlink()
        results = json.loads(out)
        async with app.store.engine.connect() as conn:
            stored = (await conn.execute(stored_rows)).scalar_one()
    finally:
        if runner is not None:
            await runner.cleanup()
        if channels is not None:
            await channels.close()
        if app is not None:
            await app.close()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = [t for _, t in results]
    within = sum(1 for status, t in results if status == 200 and t <= 2.0)
    print(
        f"{args.events} signed OA events from {args.users} users, sent at once "
        f"(client in its own process)"
    )
    print(f"  answers                {dict(sorted(statuses.items()))}")
    print(
        f"  latency                p50 {statistics.median(latencies):.2f} s, "
        f"p95 {pct(latencies, 0.95):.2f} s, max {max(latencies):.2f} s"
    )
    print(f"  200 within 2 s         {within} of {args.events}")
    print(f"  stored in the inbox    {stored}")


if __name__ == "__main__":
    asyncio.run(main())
