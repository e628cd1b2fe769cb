"""Rendering `Out` for Telegram and translating its errors into the sender's terms."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.io import (
    Out,
    OutFile,
    RateLimited,
    SendError,
    TemporaryFailure,
    Unreachable,
)
from bot.services.policy import OPEN

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = 4096
CHUNK = 3800  # leaves room for the title and for HTML escapes growing the text
MAX_CALLBACK_BYTES = 64


def split_text(text: str, limit: int = CHUNK) -> list[str]:
    """Cut plain text into pieces under `limit`, at a paragraph, line or word boundary."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [p for p in pieces if p] or [""]


def keyboard(message: Out) -> InlineKeyboardMarkup | None:
    if not message.options:
        return None
    buttons = []
    for option in message.options:
        if len(option.key.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over 64 bytes: {option.key!r}")
        buttons.append(InlineKeyboardButton(text=option.label, callback_data=option.key))
    per_row = max(1, message.columns)
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def render_html(message: Out) -> list[str]:
    pieces = split_text(message.text)
    if message.title:
        pieces[0] = f"<b>{html.escape(message.title, quote=False)}</b>\n" + html.escape(
            pieces[0], quote=False
        )
        return [pieces[0], *(html.escape(p, quote=False) for p in pieces[1:])]
    return [html.escape(p, quote=False) for p in pieces]


@dataclass(frozen=True)
class Piece:
    """One Telegram API call: a document, or one HTML message (the last carries the buttons)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    document: OutFile | None = None
    voice: OutFile | None = None  # audio: a voice message, a track or a file by its type


class TelegramOutbound:
    channel = CHANNEL
    policy = OPEN  # no messaging window, no monthly budget

    def __init__(self, bot: Bot, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    def pieces(self, message: Out) -> list[Piece]:
        if message.voice is not None:
            caption = html.escape(message.text, quote=False)[:1000]
            return [Piece(caption, keyboard(message), voice=message.voice)]
        if message.file is not None:
            return [Piece(html.escape(message.text, quote=False)[:1000], None, message.file)]
        texts = render_html(message)
        markup = keyboard(message)
        return [
            Piece(text, markup if i == len(texts) - 1 else None) for i, text in enumerate(texts)
        ]

    async def send(self, chat_id: str, message: Out) -> None:
        for piece in self.pieces(message):
            await self.send_piece(chat_id, piece)

    async def send_piece(self, chat_id: str, piece: object) -> None:
        assert isinstance(piece, Piece)
        try:
            await self._send(chat_id, piece)
        except TelegramRetryAfter as exc:
            raise RateLimited(float(exc.retry_after)) from exc
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            raise Unreachable(str(exc)) from exc
        except TelegramBadRequest as exc:
            if "chat not found" in str(exc).lower() or "user is deactivated" in str(exc).lower():
                raise Unreachable(str(exc)) from exc
            raise SendError(str(exc)) from exc
        except TelegramUnauthorizedError as exc:
            raise SendError(f"the bot token was rejected: {exc}") from exc
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise TemporaryFailure(str(exc)) from exc

    async def _send_audio(self, chat_id: str, piece: Piece, paid: bool | None) -> None:
        """OGG/Opus plays as a voice message, MP3 and M4A in the music player, anything else
        (WAV) arrives as a file the phone opens in its player."""
        assert piece.voice is not None
        audio = BufferedInputFile(piece.voice.content, filename=piece.voice.name)
        mime = piece.voice.mime
        if mime == "audio/ogg":
            await self.bot.send_voice(
                chat_id,
                audio,
                caption=piece.text,
                reply_markup=piece.markup,
                allow_paid_broadcast=paid,
            )
        elif mime in ("audio/mpeg", "audio/mp4"):
            await self.bot.send_audio(
                chat_id,
                audio,
                caption=piece.text,
                reply_markup=piece.markup,
                allow_paid_broadcast=paid,
            )
        else:
            await self.bot.send_document(
                chat_id,
                audio,
                caption=piece.text,
                reply_markup=piece.markup,
                allow_paid_broadcast=paid,
            )

    async def _send(self, chat_id: str, piece: Piece) -> None:
        paid = True if self.paid_broadcast else None  # None: aiogram leaves the field out
        if piece.voice is not None:
            await self._send_audio(chat_id, piece, paid)
            return
        if piece.document is not None and piece.document.mime.startswith("image/"):
            # A picture (a session's QR code) shows as a photo, to put on a screen at once.
            await self.bot.send_photo(
                chat_id,
                BufferedInputFile(piece.document.content, filename=piece.document.name),
                caption=piece.text,
                allow_paid_broadcast=paid,
            )
            return
        if piece.document is not None:
            await self.bot.send_document(
                chat_id,
                BufferedInputFile(piece.document.content, filename=piece.document.name),
                caption=piece.text,
                allow_paid_broadcast=paid,
            )
            return
        await self.bot.send_message(
            chat_id, piece.text, reply_markup=piece.markup, allow_paid_broadcast=paid
        )
