"""The 7 a.m. push scaled out: N learners delivered by W worker processes over T bot tokens.

    .venv/bin/python bench/scaleout_bench.py [--learners 100000] [--workers 4] [--tokens 4]
        [--rate 30] [--server postgresql+asyncpg://postgres@127.0.0.1:5432]
        [--redis redis://127.0.0.1:6379/14] [--keep]

A fresh PostgreSQL database gets N active learners due at 07:00, spread over T units that each
bring their own Telegram bot (`bots` rows; each learner's identity names their unit's bot). A fake
Bot API server runs in its own process and enforces `--rate` messages a second per token with a
429 and retry_after=1, as Telegram does. The day's rows are planned once, then W worker processes
(each the real sender and delivery code, every token's pace shared through Redis) drain them
together. Printed: messages a second against T x rate (the ratio), learners not reached (lost),
429 answers per 10,000 sends, and each worker's share. `--learners 4000` is a one-minute run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

# 07:00 in Hà Nội on the bench day is 00:00 UTC; workers run at 07:00:30.
PUSH = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
PER_GROUP = 40
POOL = 5  # each worker's database pool (twice that at a peak)


def token(k: int) -> str:
    return f"{700001 + k}:BENCH-unit-bot-token-for-the-fake-api"


# ---- the fake Bot API, in its own process --------------------------------------------------


class CountingFake(FakeTelegram):
    """Counts sends per token and which chats got something, without keeping every message."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(record_sent=False, **kwargs)  # type: ignore[arg-type]
        self.chats: set[str] = set()
        self.first = self.last = 0.0

    def _send(self, method, params, token=""):  # type: ignore[no-untyped-def]
        response = super()._send(method, params, token)
        if response.status == 200:
            now = time.time()
            self.first = self.first or now
            self.last = now
            self.chats.add(str(params.get("chat_id")))
        return response

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "sent": self.sent_by_token,
                "too_many": self.too_many_by_token,
                "chats": len(self.chats),
                "first": self.first,
                "last": self.last,
            }
        )


