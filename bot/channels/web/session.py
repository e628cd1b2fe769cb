"""The web pages' session cookie: sealed (encrypted and authenticated, Fernet) so that nobody can
read or forge it, and naming only a session row and that session's CSRF token. What the session
may see is never in the cookie: the pages read the person's roles on every request.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.services.web_access import Viewer

COOKIE = "hocai_web"
MAX_COOKIE = 1024  # a sealed cookie is ~200 characters; anything far longer is not ours


@dataclass(frozen=True)
class SessionCookie:
    session_id: int
    csrf: str


class Sealer:
    """Seals and opens the cookie with a key derived from the configured secret."""

    def __init__(self, secret: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"hocai web session", info=b"cookie"
        ).derive(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    @classmethod
    def for_secret(cls, secret: str | None) -> Sealer:
        """None: a key that lives as long as this process (local use only; `Settings` refuses
        an https address without a secret)."""
        return cls(secret.encode() if secret else secrets.token_bytes(32))

    def seal(self, session_id: int) -> tuple[str, SessionCookie]:
        cookie = SessionCookie(session_id, secrets.token_urlsafe(24))
        body = json.dumps({"s": cookie.session_id, "c": cookie.csrf}).encode()
        return self._fernet.encrypt(body).decode(), cookie

    def open(self, value: str | None, max_age_seconds: int) -> SessionCookie | None:
        """The cookie's content; None when missing, tampered with, forged or too old."""
        if not value or len(value) > MAX_COOKIE:
            return None
        try:
            body = json.loads(self._fernet.decrypt(value.encode(), ttl=max_age_seconds))
        except (InvalidToken, ValueError, TypeError):
            return None
        if not isinstance(body, dict):
            return None
        session_id, csrf = body.get("s"), body.get("c")
        if not isinstance(session_id, int) or not isinstance(csrf, str) or not csrf:
            return None
        return SessionCookie(session_id, csrf)


VIEWER = web.RequestKey("viewer", Viewer)  # who is signed in, read on every request
SESSION = web.RequestKey("session", SessionCookie)


def csrf_ok(cookie: SessionCookie, sent: object) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(cookie.csrf.encode(), sent.encode())


def same_origin(request: web.Request) -> bool:
    """A browser's Origin, when it sends one, must be this site: a second line after the CSRF
    token (and the only one for the sign-in button, which has no session yet)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":  # an older browser, or a privacy setting
        return True
    return urlsplit(origin).netloc == request.host
