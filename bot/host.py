"""What the channel runners and the scheduler use of the composition root (bot/app/).

They take a `Host`, not the `App`: the app builds and starts them, and they depend only on this
narrow shape (the settings, the store, the services' dependencies, the dialog, the sender), so
the import graph runs one way (app -> runners -> host), TYPE_CHECKING imports included.

A channel is started through a `ChannelRunner` row in `bot.app.runners.CHANNEL_RUNNERS`: adding a channel
adds a row, not a branch in `app.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.services.ports import Store

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.config import Settings
    from bot.services.context import Deps
    from bot.services.dialog import Dialog
    from bot.services.ports_bots import Cipher
    from bot.services.sender import Sender


class HostStore(Store, Protocol):
    """The store, and its engine for the scheduler's lock (a session-level database lock)."""

    @property
    def engine(self) -> AsyncEngine: ...


class Host(Protocol):
    """The running application as the runners and scheduled jobs see it (read-only members:
    `bot.app.App` is one)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> HostStore: ...
    @property
    def deps(self) -> Deps: ...
    @property
    def dialog(self) -> Dialog: ...
    @property
    def sender(self) -> Sender: ...
    @property
    def deliveries_planned(self) -> asyncio.Event:
        """Set by the planner at each committed chunk: a worker here starts sending at once."""

    @property
    def cipher(self) -> Cipher | None:
        """Opens units' bot tokens (HOCAI_SECRET_KEY); None without one."""


@dataclass(frozen=True)
class ChannelRunner:
    """How `hocai run` starts one chat channel.

    `wanted`: the channel is configured here (a token in the settings, or units' own bots in the
    database). `start(host, intake)`: its senders, and with `intake` (the web role) its updates;
    returns the task that runs it, None when there turned out to be nothing to run."""

    name: str
    wanted: Callable[[Settings, Store], Awaitable[bool]]
    start: Callable[[Host, bool], Awaitable[asyncio.Task[None] | None]]
