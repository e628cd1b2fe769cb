"""What can go wrong talking to Zalo, translated into the sender's terms at the outbound edge.

ZaloError
├── ZaloNetworkError        transport trouble, timeouts, HTTP 5xx: try again later
└── ZaloApiError            Zalo answered with an error (HTTP status or `ok`/`error` field)
    ├── ZaloAuthError       bad bot token, or an OA access token that is expired or revoked
    ├── ZaloRateLimited     HTTP 429 (Bot Platform quota), OA -32 (per-minute limit)
    ├── ZaloRecipientGone   blocked, unknown chat, not a follower (-213), inactive (-227)
    └── ZaloOutsideWindow   OA -230: no interaction in the last 7 days
"""

from __future__ import annotations


class ZaloError(Exception):
    """Any failure talking to Zalo."""


class ZaloNetworkError(ZaloError):
    """No usable answer: connection, timeout or a server error. Worth another try."""


class ZaloApiError(ZaloError):
    def __init__(self, code: int, description: str = "", status: int = 200) -> None:
        super().__init__(f"Zalo error {code}: {description}".strip())
        self.code, self.description, self.status = code, description, status


class ZaloAuthError(ZaloApiError):
    """The token was refused; a bot token needs fixing, an OA token needs refreshing."""


class ZaloRateLimited(ZaloApiError):
    def __init__(
        self, code: int, description: str = "", status: int = 200, retry_after: float = 30.0
    ) -> None:
        super().__init__(code, description, status)
        self.retry_after = retry_after


class ZaloRecipientGone(ZaloApiError):
    """This user cannot be messaged on this channel until they come back."""


class ZaloOutsideWindow(ZaloRecipientGone):
    """The OA may not message this user now; they become reachable when they write."""
