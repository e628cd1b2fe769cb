"""The chat channels `hocai run` may start (one row each), each channel's declared policy, and
where every process counts each token's sends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.host import ChannelRunner, Host
from bot.services.policy import PolicyTable

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


def declared_policies() -> PolicyTable:
    """Each channel's policy as its outbound class declares it (the messaging window), for
    channels that no sender here sends through: the leaders' lists and `hocai reach` still know
    that a Zalo OA user who has not written for 7 days cannot be messaged."""
    from bot.channels.console.chat import ConsoleOutbound
    from bot.channels.telegram.outbound import TelegramOutbound
    from bot.channels.zalo.bot_channel import ZaloBotOutbound
    from bot.channels.zalo.oa_channel import ZaloOAOutbound

    outbounds = (ConsoleOutbound, TelegramOutbound, ZaloBotOutbound, ZaloOAOutbound)
    return PolicyTable({o.channel: o.policy for o in outbounds})


def pace_redis(settings: Settings) -> Redis | None:
    """Where every process counts each token's sends: Redis when there is one (so that all
    workers share a token's 30 a second), else nowhere shared (each process counts alone)."""
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url)


def _telegram() -> ChannelRunner:
    from bot.channels.telegram.runner import RUNNER

    return RUNNER


def _zalo() -> ChannelRunner:
    from bot.channels.zalo.runner import RUNNER

    return RUNNER


# The chat channels `hocai run` may start, in this order; each is imported only when run (a
# process without Telegram does not load aiogram). A new channel is one more row.
CHANNEL_RUNNERS: tuple[Callable[[], ChannelRunner], ...] = (_telegram, _zalo)


def channel_runners() -> list[ChannelRunner]:
    return [load() for load in CHANNEL_RUNNERS]


async def start_when_wanted(runner: ChannelRunner, host: Host, intake: bool, every: float) -> None:
    """A channel with nothing to run at start (no token in the settings, no unit's own bot yet)
    is started once a unit brings its first bot (`hocai bots add`), without a restart: until
    then the bots table is looked at every `every` seconds, as the running channels do."""
    while True:
        try:
            wanted = await runner.wanted(host.settings, host.store)
        except Exception:  # a database blip: look again later
            log.exception("looking for %s bots failed; trying again later", runner.name)
            wanted = False
        if wanted:
            log.info("%s: a first bot was added while running; starting it", runner.name)
            task = await runner.start(host, intake)
            if task is not None:
                await task
                return
        await asyncio.sleep(every)