async def serve_fake(port_file: str, rate: float) -> None:
    import logging

    logging.basicConfig(
        level=logging.DEBUG if os.environ.get("FAKE_DEBUG") else logging.WARNING,
        format="fake: %(levelname)s %(name)s %(message)s",
    )
    # The fake stands for Telegram's servers, which our niceness does not slow down: it keeps
    # its clock true (a starved fake would stamp a backlog of sends at once and count a burst
    # that never left us). Needs the right to raise priority; otherwise it runs as it is.
    with contextlib.suppress(OSError):
        os.nice(-os.nice(0))
    fake = CountingFake(rate_per_second=rate, retry_after=1)
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake._handle)
    app.router.add_get("/stats", fake.stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    Path(port_file).write_text(str(port))
    await asyncio.Event().wait()


# ---- one worker process --------------------------------------------------------------------


async def work(url: str, api: str, redis: str, concurrency: int) -> None:
    from bot.app import build_app
    from bot.channels.telegram.runner import add_telegram_senders
    from bot.config import load_settings
    from bot.services import delivery
    from scoring.rules import RulesGrader

    settings = load_settings(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN="",
        TELEGRAM_API_BASE=api,
        REDIS_URL=redis,
        HOCAI_SECRET_KEY="",
        _env_file=None,
        HOCAI_DELIVERY_IN_FLIGHT=concurrency,
        # PostgreSQL's 100 connections serve every worker (and the rest)
        DATABASE_POOL_SIZE=POOL,
    )
    app = await build_app(settings, grader=RulesGrader(), migrate=False)
    # The bench's clock runs from 07:00:30; `later` stands for the scheduler's next ticks, when
    # a send that failed (a network error) is due again.
    later = [timedelta(0)]
    app.deps.clock = lambda: PUSH + timedelta(seconds=30) + later[0]
    bots = await add_telegram_senders(app)
    t0 = time.time()
    cpu0 = time.process_time()
    profile = None
    if os.environ.get("BENCH_PROFILE"):  # where a worker's CPU goes: a report per worker
        from pyinstrument import Profiler

        profile = Profiler(async_mode="disabled")  # every task's time, not one coroutine's
        profile.start()
    retried = 0
    try:
        report = await delivery.deliver_due(app.deps, app.sender)
        for _ in range(5):  # the next ticks: what failed for a moment is sent again
            if not (report.retry - retried):
                break
            retried = report.retry
            later[0] += timedelta(minutes=20)
            again = await delivery.deliver_due(app.deps, app.sender)
            report.sent += again.sent
            report.failed += again.failed
            report.retry += again.retry
    finally:
        if profile is not None:
            profile.stop()
            Path(f"{os.environ['BENCH_PROFILE']}.{os.getpid()}.txt").write_text(
                profile.output_text(unicode=False, show_all=False)
            )
        for one in bots:
            await one.bot.session.close()
        await app.close()
    print(
        json.dumps(
            {
                "sent": report.sent,
                "failed": report.failed,
                "retry": report.retry,
                "seconds": time.time() - t0,
                "network_retries": report.retry,
                "cpu": time.process_time() - cpu0,
                "messages": sum(s.sent for s in app.sender.all()),
                "paused": sum(s.rate_limited for s in app.sender.all()),
                "given_up": sum(s.pace.given_up for s in app.sender.all()),
            }
        )
    )


async def send_only(
    first: int, last: int, tokens: int, api: str, redis: str, concurrency: int
) -> None:
    """The pace alone: this worker's share of the learners, one lesson message each, through
    the real senders (every token's pace shared through Redis), without the database work."""
    from bot.app.runners import pace_redis
    from bot.channels.telegram.outbound import TelegramOutbound
    from bot.channels.telegram.runner import make_bot, telegram_limits
    from bot.config import load_settings
    from bot.services.bots import pace_key
    from bot.services.io import Option, Out
    from bot.services.sender import Sender

    settings = load_settings(
        DATABASE_URL="sqlite+aiosqlite:///:memory:",
        TELEGRAM_BOT_TOKEN="",
        REDIS_URL=redis,
        _env_file=None,
    )
    sender = Sender(redis=pace_redis(settings))
    bots = [make_bot(token(k), api) for k in range(tokens)]
    for k, bot in enumerate(bots):
        sender.add(
            TelegramOutbound(bot),
            telegram_limits(settings),
            bot_id=k + 1,
            key=pace_key("telegram", token(k)),
        )
    lesson = Out(
        title="Bài 1: Hỏi AI đúng cách",
        text="Hôm nay ta học cách đặt câu hỏi. " * 20,
        options=(Option("quiz", "Làm câu hỏi"),),
    )
    gate = asyncio.Semaphore(concurrency)
    failed = 0

    async def one(i: int) -> None:
        nonlocal failed
        async with gate:
            try:
                await sender.send("telegram", str(i), lesson, bot_id=1 + i % tokens, lane="bulk")
            except Exception:
                failed += 1

    t0, cpu0 = time.time(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(first, last + 1)))
    for bot in bots:
        await bot.session.close()
    if sender.redis is not None:
        await sender.redis.aclose()
    print(
        json.dumps(
            {
                "sent": last - first + 1 - failed,
                "failed": failed,
                "retry": 0,
                "seconds": time.time() - t0,
                "network_retries": 0,
                "cpu": time.process_time() - cpu0,
                "messages": sum(s.sent for s in sender.all()),
                "paused": sum(s.rate_limited for s in sender.all()),
                "given_up": sum(s.pace.given_up for s in sender.all()),
            }
        )
    )


# ---- the run -------------------------------------------------------------------------------


