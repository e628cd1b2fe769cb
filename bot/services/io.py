"""The normalised form every channel speaks: inbound events in, outbound messages out.

Channels turn their updates into `Inbound` and render `Out`; services never see a platform type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal, Protocol, runtime_checkable

from bot.services.policy import ChannelPolicy

InboundKind = Literal[
    "text",
    "command",
    "choice",
    "photo",
    "document",
    "voice",
    "video",
    "sticker",
    "location",
    "contact",
    "unsupported",
    "other",
]


@dataclass(frozen=True)
class Inbound:
    channel: str  # "telegram", "zalo_bot", "zalo_oa", "console"
    external_id: str  # the user's id on that channel
    chat_id: str
    kind: InboundKind
    text: str = ""
    command: str = ""  # without the slash, lower-case
    args: str = ""
    choice: str = ""  # the key of an offered option
    photo_ref: str | None = None  # platform file id or URL
    display_name: str = ""
    update_key: str | None = None  # for deduplication of redelivered updates
    is_group: bool = False
    forwarded: bool = False
    edited: bool = False
    language: str = ""  # the client's language code, a hint only
    audio: bytes | None = None  # a voice note's bytes, fetched by the channel when speech is on
    audio_mime: str = ""  # e.g. audio/ogg for Telegram's voice notes
    # The text of the bot's message this one answers (a reply/quote), where the platform says so.
    reply_to: str = ""
    bot_id: int | None = None  # the unit's own bot it came through; None: the default bot

    def __post_init__(self) -> None:
        # The one edge every channel passes: control characters never reach the services, the
        # grader or the database (PostgreSQL refuses a NUL in text and the work would be lost).
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and value:
                object.__setattr__(self, f.name, clean_text(value))


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop C0 control characters (NUL included) and DEL; keep new lines and tabs."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Option:
    key: str  # short, ascii, <= 60 bytes (Telegram callback data)
    label: str


@dataclass(frozen=True)
class OutFile:
    name: str
    content: bytes
    mime: str = "application/json"
    # A picture of the document at a public HTTPS address, for channels that send no files but
    # send pictures by address (the Zalo APIs); empty when there is none.
    picture_url: str = ""


@dataclass(frozen=True)
class Out:
    """One message: plain text (channels escape it), an optional bold title, choices or a file."""

    text: str
    title: str = ""
    options: tuple[Option, ...] = ()
    file: OutFile | None = None
    voice: OutFile | None = None  # audio to play: a voice message where the channel has one
    columns: int = 1  # how many buttons per row where buttons exist
    remember_options: bool = True  # numbered replies ("1", "B") map to these options


class SendError(Exception):
    """Sending failed. Subclasses say whether to retry, pause or give up."""


class RateLimited(SendError):
    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(f"rate limited, retry after {retry_after}s {detail}".strip())
        self.retry_after = retry_after


class Unreachable(SendError):
    """The user blocked the bot, left, or is outside the platform's messaging window."""


class TemporaryFailure(SendError):
    """Network trouble or a server error: worth another try later."""


class Outbound(Protocol):
    """What every channel implements to send a message to one chat, and what the channel allows
    (its messaging window, its monthly budget: bot/services/policy.py)."""

    channel: str

    @property
    def policy(self) -> ChannelPolicy: ...

    async def send(self, chat_id: str, message: Out) -> None: ...


@runtime_checkable
class PiecedOutbound(Outbound, Protocol):
    """A channel that cuts a message into platform messages, and sends them one at a time.

    The sender then paces every platform message (not every `Out`) and, after a 429, resends
    only the piece that failed, never the pieces already delivered.
    """

    def pieces(self, message: Out) -> Sequence[object]: ...

    async def send_piece(self, chat_id: str, piece: object) -> None: ...
