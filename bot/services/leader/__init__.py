"""The group leader's tools in the chat ("quản lý nhóm", /group): today's roster, the group's
rank among its siblings, people to reach in person, a one-tap nudge and announcements.

A leader sees members by display name only (the nickname when they chose to hide their name),
never a birth year or a contact. Every action is checked with `permissions.can` on the unit it
names, so a tapped button carrying another group's id gets the same refusal as a typed code."""

from __future__ import annotations

from bot.services.leader.announce import (
    ANNOUNCE_PER_DAY,
    MAX_ANNOUNCE,
    STEP,
    announcement_text,
    clean_announcement,
    send_announcement,
    start_announcement,
    step_unit,
)
from bot.services.leader.menu import choice, group_command, menu
from bot.services.leader.nudge import nudge, nudge_key, nudge_message, set_reminders
from bot.services.leader.roster import (
    ACTIVE_WINDOW,
    HISTORY,
    IDLE_DAYS,
    ROSTER_ROWS,
    Roster,
    RosterRow,
    rank_line,
    reach_text,
    roster,
    roster_text,
)

__all__ = [
    "ACTIVE_WINDOW",
    "ANNOUNCE_PER_DAY",
    "HISTORY",
    "IDLE_DAYS",
    "MAX_ANNOUNCE",
    "ROSTER_ROWS",
    "STEP",
    "Roster",
    "RosterRow",
    "announcement_text",
    "choice",
    "clean_announcement",
    "group_command",
    "menu",
    "nudge",
    "nudge_key",
    "nudge_message",
    "rank_line",
    "reach_text",
    "roster",
    "roster_text",
    "send_announcement",
    "set_reminders",
    "start_announcement",
    "step_unit",
]
