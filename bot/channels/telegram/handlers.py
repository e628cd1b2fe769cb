"""Thin handlers: turn a Telegram update into `Inbound`, ask the dialog, send the answer."""

from __future__ import annotations

import logging
from dataclasses import replace

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import CallbackQuery, Message, Update

from bot.services import photos
from bot.services.dialog import Dialog
from bot.services.io import Inbound, InboundKind, Out, SendError
from bot.services.parsing import split_command
from bot.services.sender import ChannelSender

log = logging.getLogger(__name__)
CHANNEL = "telegram"


def _kind(message: Message) -> InboundKind:
    if message.photo:
        return "photo"
    if message.text is not None:
        return "command" if split_command(message.text) else "text"
    if message.sticker:
        return "sticker"
    if message.voice or message.audio:
        return "voice"
    if message.video or message.video_note or message.animation:
        return "video"
    if message.location or message.venue:
        return "location"
    if message.contact:
        return "contact"
    if message.document:
        return "document"
    return "other"


def update_key(update_id: int, bot_id: int | None) -> str:
    """Update ids count per bot: a unit bot's keys are its own, so two bots never collide."""
    return str(update_id) if bot_id is None else f"b{bot_id}:{update_id}"


def to_inbound(
    message: Message, update: Update | None, edited: bool = False, bot_id: int | None = None
) -> Inbound:
    user = message.from_user
    kind = _kind(message)
    text = message.text if message.text is not None else (message.caption or "")
    command, args = (split_command(text) if kind == "command" else None) or ("", "")
    return Inbound(
        channel=CHANNEL,
        external_id=str(user.id if user else message.chat.id),
        chat_id=str(message.chat.id),
        kind=kind,
        text=text,
        command=command,
        args=args,
        photo_ref=f"tg:{message.photo[-1].file_id}" if message.photo else None,
        display_name=(user.full_name if user else "") or "",
        update_key=update_key(update.update_id, bot_id) if update else None,
        is_group=message.chat.type != "private",
        forwarded=message.forward_origin is not None,
        edited=edited,
        language=(user.language_code or "") if user else "",
        reply_to=_replied_text(message),
        bot_id=bot_id,
    )


def _replied_text(message: Message) -> str:
    """The text of the bot's message this one replies to: a reply to the practice is work."""
    replied = message.reply_to_message
    if replied is None or not (replied.from_user and replied.from_user.is_bot):
        return ""
    return replied.text or replied.caption or ""


async def _answer(sender: ChannelSender, chat_id: str, messages: list[Out]) -> None:
    for out in messages:
        try:
            await sender.send(chat_id, out)
        except SendError as exc:
            log.warning("could not answer chat %s: %r", chat_id, exc)
            return


MAX_PHOTO_BYTES = 5 * 1024 * 1024


async def fetch_photo(message: Message) -> photos.Photo | None:
    """The largest size of a photo under the cap, for a vision model; None when none fits."""
    if not message.photo or message.bot is None:
        return None
    fitting = [p for p in message.photo if (p.file_size or 0) <= MAX_PHOTO_BYTES]
    if not fitting:
        return None
    best = fitting[-1]
    content = await _download(message.bot, best.file_id, "photo")
    return photos.Photo(content, "image/jpeg", f"tg:{best.file_id}") if content else None


async def _download(bot: Bot, file_id: str, what: str) -> bytes:
    """A file's bytes from Telegram; empty when it cannot be fetched (the caller answers kindly)."""
    try:
        data = await bot.download(file_id)
    except (TelegramAPIError, TelegramNetworkError) as exc:
        log.warning("could not fetch %s %s: %r", what, file_id, exc)
        return b""
    return data.read() if data is not None else b""


MAX_VOICE_BYTES = 10 * 1024 * 1024


async def fetch_voice(message: Message) -> tuple[bytes, str] | None:
    """A voice note's (or an audio file's) bytes and type, for the speech server to transcribe."""
    media = message.voice or message.audio
    if media is None or message.bot is None or (media.file_size or 0) > MAX_VOICE_BYTES:
        return None
    content = await _download(message.bot, media.file_id, "voice")
    return (content, media.mime_type or "audio/ogg") if content else None


def router(
    dialog: Dialog, sender: ChannelSender, fetch_photos: bool = False, fetch_voices: bool = False
) -> Router:
    """`fetch_photos`: download photos of work so that a vision model can grade them;
    `fetch_voices`: download voice notes so that a speech server can transcribe them. Events
    carry the sender's bot (a unit's own bot, or None for the default one)."""
    r = Router(name="learner")
    bot_id = sender.bot_id

    @r.message()
    async def on_message(message: Message, event_update: Update) -> None:
        photo = await fetch_photo(message) if fetch_photos and message.photo else None
        event = to_inbound(message, event_update, bot_id=bot_id)
        if fetch_voices and event.kind == "voice" and not event.is_group:
            voice = await fetch_voice(message)
            if voice is not None:
                event = replace(event, audio=voice[0], audio_mime=voice[1])
        with photos.attached(photo):
            out = await dialog.handle(event)
        await _answer(sender, str(message.chat.id), out)

    @r.edited_message()
    async def on_edited(message: Message, event_update: Update) -> None:
        out = await dialog.handle(to_inbound(message, event_update, edited=True, bot_id=bot_id))
        await _answer(sender, str(message.chat.id), out)

    @r.callback_query(F.data)
    async def on_choice(query: CallbackQuery, event_update: Update) -> None:
        await query.answer()  # stop the button's spinner at once
        chat = query.message.chat if query.message else None
        event = Inbound(
            channel=CHANNEL,
            external_id=str(query.from_user.id),
            chat_id=str(chat.id if chat else query.from_user.id),
            kind="choice",
            choice=query.data or "",
            display_name=query.from_user.full_name or "",
            update_key=update_key(event_update.update_id, bot_id),
            is_group=bool(chat and chat.type != "private"),
            language=query.from_user.language_code or "",
            bot_id=bot_id,
        )
        out = await dialog.handle(event)
        await _answer(sender, event.chat_id, out)

    return r
