"""What both Zalo channels do with a learner's message: fetch a photo, ask the dialog, answer."""

from __future__ import annotations

import logging

import httpx

from bot.channels.zalo.photos import MAX_BYTES, PhotoRejected, fetch_photo
from bot.i18n import Translator
from bot.services import photos
from bot.services.dialog import Dialog
from bot.services.io import Inbound, Out, SendError
from bot.services.sender import Sender

log = logging.getLogger(__name__)


async def send_all(
    sender: Sender, channel: str, chat_id: str, messages: list[Out], bot_id: int | None = None
) -> None:
    """Answer through the account the learner wrote to (a unit's own OA, or the default)."""
    for message in messages:
        try:
            await sender.send(channel, chat_id, message, bot_id=bot_id)
        except SendError as exc:
            # The learner's work and points are already committed; only this answer is lost.
            log.warning("%s: could not answer a chat: %r", channel, exc)
            return


async def converse(
    dialog: Dialog,
    sender: Sender,
    http: httpx.AsyncClient,
    event: Inbound,
    reply_to: str,
    photo_url: str | None = None,
    max_photo_bytes: int = MAX_BYTES,
) -> None:
    """One learner message: the photo (if any) checked and attached, the dialog, the answer."""
    photo = None
    if photo_url:
        try:
            photo = await fetch_photo(http, photo_url, max_photo_bytes)
        except PhotoRejected as exc:
            tr = Translator("vi")
            text = (
                tr("zalo.photo_too_big", mb=max(1, max_photo_bytes // (1024 * 1024)))
                if exc.reason == "too_big"
                else tr("zalo.photo_not_image")
            )
            await send_all(sender, event.channel, reply_to, [Out(text=text)], event.bot_id)
            return
    with photos.attached(photo):
        out = await dialog.handle(event)
    await send_all(sender, event.channel, reply_to, out, event.bot_id)
