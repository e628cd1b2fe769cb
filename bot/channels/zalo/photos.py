"""Fetching a photo of practice work from the URL Zalo gives, within size and type limits."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

from bot.services.photos import Photo

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
# What the first bytes of an image look like; the Content-Type header alone can lie.
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


class PhotoRejected(Exception):
    """The file is not a photo we take: too big, or not an image."""

    def __init__(self, reason: str) -> None:  # "too_big" | "not_image"
        super().__init__(reason)
        self.reason = reason


def looks_like_image(head: bytes) -> bool:
    if head.startswith(_SIGNATURES):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"avif")


async def fetch_photo(
    http: httpx.AsyncClient, url: str, max_bytes: int = MAX_BYTES, wait_seconds: float = 10.0
) -> Photo | None:
    """The photo's bytes; None when it cannot be fetched now (the URL is still kept for a
    person to look at). Raises `PhotoRejected` for a file that is too big or not an image."""
    if urlsplit(url).scheme not in ("https", "http"):
        raise PhotoRejected("not_image")
    try:
        async with http.stream("GET", url, timeout=wait_seconds, follow_redirects=True) as resp:
            if resp.status_code != 200:
                log.warning("photo fetch answered HTTP %s", resp.status_code)
                return None
            mime = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if not mime.startswith("image/"):
                raise PhotoRejected("not_image")
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise PhotoRejected("too_big")
            content = bytearray()
            async for chunk in resp.aiter_bytes():
                content += chunk
                if len(content) > max_bytes:  # the header may be missing or wrong
                    raise PhotoRejected("too_big")
    except httpx.HTTPError as exc:
        log.warning("photo fetch failed: %s", type(exc).__name__)
        return None
    if not looks_like_image(bytes(content[:16])):
        raise PhotoRejected("not_image")
    return Photo(bytes(content), mime, url)
