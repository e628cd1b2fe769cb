"""Zalo Official Account webhook events: the signature, and the events -> `Inbound`.

A body looks like `{"app_id", "sender": {"id"}, "recipient": {"id"}, "event_name", "message":
{"text", "msg_id", "attachments"?}, "timestamp"}`; follow events name the user in `follower`.
The signature header is `X-ZEvent-Signature: mac=<hex sha256(app_id + raw body + timestamp +
OA secret key)>`: plain SHA-256, not an HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Literal

from bot.channels.zalo.fields import obj
from bot.services.io import Inbound, InboundKind
from bot.services.parsing import split_command

CHANNEL = "zalo_oa"
HIDDEN_CHOICE = re.compile(r"^#([a-z]+:[A-Za-z0-9_.:\-]{1,80})$")  # oa.query.hide payloads

_KINDS: dict[str, InboundKind] = {
    "user_send_text": "text",
    "user_send_image": "photo",
    "user_send_sticker": "sticker",
    "user_send_gif": "sticker",
    "user_send_audio": "voice",
    "user_send_video": "video",
    "user_send_location": "location",
    "user_send_file": "document",
    "user_send_business_card": "contact",
    "user_send_link": "text",
}


def signature_ok(
    raw: bytes, body: dict[str, Any], header: str, header_timestamp: str, secret_key: str
) -> bool:
    """Compare in constant time. The timestamp is the body's; the header's is tried too."""
    given = header.strip()
    given = given[4:] if given.lower().startswith("mac=") else given
    app_id = str(body.get("app_id") or "")
    good = False
    for timestamp in {str(body.get("timestamp") or ""), header_timestamp.strip()}:
        digest = hashlib.sha256(
            app_id.encode() + raw + timestamp.encode() + secret_key.encode()
        ).hexdigest()
        good |= hmac.compare_digest(digest, given.lower())
    return good


def user_of(body: dict[str, Any]) -> str:
    for field in ("sender", "follower", "user"):
        value = body.get(field)
        if isinstance(value, dict) and value.get("id"):
            return str(value["id"])
    return str(body.get("user_id") or body.get("user_id_by_app") or "")


def event_key(body: dict[str, Any]) -> str:
    message = obj(body, "message")
    if message.get("msg_id"):
        return str(message["msg_id"])[:128]
    return f"{body.get('event_name')}:{user_of(body)}:{body.get('timestamp')}"[:128]


def _image_url(message: dict[str, Any]) -> str | None:
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict) and isinstance(attachment.get("payload"), dict):
            url = attachment["payload"].get("url")
            if isinstance(url, str) and url:
                return url
    return None


@dataclass(frozen=True)
class OAEvent:
    what: Literal["message", "follow", "unfollow", "withdraw", "ignore"]
    user_id: str = ""
    inbound: Inbound | None = None
    msg_id: str = ""
    photo_url: str | None = None


def parse_event(body: dict[str, Any]) -> OAEvent:
    name = str(body.get("event_name") or "")
    user_id = user_of(body)
    if not user_id:
        return OAEvent("ignore")
    if name == "follow":
        return OAEvent("follow", user_id)
    if name == "unfollow":
        return OAEvent("unfollow", user_id)
    if name == "user_withdraw":
        return OAEvent("withdraw", user_id)
    kind = _KINDS.get(name)
    if kind is None:  # the OA's own messages echoed back, receipts, anonymous chats...
        return OAEvent("ignore", user_id)
    message = obj(body, "message")
    text = str(message.get("text") or "")
    msg_id = str(message.get("msg_id") or "")
    photo_url = _image_url(message) if kind == "photo" else None
    if kind == "photo" and not photo_url:
        kind = "other"
    choice, command, args = "", "", ""
    if kind == "text" and (hidden := HIDDEN_CHOICE.match(text.strip())):
        kind, choice = "choice", hidden.group(1)
    elif kind == "text" and (parsed := split_command(text)):
        kind, (command, args) = "command", parsed
    inbound = Inbound(
        channel=CHANNEL,
        external_id=user_id,
        chat_id=user_id,
        kind=kind,
        text=text,
        command=command,
        args=args,
        choice=choice,
        photo_ref=photo_url,
        update_key=event_key(body),
        language="vi",
    )
    return OAEvent("message", user_id, inbound, msg_id, photo_url)
