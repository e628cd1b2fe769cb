"""Two processes on one token through Redis: together they never exceed the token's pace, one
chat's spacing or a group's messages a minute."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from bot.services.pacing import PaceLimits, TokenPace
from tests.conftest import ROOT, port_open
from tests.services.test_pacing import most_in_one_second

pytestmark = pytest.mark.redis

WORKER = textwrap.dedent("""
    import asyncio, json, sys, time
    from redis.asyncio import Redis
    from bot.services.pacing import PaceLimits, TokenPace

    async def main(url, key, start, until):
        pace = TokenPace(key, PaceLimits(per_second=40, chat_interval=1), Redis.from_url(url))
        times = []

        async def sender(k):
            n = 0
            while time.time() < until:
                await pace.acquire(f"chat-{k}-{n}", "bulk")
                times.append(time.time())
                n += 1

        await asyncio.sleep(max(0.0, start - time.time()))
        await asyncio.gather(*(sender(k) for k in range(8)))
        print(json.dumps([t for t in times if t < until]))

    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
""")


@pytest.fixture
def redis_url() -> str:
    if not port_open("127.0.0.1", 6379):
        if os.environ.get("CI"):
            pytest.fail("CI must run the Redis tests, but 127.0.0.1:6379 is closed")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/15"


def test_two_processes_share_one_tokens_pace(redis_url: str) -> None:
    key = f"telegram:{uuid.uuid4().hex[:12]}"
    start = time.time() + 3.0  # both interpreters are up by then and start together
    until = start + 4.0
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, redis_url, key, str(start), str(until)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    sends = sorted(t for times in results for t in times)
    window = 38  # the platform's 40 a second less the safety margin
    # Alone each would send 38 a second, 76 together; shared, they keep 38 between them, evenly
    # spaced. The times are noted when a slot is taken, a few milliseconds late on a busy
    # machine: never more than the platform's 40 in any second.
    assert most_in_one_second(sends) <= 40
    assert all(len(times) > 0 for times in results)  # both really sent
    assert window * 4 * 0.8 <= len(sends) <= window * 4 + 2


async def _times(pace: TokenPace, chat: str, log: list[tuple[str, float]]) -> None:
    await pace.acquire(chat, "reply")
    log.append((chat, time.monotonic()))


async def test_two_processes_space_one_chat_between_them(redis_url: str) -> None:
    """A reply from the web process and a lesson part from a worker to one chat: Telegram's
    one message a second per chat holds for the two together (each alone would send at once)."""
    from redis.asyncio import Redis

    key = f"telegram:{uuid.uuid4().hex[:12]}"
    limits = PaceLimits(per_second=100, chat_interval=0.5)
    web, worker = (TokenPace(key, limits, Redis.from_url(redis_url)) for _ in range(2))
    sent: list[tuple[str, float]] = []
    await asyncio.gather(
        _times(web, "42", sent),
        _times(worker, "42", sent),
        _times(web, "42", sent),
        _times(worker, "42", sent),
        _times(worker, "43", sent),
    )
    to_42 = sorted(at for chat, at in sent if chat == "42")
    gaps = [b - a for a, b in itertools.pairwise(to_42)]
    assert len(gaps) == 3 and min(gaps) >= 0.45, gaps
    assert max(at for chat, at in sent if chat == "43") - min(to_42) < 0.4  # not held up


async def test_two_processes_keep_a_groups_messages_a_minute_between_them(redis_url: str) -> None:
    from redis.asyncio import Redis

    key = f"telegram:{uuid.uuid4().hex[:12]}"
    # 3 a "minute" of 1.5 s, so that the test takes seconds.
    limits = PaceLimits(per_second=100, chat_interval=0, group_per_minute=3, group_window=1.5)
    one, other = (TokenPace(key, limits, Redis.from_url(redis_url)) for _ in range(2))
    sent: list[tuple[str, float]] = []
    await asyncio.gather(
        *(_times(pace, "-1001", sent) for pace in (one, other) * 3), _times(other, "777", sent)
    )
    group = sorted(at for chat, at in sent if chat == "-1001")
    assert len(group) == 6
    assert group[3] - group[0] >= 1.45  # the fourth waits until the first is a window old
    assert group[2] - group[0] < 1.0  # the first three go at once
    private = [at for chat, at in sent if chat == "777"]
    assert private[0] - group[0] < 0.5  # a private chat is not held up by the group


class _Platform:
    """One token's platform as two processes see it: a 429 the first time, then accepted."""

    channel = "telegram"

    def __init__(self, answer_429: bool = False) -> None:
        from bot.services.policy import OPEN

        self.policy = OPEN
        self.answer_429 = answer_429
        self.limited = asyncio.Event()
        self.sent: list[float] = []

    async def send(self, chat_id: str, message: object) -> None:
        from bot.services.io import RateLimited

        if self.answer_429:
            self.answer_429 = False
            self.limited.set()
            raise RateLimited(1.5)
        self.sent.append(time.monotonic())


async def test_a_429_pauses_the_token_in_every_process(redis_url: str) -> None:
    """Telegram pauses the whole bot on a 429, not the process that drew it: another worker on
    the same token holds its sends until the pause is over."""
    from redis.asyncio import Redis

    from bot.services.io import Out
    from bot.services.sender import Limits, Sender

    key = f"telegram:{uuid.uuid4().hex[:12]}"
    limits = Limits(per_second=30, per_chat_interval=0)
    drew, other = _Platform(answer_429=True), _Platform()
    first, second = (Sender(redis=Redis.from_url(redis_url)) for _ in range(2))
    first.add(drew, limits, key=key)  # type: ignore[arg-type]
    second.add(other, limits, key=key)  # type: ignore[arg-type]
    retried = asyncio.create_task(first.send("telegram", "1", Out(text="bài"), lane="bulk"))
    await drew.limited.wait()
    paused_at = time.monotonic()
    await asyncio.gather(
        *(second.send("telegram", str(k), Out(text="bài"), lane="bulk") for k in range(2, 5))
    )
    await retried
    assert len(other.sent) == 3 and len(drew.sent) == 1
    # Nothing from the other process inside the 1.5 s (less what the first send took to 429).
    assert min(other.sent) - paused_at >= 1.3, min(other.sent) - paused_at
    assert drew.sent[0] - paused_at >= 1.3
