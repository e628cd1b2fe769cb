"""The Zalo Official Account channel: consultation messages with buttons, the inbox handler."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx

from bot.channels.zalo.errors import (
    ZaloApiError,
    ZaloAuthError,
    ZaloNetworkError,
    ZaloOutsideWindow,
    ZaloRateLimited,
)
from bot.channels.zalo.handling import converse, send_all
from bot.channels.zalo.oa_api import ZaloOAApi
from bot.channels.zalo.oa_events import CHANNEL, event_key, parse_event, user_of
from bot.channels.zalo.photos import MAX_BYTES
from bot.channels.zalo.pieces import PieceProgress, send_pieces
from bot.channels.zalo.text import render
from bot.i18n import Translator
from bot.services import reach
from bot.services.dialog import Dialog
from bot.services.inbox import Inbox
from bot.services.io import (
    Inbound,
    Option,
    Out,
)
from bot.services.policy import ChannelPolicy
from bot.services.ports import InboxItem
from bot.services.sender import Sender

log = logging.getLogger(__name__)

SHOW, HIDE = "oa.query.show", "oa.query.hide"
MAX_BUTTON_TITLE = 100


def reply_target(user_id: str, msg_id: str) -> str:
    """A chat id that answers one message by its id (a reply) and falls back to the user."""
    return f"{user_id}/{msg_id}" if msg_id else user_id


def button_payload(option: Option, number: int, action: str) -> str:
    """What the tap sends back as the user's message. Shown (`oa.query.show`): the number the
    learner would type, so their chat reads naturally and the dialog maps it like a typed
    reply. Hidden (`oa.query.hide`): the option's key itself, which is exact even for a stale
    button."""
    if action == HIDE:
        return f"#{option.key}"
    return option.label if len(option.label) <= 3 else str(number)


# A consultation message reaches only a user who wrote to the OA in the last 7 days (-230 after).
POLICY = ChannelPolicy(window=timedelta(days=7), push_outside_window=False)


class ZaloOAOutbound:
    """Renders `Out` as consultation messages: text up to 2,000 characters, choices as buttons
    (`oa.query.show` by default) when there are few enough, else as numbered lines."""

    channel = CHANNEL
    policy = POLICY

    def __init__(self, api: ZaloOAApi, button_action: str = SHOW, max_buttons: int = 5) -> None:
        self.api = api
        self.button_action = button_action
        self.max_buttons = max_buttons
        self.tr = Translator("vi")
        self._progress = PieceProgress()

    def messages(self, message: Out) -> list[dict[str, Any]]:
        rendered = render(message, self.tr, buttons_up_to=self.max_buttons)
        out: list[dict[str, Any]] = [{"text": piece} for piece in rendered.pieces]
        if rendered.buttons:
            out[-1]["attachment"] = {
                "type": "template",
                "payload": {
                    "buttons": [
                        {
                            "title": o.label[:MAX_BUTTON_TITLE],
                            "type": self.button_action,
                            "payload": button_payload(o, i, self.button_action),
                        }
                        for i, o in enumerate(rendered.buttons, start=1)
                    ]
                },
            }
        if message.file is not None and message.file.picture_url:
            # A document's picture, by its public address (Zalo fetches it), under the last
            # text (a message with a file has no buttons: `render` drops them).
            out[-1]["attachment"] = {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "image", "url": message.file.picture_url}],
                },
            }
        return out

    async def send(self, chat_id: str, message: Out) -> None:
        user_id, _, msg_id = chat_id.partition("/")

        async def one(part: dict[str, Any]) -> None:
            await self._one(user_id, msg_id, part)

        await send_pieces(self._progress, chat_id, message, self.messages(message), one)

    async def _one(self, user_id: str, msg_id: str, part: dict[str, Any]) -> None:
        if msg_id:
            try:  # a reply to the learner's message: counted as a free reply by Zalo
                await self.api.send({"message_id": msg_id}, part)
                return
            except (ZaloRateLimited, ZaloNetworkError, ZaloAuthError, ZaloOutsideWindow):
                raise
            except ZaloApiError as exc:
                log.info("Zalo OA reply by message id refused (%s); sending to the user", exc)
        await self.api.send({"user_id": user_id}, part)


def inbox_channel(bot_id: int | None) -> str:
    """The inbox's name for an OA's events: a unit's own OA keeps its events (keys, users) apart."""
    return CHANNEL if bot_id is None else f"{CHANNEL}#{bot_id}"


async def store_event(inbox: Inbox, body: dict[str, Any], bot_id: int | None = None) -> bool:
    channel = inbox_channel(bot_id)
    return await inbox.put(channel, event_key(body), f"{channel}:{user_of(body)}", body)


class OAHandler:
    """The inbox worker's handler for OA webhook events."""

    def __init__(
        self,
        dialog: Dialog,
        sender: Sender,
        http: httpx.AsyncClient,
        inbox: Inbox,
        max_photo_bytes: int = MAX_BYTES,
        bot_id: int | None = None,
    ) -> None:
        self.dialog, self.sender, self.http, self.inbox = dialog, sender, http, inbox
        self.max_photo_bytes = max_photo_bytes
        self.bot_id = bot_id  # a unit's own OA; None: the OA in the settings

    async def __call__(self, item: InboxItem) -> None:
        event = parse_event(item.payload)
        if event.inbound is not None and self.bot_id is not None:
            event = replace(
                event,
                inbound=replace(
                    event.inbound,
                    bot_id=self.bot_id,
                    update_key=f"b{self.bot_id}:{event.inbound.update_key}",
                ),
            )
        deps = self.dialog.deps
        if event.what == "unfollow":
            await reach.unfollowed(deps, CHANNEL, event.user_id)
        elif event.what == "withdraw":
            await reach.withdrawn(deps, CHANNEL, event.user_id)
            async with deps.store.transaction() as repo:
                await repo.inbox.inbox_forget(f"{inbox_channel(self.bot_id)}:{event.user_id}")
            log.info("Zalo OA user_withdraw: a learner's data was deleted")
        elif event.what == "follow":
            start = Inbound(
                channel=CHANNEL,
                external_id=event.user_id,
                chat_id=event.user_id,
                kind="command",
                command="start",
                update_key=item.key,
                language="vi",
                bot_id=self.bot_id,
            )
            out = await self.dialog.handle(start)
            if out:  # a new follower learns first that an automated assistant answers
                out = [Out(text=Translator("vi")("zalo.automated")), *out]
            await send_all(self.sender, CHANNEL, event.user_id, out, self.bot_id)
        elif event.what == "message" and event.inbound is not None:
            await converse(
                self.dialog,
                self.sender,
                self.http,
                event.inbound,
                reply_target(event.user_id, event.msg_id),
                event.photo_url,
                self.max_photo_bytes,
            )
