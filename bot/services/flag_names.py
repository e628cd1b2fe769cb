"""Grade flags as instructors read them: a Vietnamese phrase per flag, never a raw code."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import Translator, catalog


def flag_name(flag: str, tr: Translator) -> str:
    key = f"review.flag.{flag}"
    # A flag added to the grader before its phrase shows as its code rather than failing.
    return tr(key) if key in catalog("vi") else flag


def flag_names(flags: Iterable[str], tr: Translator) -> str:
    return ", ".join(flag_name(f, tr) for f in flags) or "-"
