"""The Zalo Bot Platform channel: rendering and sending, long polling, the inbox handler."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from bot.channels.zalo.bot_api import ZaloBotApi
from bot.channels.zalo.bot_updates import CHANNEL, parse_update, unwrap, update_key, user_key
from bot.channels.zalo.errors import (
    ZaloAuthError,
    ZaloError,
)
from bot.channels.zalo.handling import converse, send_all
from bot.channels.zalo.photos import MAX_BYTES
from bot.channels.zalo.pieces import PieceProgress, send_pieces
from bot.channels.zalo.text import render
from bot.i18n import Translator
from bot.services.dialog import Dialog
from bot.services.inbox import Inbox
from bot.services.io import (
    Out,
)
from bot.services.policy import OPEN, ChannelPolicy
from bot.services.ports import InboxItem
from bot.services.quota import MonthlyQuota
from bot.services.sender import Sender

log = logging.getLogger(__name__)


class ZaloBotOutbound:
    """Sends `Out` as plain text pieces of at most 2,000 characters; choices as numbered lines.

    Every message sent counts against the plan's monthly quota, replies included; the quota
    stops only the daily push (its policy's budget)."""

    channel = CHANNEL
    policy = OPEN  # no messaging window; the budget is the instance's quota

    def __init__(self, api: ZaloBotApi, quota: MonthlyQuota | None = None) -> None:
        self.api = api
        self.quota = quota
        self.policy = ChannelPolicy(budget=quota)
        self.tr = Translator("vi")
        self._progress = PieceProgress()

    async def send(self, chat_id: str, message: Out) -> None:
        async def one(piece: tuple[str, str]) -> None:
            kind, value = piece
            if kind == "photo":  # a document's picture, by its public address
                await self.api.send_photo(chat_id, value)
            else:
                await self.api.send_message(chat_id, value)
            if self.quota is not None:
                await self.quota.spend(1)

        pieces = [("text", text) for text in render(message, self.tr).pieces]
        if message.file is not None and message.file.picture_url:
            pieces.append(("photo", message.file.picture_url))
        await send_pieces(self._progress, chat_id, message, pieces, one)


async def store_update(inbox: Inbox, body: Any) -> bool:
    """Keep an update (wrapped or bare) for the worker; False for one seen before."""
    update = unwrap(body)
    if not update:
        return False
    return await inbox.put(CHANNEL, update_key(update), user_key(update), update)


class BotHandler:
    """The inbox worker's handler for Bot Platform updates."""

    def __init__(
        self,
        dialog: Dialog,
        sender: Sender,
        http: httpx.AsyncClient,
        max_photo_bytes: int = MAX_BYTES,
    ) -> None:
        self.dialog, self.sender, self.http = dialog, sender, http
        self.max_photo_bytes = max_photo_bytes

    async def __call__(self, item: InboxItem) -> None:
        event = parse_update(item.payload)
        if event.what == "protected":
            await send_all(
                self.sender, CHANNEL, event.chat_id, [Out(text=Translator("vi")("zalo.protected"))]
            )
            return
        if event.what != "message" or event.inbound is None:
            return
        await converse(
            self.dialog,
            self.sender,
            self.http,
            event.inbound,
            event.chat_id,
            event.photo_url,
            self.max_photo_bytes,
        )


async def poll(api: ZaloBotApi, inbox: Inbox, poll_seconds: int = 30) -> None:
    """Long polling for development: each update goes to the inbox, as a webhook's would.

    `getUpdates` has no offset: an update is handed out once, so it is stored at once."""
    backoff = 1.0
    while True:
        try:
            updates = await api.get_updates(poll_seconds)
        except ZaloAuthError:
            log.error("Zalo Bot Platform refused the token (ZALO_BOT_TOKEN); polling stops")
            raise
        except ZaloError as exc:
            log.warning("Zalo getUpdates failed (%s); retrying in %.0fs", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(60.0, backoff * 2)
            continue
        backoff = 1.0
        for update in updates:
            await store_update(inbox, update)
