"""Remembering which pieces of a long message went out, so that a retry after a 429 sends the
rest and not the beginning again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.channels.zalo.errors import (
    ZaloApiError,
    ZaloAuthError,
    ZaloNetworkError,
    ZaloOutsideWindow,
    ZaloRateLimited,
    ZaloRecipientGone,
)
from bot.services import reach
from bot.services.io import Out, RateLimited, SendError, TemporaryFailure, Unreachable

Piece = TypeVar("Piece")


class PieceProgress:
    def __init__(self) -> None:
        self._sent: dict[tuple[str, int], int] = {}

    def start(self, chat_id: str, message: Out) -> int:
        """How many pieces of this message (this very object) already went to this chat."""
        return self._sent.get((chat_id, id(message)), 0)

    def sent(self, chat_id: str, message: Out, count: int) -> None:
        self._sent[(chat_id, id(message))] = count

    def done(self, chat_id: str, message: Out) -> None:
        self._sent.pop((chat_id, id(message)), None)


async def send_pieces(
    progress: PieceProgress,
    chat_id: str,
    message: Out,
    pieces: Sequence[Piece],
    send_one: Callable[[Piece], Awaitable[None]],
) -> None:
    """Send the pieces not yet sent, in order, turning Zalo's errors into the sender's terms.

    After a 429 the progress is kept, so the sender's retry sends only the rest; any other end
    forgets it."""
    done = progress.start(chat_id, message)
    try:
        for piece in pieces[done:]:
            await send_one(piece)
            done += 1
            progress.sent(chat_id, message, done)
    except ZaloRateLimited as exc:
        raise RateLimited(exc.retry_after, str(exc)) from exc
    except ZaloApiError as exc:
        progress.done(chat_id, message)
        raise _translated(exc) from exc
    except ZaloNetworkError as exc:
        progress.done(chat_id, message)
        raise TemporaryFailure(str(exc)) from exc
    progress.done(chat_id, message)


def _translated(exc: ZaloApiError) -> Exception:
    if isinstance(exc, ZaloOutsideWindow):
        return reach.OutsideWindow(str(exc))  # not blocked: reachable again when they write
    if isinstance(exc, ZaloRecipientGone):
        return Unreachable(str(exc))
    if isinstance(exc, ZaloAuthError):
        return SendError(f"Zalo refused the token: {exc}")
    return SendError(str(exc))