async def seed(url: str, learners: int, tokens: int) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    groups = max(tokens, learners // PER_GROUP)
    statements = [
        (
            "INSERT INTO units (id, code, name, kind) VALUES (1, 'P', 'Tỉnh Thái Nguyên', "
            "'province')",
            {},
        ),
        (
            "INSERT INTO units (id, code, name, kind, parent_id, join_code) SELECT 1 + c, "
            "'C' || c, 'Phường ' || c, 'ward', 1, 'JC' || c FROM generate_series(1, :t) c",
            {"t": tokens},
        ),
        (
            "INSERT INTO units (id, code, name, kind, parent_id, join_code) SELECT 1000 + g, "
            "'G' || g, 'Tổ ' || g, 'group', 2 + g % :t, 'JG' || g "
            "FROM generate_series(0, :groups - 1) g",
            {"t": tokens, "groups": groups},
        ),
        (
            "INSERT INTO learners (id, nickname, show_name, lesson_time, timezone, language, "
            "unit_id, status, created_at) SELECT i, 'Học viên ' || i, true, '07:00', "
            "'Asia/Ho_Chi_Minh', 'vi', 1000 + ((i - 1) / :per_group) % :groups, 'active', "
            ":created FROM generate_series(1, :n) i",
            {
                "n": learners,
                "per_group": PER_GROUP,
                "groups": groups,
                "created": PUSH - timedelta(days=3),
            },
        ),
    ]
    for k in range(tokens):
        statements.append(
            (
                "INSERT INTO bots (id, unit_id, channel, name, token, token_hash, webhook_secret, "
                "created_at) VALUES (:id, :unit, 'telegram', :name, :token, :hash, 'bench-secret', "
                ":created)",
                {
                    "id": k + 1,
                    "unit": 2 + k,
                    "name": f"Bot phường {k + 1}",
                    "token": token(k),
                    "hash": f"bench{k}",
                    "created": PUSH,
                },
            )
        )
    # Each learner's identity names the bot of the ward their group is in.
    statements.append(
        (
            "INSERT INTO identities (learner_id, channel, external_id, chat_id, reachable, state, "
            "last_seen_at, bot_id) SELECT l.id, 'telegram', l.id::text, l.id::text, true, "
            "'{}'::json, :seen, u.parent_id - 1 FROM learners l JOIN units u ON u.id = l.unit_id",
            {"seen": PUSH - timedelta(days=1)},
        )
    )
    async with engine.begin() as conn:
        for sql, params in statements:
            await conn.execute(text(sql), params)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def plan(url: str) -> int:
    from bot.app import build_app
    from bot.config import load_settings
    from bot.services import delivery
    from scoring.rules import RulesGrader

    settings = load_settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", _env_file=None)
    app = await build_app(settings, grader=RulesGrader())
    app.deps.clock = lambda: PUSH
    try:
        return await delivery.schedule_due(app.deps)
    finally:
        await app.close()


async def outcome(url: str) -> dict[str, int]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT status, count(*) FROM deliveries GROUP BY status"))
        ).all()
    await engine.dispose()
    return {status: count for status, count in rows}


