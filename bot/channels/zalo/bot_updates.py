"""Zalo Bot Platform updates -> `Inbound`.

An update is `{"event_name": "message.text.received" | "message.image.received" |
"message.sticker.received" | "message.unsupported.received", "message": {"from": {"id",
"display_name", "is_bot"}, "chat": {"id", "chat_type"}, "text"?, "photo"? | "photo_url"?,
"caption"?, "message_id", "date"}}`. A webhook wraps it as `{"ok": true, "result": {...}}`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from bot.channels.zalo.fields import obj
from bot.services.io import Inbound, InboundKind
from bot.services.parsing import split_command

CHANNEL = "zalo_bot"

_KINDS: dict[str, InboundKind] = {
    "message.text.received": "text",
    "message.image.received": "photo",
    "message.sticker.received": "sticker",
    "message.unsupported.received": "unsupported",
}


def unwrap(body: Any) -> dict[str, Any]:
    """The update itself, from a webhook's `{"ok": true, "result": {...}}` or a bare update."""
    if (
        isinstance(body, dict)
        and isinstance(body.get("result"), dict)
        and ("message" in body["result"] or "event_name" in body["result"])
    ):
        return dict(body["result"])
    return dict(body) if isinstance(body, dict) else {}


def update_key(update: dict[str, Any]) -> str:
    """`message_id` (there is no update_id); a digest of the update when even that is missing."""
    message = obj(update, "message")
    message_id = message.get("message_id")
    if message_id:
        return str(message_id)[:128]
    raw = json.dumps(update, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:56]


def user_key(update: dict[str, Any]) -> str:
    message = obj(update, "message")
    sender = obj(message, "from")
    chat = obj(message, "chat")
    return f"{CHANNEL}:{sender.get('id') or chat.get('id') or '?'}"


def _photo_url(message: dict[str, Any]) -> str | None:
    for field in ("photo_url", "photo"):  # which one arrives is not settled: accept both
        value = message.get(field)
        if isinstance(value, list) and value:
            value = value[-1]  # Telegram-like sizes, largest last
        if isinstance(value, dict):
            value = value.get("url") or value.get("photo_url")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


@dataclass(frozen=True)
class BotEvent:
    what: Literal["message", "protected", "ignore"]
    inbound: Inbound | None = None
    chat_id: str = ""
    photo_url: str | None = None


def parse_update(update: dict[str, Any]) -> BotEvent:
    message = update.get("message")
    if not isinstance(message, dict):
        return BotEvent("ignore")
    sender = obj(message, "from")
    chat = obj(message, "chat")
    user_id = str(sender.get("id") or chat.get("id") or "")
    chat_id = str(chat.get("id") or user_id)
    if not user_id or sender.get("is_bot"):
        return BotEvent("ignore")
    event_name = str(update.get("event_name") or "")
    photo_url = _photo_url(message)
    kind: InboundKind = _KINDS.get(
        event_name,
        "photo" if photo_url else ("text" if isinstance(message.get("text"), str) else "other"),
    )
    if kind == "photo" and not photo_url:
        kind = "other"  # an image event without an address we can fetch
    if kind == "unsupported":
        # Sent by a protected user (a child, a person with a disability or who cannot read):
        # no content reaches us. Answer kindly, and keep no record of them.
        return BotEvent("protected", chat_id=chat_id)
    given = message.get("text")
    text = given if isinstance(given, str) else ""
    if kind == "photo":
        text = str(message.get("caption") or text or "")
    command, args = "", ""
    if kind == "text" and (parsed := split_command(text)):
        kind, (command, args) = "command", parsed
    inbound = Inbound(
        channel=CHANNEL,
        external_id=user_id,
        chat_id=chat_id,
        kind=kind,
        text=text,
        command=command,
        args=args,
        photo_ref=photo_url if kind == "photo" else None,
        display_name=str(sender.get("display_name") or ""),
        update_key=update_key(update),
        is_group=str(chat.get("chat_type") or "PRIVATE").upper() != "PRIVATE",
        language="vi",
    )
    return BotEvent("message", inbound, chat_id, photo_url if kind == "photo" else None)
