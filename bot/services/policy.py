"""What a channel allows, as its outbound declares it: read through `Policies.policy(channel)`.

The Zalo Official Account delivers a consultation message only to a user who interacted with the
OA in the last 7 days (`window`; nothing goes out after it); the Zalo Bot Platform's plan allows a
number of messages a month (`budget`: the daily push stops when it is spent, replies go on).
Telegram and the console declare neither. The sender answers for the channels it sends through;
`PolicyTable` holds the declared policies where nothing is sent (the leaders' lists, `hocai reach`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol


class PushBudget(Protocol):
    """A count that may refuse the daily push (not replies) while it is spent."""

    async def push_allowed(self) -> bool: ...


@dataclass(frozen=True)
class ChannelPolicy:
    # The platform takes messages to a user only this long after the user's last message.
    window: timedelta | None = None
    # Whether the push may go out after the window closes (Zalo OA: no, error -230).
    push_outside_window: bool = True
    # The plan's monthly messages; None: no budget.
    budget: PushBudget | None = field(default=None, compare=False)

    @property
    def closes(self) -> bool:
        """Whether messages stop some time after the user's last message."""
        return self.window is not None and not self.push_outside_window

    async def push_allowed(self) -> bool:
        return self.budget is None or await self.budget.push_allowed()


OPEN = ChannelPolicy()  # no window, no budget: Telegram, the console


class Policies(Protocol):
    """Where a channel's policy is read: the sender (its outbounds') or a `PolicyTable`."""

    def policy(self, channel: str) -> ChannelPolicy: ...


class PolicyTable:
    """Declared policies by channel name; a channel not listed is `OPEN`."""

    def __init__(self, policies: Mapping[str, ChannelPolicy] | None = None) -> None:
        self.policies = dict(policies or {})

    def policy(self, channel: str) -> ChannelPolicy:
        return self.policies.get(channel, OPEN)
