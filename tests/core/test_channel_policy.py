"""Channel policy is what a channel's outbound declares, read through one interface.

A window, a budget and whether the push may go out after the window are the outbound's to say:
reach and the push read them from the sender (or the declared table), never from a channel name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import declared_policies
from bot.services import reach
from bot.services.delivery import spent_channels
from bot.services.io import Out
from bot.services.policy import OPEN, ChannelPolicy, PolicyTable
from bot.services.ports import IdentityRecord
from bot.services.sender import Limits, Sender

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def seen(channel: str, days_ago: float) -> IdentityRecord:
    return IdentityRecord(1, 1, channel, "u1", "u1", last_seen_at=NOW - timedelta(days=days_ago))


def test_declared_policies_are_the_outbounds() -> None:
    declared = declared_policies()
    oa = declared.policy("zalo_oa")
    assert oa.window == timedelta(days=7) and not oa.push_outside_window and oa.closes
    for channel in ("telegram", "zalo_bot", "console", "a_channel_nobody_declared"):
        assert not declared.policy(channel).closes


@pytest.mark.parametrize(
    ("policy", "days_ago", "usable"),
    [
        (OPEN, 400, True),  # no window: a year's silence still reachable
        (ChannelPolicy(window=timedelta(days=7), push_outside_window=False), 6, True),
        (ChannelPolicy(window=timedelta(days=7), push_outside_window=False), 7.5, False),
        (ChannelPolicy(window=timedelta(days=2), push_outside_window=False), 3, False),
        # A window the platform does not enforce on pushes: the push may still go out.
        (ChannelPolicy(window=timedelta(days=2), push_outside_window=True), 3, True),
    ],
)
def test_a_new_channel_declares_its_window_and_reach_follows(
    policy: ChannelPolicy,
    days_ago: float,
    usable: bool,
) -> None:
    policies = PolicyTable({"newchat": policy})
    assert reach.usable(seen("newchat", days_ago), NOW, policies) is usable
    assert reach.why_unreachable([seen("newchat", days_ago)], NOW, policies) == (
        None if usable else "outside_window"
    )


class Budget:
    def __init__(self, allowed: bool) -> None:
        self.allowed = allowed

    async def push_allowed(self) -> bool:
        return self.allowed


class Declaring:
    """An outbound of a channel with a monthly budget and a 3-day window."""

    def __init__(self, channel: str, budget: Budget) -> None:
        self.channel = channel
        self.policy = ChannelPolicy(
            window=timedelta(days=3), push_outside_window=False, budget=budget
        )

    async def send(self, chat_id: str, message: Out) -> None:
        pass


async def test_the_sender_answers_with_its_outbounds_policy_and_budget() -> None:
    budget = Budget(allowed=True)
    sender = Sender(declared=PolicyTable({"other": ChannelPolicy(window=timedelta(days=1))}))
    sender.add(Declaring("newchat", budget), Limits())
    assert sender.policy("newchat").window == timedelta(days=3)
    assert sender.policy("other").window == timedelta(days=1)  # not sent through here: declared
    assert sender.policy("telegram") == OPEN
    assert not reach.usable(seen("newchat", 4), NOW, sender)
    assert await spent_channels(sender) == frozenset()
    budget.allowed = False
    assert await spent_channels(sender) == frozenset({"newchat"})
