"""Challenges in linked group chats: the announcement and results queued for each chat."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services import outbox
from bot.services.challenges.board import board_lines
from bot.services.challenges.text import short
from bot.services.context import Deps
from bot.services.io import Out
from bot.services.ports import UnitOfWork, UnitRecord
from bot.services.ports.challenges import ChallengeRecord, EntryRecord, SendKind


def group_announcement(
    challenge: ChallengeRecord, unit: UnitRecord | None, author: str, zone: str, tr: Translator
) -> Out:
    """The announcement as a group chat sees it: no button (work is sent in a private chat)."""
    return Out(
        title=tr("challenge.announce_title", id=challenge.id),
        text=tr(
            "challenge.group_announce",
            author=author,
            unit=unit.name if unit else "",
            text=challenge.text,
            points=challenge.points,
            deadline=challenge.deadline.astimezone(ZoneInfo(zone)).strftime("%H:%M %d/%m/%Y"),
        ),
    )


def group_results(challenge: ChallengeRecord, entries: list[EntryRecord], tr: Translator) -> Out:
    """The results as a group chat sees them: the board (display names only), nobody's own line."""
    text = (
        f"{short(challenge.text, 160)}\n\n"
        + "\n".join(board_lines(entries, tr, None))
        + "\n\n"
        + tr("challenge.group_results", entries=len(entries))
    )
    return Out(title=tr("challenge.results_title", id=challenge.id), text=text)


async def queue_group_chats(
    deps: Deps,
    repo: UnitOfWork,
    challenge: ChallengeRecord,
    kind: SendKind,
    entries: list[EntryRecord] | None = None,
) -> int:
    """A Telegram group chat linked to a unit of the audience gets the announcement and the
    results too. They go through the leaders' outbox, which paces posts into one group to
    Telegram's ~20 a minute and sends through the same sender; the key (challenge, kind, chat)
    makes each post once, whatever restarts or a second worker do. How many were new."""
    chats = await repo.leader.chats_under(challenge.unit_id)
    if not chats:
        return 0
    tr = Translator("vi")  # a group chat has no language of its own: the province's
    if kind == SendKind.ANNOUNCE:
        unit = await repo.units.unit(challenge.unit_id)
        author = await repo.learners.learner(challenge.created_by) if challenge.created_by else None
        message = group_announcement(
            challenge, unit, author.public_name if author else "", deps.timezone, tr
        )
    else:
        if entries is None:
            entries = await repo.challenges.entries(challenge.id)
        message = group_results(challenge, entries, tr)
    rows = [
        outbox.to_chat(
            f"challenge:{challenge.id}:{kind}:chat:{channel}:{chat_id}",
            "challenge",
            channel,
            chat_id,
            message,
        )
        for channel, chat_id in dict.fromkeys(chats)
    ]
    return await repo.leader.enqueue(rows, deps.now())
