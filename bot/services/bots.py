"""Units' own bots: adding, listing and removing their credentials (`hocai bots ...`).

A commune or ward may bring its own Telegram bot (or Zalo OA): its learners then join through
that bot's link, are answered and pushed their lessons through it, and its 30 messages a second
add to the province's. Tokens are sealed by the `Cipher` (HOCAI_SECRET_KEY) and are only ever
shown masked.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass, field

from bot.services.context import utc_now
from bot.services.ports import Store
from bot.services.ports_bots import BotRecord, Cipher

CHANNELS = ("telegram", "zalo_oa")
TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")


class BotError(ValueError):
    """A bot cannot be added or removed; the message says why."""


def token_hash(channel: str, token: str) -> str:
    return hashlib.sha256(f"{channel}\0{token}".encode()).hexdigest()


def pace_key(channel: str, token: str) -> str:
    """The token's name in the shared pace counts: the same in every process, not the token."""
    return f"{channel}:{token_hash(channel, token)[:16]}"


def mask(token: str) -> str:
    """Enough to tell two tokens apart, never enough to use one: '123456:…wxyz'."""
    if len(token) < 12:
        return "…"
    head = token.split(":", 1)[0] + ":" if ":" in token[:16] else token[:4]
    return f"{head}…{token[-4:]}"


@dataclass(frozen=True)
class BotView:
    """A bot as the CLI shows it: the token masked."""

    id: int
    unit_code: str
    channel: str
    name: str
    masked_token: str
    enabled: bool
    learners: int


@dataclass(frozen=True)
class Credentials:
    """An enabled bot with its secrets opened, for the process that runs it."""

    id: int
    unit_id: int
    channel: str
    name: str
    token: str
    webhook_secret: str

    def __repr__(self) -> str:  # never the token in a log line
        return f"Credentials(id={self.id}, channel={self.channel!r}, name={self.name!r})"


@dataclass(frozen=True)
class OACredentials:
    """A unit's Zalo Official Account: stored (sealed) as one JSON text in the token column."""

    app_id: str
    secret_key: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_token: str | None = field(default=None, repr=False)
    webhook_secret_key: str | None = field(default=None, repr=False)

    def to_token(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v})

    @classmethod
    def from_token(cls, token: str) -> OACredentials:
        data = json.loads(token)
        return cls(
            str(data["app_id"]),
            str(data["secret_key"]),
            str(data["refresh_token"]),
            data.get("access_token") or None,
            data.get("webhook_secret_key") or None,
        )


def _identity(channel: str, token: str) -> str:
    """What makes two rows the same bot: a Telegram token; an OA's app id (its refresh token
    changes at every refresh)."""
    if channel == "zalo_oa":
        return OACredentials.from_token(token).app_id
    return token


def check_token(channel: str, token: str) -> str:
    token = token.strip()
    if channel not in CHANNELS:
        raise BotError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    if channel == "telegram" and not TELEGRAM_TOKEN.match(token):
        raise BotError("this does not look like a token from @BotFather (123456:ABC...)")
    if channel == "zalo_oa":
        try:
            creds = OACredentials.from_token(token)
        except (ValueError, KeyError, TypeError) as exc:
            raise BotError("a Zalo OA needs its app id, secret key and refresh token") from exc
        if not (creds.app_id.strip() and creds.secret_key.strip() and creds.refresh_token.strip()):
            raise BotError("a Zalo OA needs its app id, secret key and refresh token")
    if not token:
        raise BotError("the token is empty")
    return token


async def add_bot(
    store: Store, cipher: Cipher, unit_code: str, channel: str, token: str, name: str = ""
) -> tuple[BotRecord, bool]:
    """Store a unit's bot; returns it and whether it is new. The same token again re-enables
    (and re-seals) the existing row instead of adding a second consumer of one token."""
    token = check_token(channel, token)
    digest = token_hash(channel, _identity(channel, token))
    async with store.transaction() as repo:
        unit = await repo.units.unit_by_code(unit_code.strip())
        if unit is None:
            raise BotError(f"unknown unit code: {unit_code}")
        name = (name.strip() or f"{unit.name} ({channel})")[:100]
        existing = await repo.bots.by_token_hash(digest)
        if existing is not None:
            if existing.unit_id != unit.id:
                raise BotError(f"this token already serves another unit (bot {existing.id})")
            await repo.bots.enable(existing.id, name)
            found = await repo.bots.get(existing.id)
            assert found is not None
            return found, False
        record = await repo.bots.add(
            unit.id,
            channel,
            name,
            cipher.seal(token),
            digest,
            cipher.seal(secrets.token_urlsafe(32)),
            utc_now(),
        )
    return record, True


async def list_bots(store: Store, cipher: Cipher, include_disabled: bool = True) -> list[BotView]:
    async with store.transaction() as repo:
        rows = await repo.bots.all(include_disabled=include_disabled)
        counts = {row.id: await repo.bots.learners_of(row.id) for row in rows}
    return [
        BotView(
            row.id,
            row.unit_code,
            row.channel,
            row.name,
            shown(row.channel, cipher.open(row.token)),
            row.enabled,
            counts[row.id],
        )
        for row in rows
    ]


def shown(channel: str, token: str) -> str:
    """How a stored credential is printed: a Telegram token masked; an OA by its app id."""
    if channel == "zalo_oa":
        return f"app {OACredentials.from_token(token).app_id}"
    return mask(token)


async def remove_bot(store: Store, bot_id: int) -> BotRecord:
    """Stop using a bot. The row stays (its learners keep naming it) until the same token is
    added again; a process picks the change up when it restarts."""
    async with store.transaction() as repo:
        found = await repo.bots.get(bot_id)
        if found is None:
            raise BotError(f"no bot {bot_id}")
        await repo.bots.disable(bot_id, utc_now())
    return found


async def enabled_bots(store: Store, cipher: Cipher, channel: str) -> list[Credentials]:
    async with store.transaction() as repo:
        rows = await repo.bots.all()
    return [
        Credentials(
            r.id, r.unit_id, r.channel, r.name, cipher.open(r.token), cipher.open(r.webhook_secret)
        )
        for r in rows
        if r.channel == channel
    ]


async def bots_on(store: Store, channel: str) -> bool:
    """Whether any enabled unit bot of this channel is stored (to start the channel at all)."""
    async with store.transaction() as repo:
        return any(r.channel == channel for r in await repo.bots.all())
