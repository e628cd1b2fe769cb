"""A burst of inbound Telegram updates through the real `python -m bot run` process.

    .venv/bin/python bench/telegram_burst_bench.py [--updates 10000] [--limit 8]
        [--database-url postgresql+asyncpg://...] [--stop-at 0.5]

Queues --updates `/start` messages from as many users in a fake Bot API on 127.0.0.1, starts the
bot, and sends it Ctrl+C (SIGINT) once --stop-at of the users are answered; then starts it again
and lets it finish. Prints updates handled per second, how long Ctrl+C took, the process's peak
memory, and users never answered (lost) or answered twice. Answers are not paced (the inbound
side is measured, not Telegram's 30 messages a second).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-fake-bot-api-server"
FIRST_USER = 7_000_000


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def stop(proc: asyncio.subprocess.Process) -> tuple[float, bytes]:
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        output, _ = await proc.communicate()
        return float("inf"), output
    return time.monotonic() - began, output


async def until(
    answered: int, fake: FakeTelegram, proc: asyncio.subprocess.Process, idle_limit: float = 120.0
) -> None:
    last, last_change = -1, time.monotonic()
    while True:
        count = len({s.chat_id for s in fake.sent})
        if count >= answered or proc.returncode is not None:
            return
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > idle_limit:
            return  # nothing more is coming
        await asyncio.sleep(0.2)


async def main(args: argparse.Namespace) -> None:
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
        env.update(
            DATABASE_URL=args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=fake.base,
            TELEGRAM_MAX_CONCURRENT_UPDATES=str(args.limit),
            TELEGRAM_RATE_PER_SECOND="1000000",
            TELEGRAM_CHAT_INTERVAL="0",
            HOCAI_LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        for i in range(args.updates):
            fake.message(FIRST_USER + i, "/start")

        proc = await start(env)
        began = time.monotonic()
        await until(int(args.updates * args.stop_at), fake, proc)
        first = len({s.chat_id for s in fake.sent})
        first_rate = first / (time.monotonic() - began)
        rss1 = peak_rss_mb(proc.pid)
        stop_s, out1 = await stop(proc)

        proc = await start(env)
        began = time.monotonic()
        await until(args.updates, fake, proc)
        rest = len({s.chat_id for s in fake.sent}) - first
        rest_rate = rest / (time.monotonic() - began)
        rss2 = peak_rss_mb(proc.pid)
        stop2_s, out2 = await stop(proc)
    await fake.stop()

    per_user = Counter(s.chat_id for s in fake.sent)
    answers = Counter(per_user.values())
    typical = answers.most_common(1)[0][0] if answers else 0
    print(f"updates queued:            {args.updates} (limit {args.limit} at once)")
    print(f"database:                  {'PostgreSQL' if args.database_url else 'SQLite file'}")
    print(
        f"run 1: users answered      {first} at {first_rate:.0f}/s (incl. start-up), "
        f"peak RSS {rss1:.0f} MB"
    )
    print(f"Ctrl+C mid-burst stopped   in {stop_s:.1f} s")
    print(f"run 2: users answered      {rest} more at {rest_rate:.0f}/s, peak RSS {rss2:.0f} MB")
    print(f"second Ctrl+C stopped      in {stop2_s:.1f} s")
    print(f"users never answered:      {args.updates - len(per_user)}")
    print(
        f"users answered more often than the usual {typical}: "
        f"{sum(n for k, n in answers.items() if k > typical)}"
    )
    for output in (out1, out2):
        if b"Traceback" in output:
            print(output.decode(errors="replace")[-2000:])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--stop-at", type=float, default=0.5)
    asyncio.run(main(parser.parse_args()))
