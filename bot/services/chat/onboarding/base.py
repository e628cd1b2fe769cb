"""What the onboarding steps share: the choices offered (occupations, lesson times), the limits,
the shape of a step, and the small text helpers (a join code, a name, a time key)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.services import buttons
from bot.services.chat.turn import Turn
from bot.services.io import Option, Out
from lessons.textnorm import folded_words, strip_invisible

OCCUPATIONS: tuple[buttons.OccupationName, ...] = (
    "official",
    "business",
    "worker",
    "farmer",
    "student",
    "other",
)
LESSON_TIMES = ("06:30", "12:00", "19:00", "20:30")
MAX_NAME = 40
TARGET_AGES = (15, 60)
MENTOR_LINK_PREFIX = "m_"  # a mentor's invite link: start=m_<code> (bot.services.chat.mentoring)


@dataclass(frozen=True)
class Step:
    name: str
    ask: Callable[[Turn], list[Out]]
    on_text: Callable[[Turn, str], Awaitable[list[Out]]]  # the typed answer, cleaned


def time_options(pick: Callable[[str], buttons.Button]) -> tuple[Option, ...]:
    """The usual lesson times as buttons; `pick` makes a time's button ("0630" -> its key)."""
    return tuple(pick(t.replace(":", "")).as_option(t) for t in LESSON_TIMES)


def join_code(text: str) -> str:
    """'g_AB12CD', 'AB12CD', ' ab12cd ' -> 'AB12CD'; junk -> ''."""
    token = text.strip().split()[0] if text.strip() else ""
    if token.lower().startswith("g_"):
        token = token[2:]
    return token.upper() if re.fullmatch(r"[A-Za-z0-9]{4,16}", token) else ""


def clean_name(text: str) -> str:
    name = " ".join(strip_invisible(text or "").split())
    if not name or len(name) > MAX_NAME or not folded_words(name):
        return ""
    return re.sub(r"[<>&]", "", name)


def key_time(compact: str) -> str:
    """'0630' (a button's time) -> '06:30'."""
    return f"{compact[:2]}:{compact[2:]}" if len(compact) == 4 and compact.isdigit() else compact
