"""A token's pace: never over its window, replies ahead of the push, one chat spaced out."""

from __future__ import annotations

import asyncio
import time

from bot.services.io import Out
from bot.services.pacing import PaceLimits, TokenPace
from bot.services.policy import OPEN
from bot.services.sender import ChannelSender, Limits


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_bulk_never_exceeds_the_window_and_a_reply_goes_first() -> None:
    pace = TokenPace("test:lanes", PaceLimits(per_second=10, chat_interval=0, reply_reserve=2))
    assert pace.limits.window == 9
    taken: list[float] = []

    async def bulk(i: int) -> None:
        await pace.acquire(f"learner-{i}", "bulk")
        taken.append(time.monotonic())

    pushes = [asyncio.create_task(bulk(i)) for i in range(45)]  # five seconds of the push
    await asyncio.sleep(1.2)  # the push is saturating the token now
    asked = time.monotonic()
    await pace.acquire("someone-who-just-wrote", "reply")
    reply_wait = time.monotonic() - asked
    taken.append(time.monotonic())
    left_behind = sum(not t.done() for t in pushes)
    await asyncio.gather(*pushes)

    assert reply_wait < 0.6  # the next free slots, not the end of the push's queue (~3.5 s)
    assert left_behind >= 20  # the push was still far from done when the reply went
    assert most_in_one_second(taken) <= 10  # together within the platform's 10 a second
    gaps = [b - a for a, b in zip(sorted(taken), sorted(taken)[1:], strict=False)]
    assert min(gaps) > 0.05  # evenly spaced, no burst at a window's edge


async def test_without_replies_the_push_uses_the_whole_window() -> None:
    pace = TokenPace("test:bulk-only", PaceLimits(per_second=10, chat_interval=0, reply_reserve=2))
    started = time.monotonic()
    await asyncio.gather(*(pace.acquire(f"c{i}", "bulk") for i in range(28)))
    # 9 a second, one every 1/9 s: 27 gaps take 3 s; the 7 a second kept while replies wait
    # would take 3.9 s.
    assert time.monotonic() - started < 3.4


class Recording:
    channel = "test"
    policy = OPEN

    def __init__(self) -> None:
        self.at: dict[str, list[float]] = {}

    async def send(self, chat_id: str, message: Out) -> None:
        self.at.setdefault(chat_id, []).append(time.monotonic())


async def test_one_chat_gets_at_most_one_message_a_second() -> None:
    outbound = Recording()
    sender = ChannelSender(outbound, Limits(per_second=100, per_chat_interval=1.0))
    started = time.monotonic()
    await asyncio.gather(
        *(sender.send("42", Out(text=str(i)), "bulk") for i in range(3)),
        sender.send("43", Out(text="other chat")),
    )
    gaps = [b - a for a, b in zip(outbound.at["42"], outbound.at["42"][1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.95
    assert outbound.at["43"][0] - started < 0.5  # another chat is not held up by the first
