"""Sealing bot tokens for the database with Fernet (AES with an HMAC), keyed by HOCAI_SECRET_KEY.

Without a key a token is stored as given (the CLI warns); with one, every new token is sealed and
a stored plain token still opens, so a key can be introduced later (`hocai bots add` again with
the same token seals it). A sealed token without the key fails loudly, never silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken

if TYPE_CHECKING:
    from bot.config import Settings

PREFIX = "fernet:"


class SecretKeyError(ValueError):
    """A sealed secret cannot be opened: HOCAI_SECRET_KEY is missing or is not the one used."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def valid_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


class FernetCipher:
    """The `Cipher` port."""

    def __init__(self, key: str | None) -> None:
        self._fernet = Fernet(key.encode()) if key else None

    @property
    def sealing(self) -> bool:
        return self._fernet is not None

    def seal(self, secret: str) -> str:
        if self._fernet is None:
            return secret
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        if self._fernet is None:
            raise SecretKeyError(
                "a bot token is sealed: set HOCAI_SECRET_KEY to the key it was sealed with"
            )
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyError("HOCAI_SECRET_KEY does not open the stored bot tokens") from exc


def cipher_for(settings: Settings) -> FernetCipher:
    key = settings.secret_key
    return FernetCipher(key.get_secret_value().strip() if key is not None else None)
