"""Remembering which pieces of a long message went out, so that a retry after a 429 sends the
rest and not the beginning again."""

from __future__ import annotations

from bot.services.io import Out


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
