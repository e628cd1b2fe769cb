"""Challenges: an instructor writes a task with a rubric, points, a deadline and an audience (a
class, a group or a ward) in the chat (`bot.services.chat.challenges`); the sender announces it
(opt-outs, Zalo's 7-day window and monthly quotas kept); learners' work is graded like practice
work (`tasks`, "ch~<id>"); a leaderboard; at the deadline a scheduled tick closes it, pays each
confirmed entry once through the ledger and announces the results.

This module is what the chat and the scheduler share: who a challenge is for, parsing what an
instructor types, the board, the announcement and results, and the tick with its outbox
(`challenge_sends`)."""

from __future__ import annotations

from bot.services.challenges.audience import audience, for_learner, in_audience
from bot.services.challenges.board import BOARD_ROWS, announcement, board_lines, results, standings
from bot.services.challenges.groups import group_announcement, group_results, queue_group_chats
from bot.services.challenges.text import (
    DEFAULT_HOUR,
    clean,
    find_lesson,
    parse_deadline,
    short,
    split_criteria,
)
from bot.services.challenges.tick import (
    SEND_ATTEMPTS,
    STALE_SEND,
    TickReport,
    close_due,
    send_pending,
    tick,
)

__all__ = [
    "BOARD_ROWS",
    "DEFAULT_HOUR",
    "SEND_ATTEMPTS",
    "STALE_SEND",
    "TickReport",
    "announcement",
    "audience",
    "board_lines",
    "clean",
    "close_due",
    "find_lesson",
    "for_learner",
    "group_announcement",
    "group_results",
    "in_audience",
    "parse_deadline",
    "queue_group_chats",
    "results",
    "send_pending",
    "short",
    "split_criteria",
    "standings",
    "tick",
]