def stats(port: int) -> dict[str, object]:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as response:
        return dict(json.loads(response.read()))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=4)
    parser.add_argument("--rate", type=float, default=30.0, help="the fake's limit per token")
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="messages in flight per worker (HOCAI_DELIVERY_IN_FLIGHT, at most "
        "64; with --senders-only: sends in hand)",
    )
    parser.add_argument(
        "--senders-only",
        action="store_true",
        help="measure the shared pace alone: no database, one message a learner",
    )
    parser.add_argument("--serve-fake", metavar="PORT_FILE", help=argparse.SUPPRESS)
    parser.add_argument(
        "--send", nargs=4, metavar=("FIRST", "LAST", "API", "REDIS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--worker", nargs=3, metavar=("DB", "API", "REDIS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        await serve_fake(args.serve_fake, args.rate)
        return
    if args.worker:
        await work(*args.worker, args.concurrency)
        return
    if args.send:
        first, last, api, redis_url = args.send
        await send_only(int(first), int(last), args.tokens, api, redis_url, args.concurrency)
        return

    import redis.asyncio as aioredis
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.storage.db import upgrade

    r = aioredis.from_url(args.redis)
    await r.flushdb()  # the bench's own Redis database: yesterday's counts must not pace today
    await r.aclose()
    name = f"hocai_scaleout_bench_{int(time.time())}"
    admin = create_async_engine(f"{args.server}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{args.server}/{name}"
    port_file = Path(f"/tmp/{name}.port")
    fake = subprocess.Popen(
        [sys.executable, __file__, "--serve-fake", str(port_file), "--rate", str(args.rate)],
        cwd=ROOT,
    )
    workers: list[subprocess.Popen[str]] = []
    try:
        if args.senders_only:
            planned = args.learners
            print(f"senders only: {args.learners:,} learners, one message each, no database")
        else:
            await asyncio.to_thread(upgrade, url)
            t0 = time.perf_counter()
            await seed(url, args.learners, args.tokens)
            print(
                f"{args.learners:,} learners over {args.tokens} unit bots seeded in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            t0 = time.perf_counter()
            planned = await plan(url)
            print(f"planned {planned:,} deliveries in {time.perf_counter() - t0:.1f} s")
        while not port_file.exists():
            await asyncio.sleep(0.1)
        api = f"http://127.0.0.1:{port_file.read_text()}"
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        started = time.time()
        share = -(-args.learners // args.workers)
        commands = [
            [
                "--send",
                str(1 + w * share),
                str(min(args.learners, (w + 1) * share)),
                api,
                args.redis,
                "--tokens",
                str(args.tokens),
            ]
            if args.senders_only
            else ["--worker", url, api, args.redis]
            for w in range(args.workers)
        ]
        workers = [
            subprocess.Popen(
                [sys.executable, __file__, *command, "--concurrency", str(args.concurrency)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for command in commands
        ]
        reports = []
        for proc in workers:
            out, _ = await asyncio.to_thread(proc.communicate)
            reports.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.time() - started
        seen = stats(int(port_file.read_text()))
        states = (
            {"sent": sum(r["sent"] for r in reports)} if args.senders_only else await outcome(url)
        )
    finally:
        for proc in [*workers, fake]:
            if proc.poll() is None:
                proc.terminate()
        fake.wait()
        port_file.unlink(missing_ok=True)
        if not args.keep:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()

    sent_by_token: dict[str, int] = seen["sent"]  # type: ignore[assignment]
    too_many: dict[str, int] = seen["too_many"]  # type: ignore[assignment]
    messages = sum(sent_by_token.values())
    refused = sum(too_many.values())
    window = float(seen["last"]) - float(seen["first"])  # type: ignore[arg-type]
    budget = args.tokens * args.rate
    lost = args.learners - int(seen["chats"])  # type: ignore[arg-type]
    print(
        f"{args.workers} workers, {args.tokens} tokens x {args.rate:.0f}/s "
        f"(budget {budget:.0f} messages/s), wall {wall:.1f} s with start-up"
    )
    print(f"  messages delivered     {messages:,} ({messages / max(1, planned):.2f} a learner)")
    print(f"  first to last send     {window:.1f} s")
    print(
        f"  throughput             {messages / window:.1f} messages/s = "
        f"{messages / window / budget:.3f} of {args.tokens} x {args.rate:.0f}/s"
    )
    print(f"  learners not reached   {lost} (deliveries: {states})")
    print(
        f"  429 answers            {refused} = {refused / max(1, messages) * 10_000:.1f} "
        f"per 10,000 sends"
    )
    for k in range(args.tokens):
        tok = token(k)
        print(
            f"  token {k + 1}: {sent_by_token.get(tok, 0):,} sent, "
            f"{too_many.get(tok, 0)} answered 429"
        )
    cpu = sum(rep["cpu"] for rep in reports)
    learners_sent = sum(rep["sent"] for rep in reports)
    per_learner = cpu / max(1, learners_sent)
    print(
        f"  worker CPU             {cpu:.1f} s in all = {per_learner * 1000:.1f} ms a learner, "
        f"{messages / max(cpu, 1e-9):.0f} messages per CPU second (one core at full use)"
    )
    for i, rep in enumerate(reports, 1):
        print(
            f"  worker {i}: {rep['sent']:,} learners, {rep['messages']:,} messages in "
            f"{rep['seconds']:.1f} s, {rep['paused']} pauses on a 429, "
            f"{rep['given_up']} slots given up (woke too late), "
            f"{rep['network_retries']} sent again after an error, failed {rep['failed']}"
        )


if __name__ == "__main__":
    asyncio.run(main())
