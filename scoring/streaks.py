"""Streaks count calendar days with activity, in the learner's own time zone.

A streak freeze (bought with points, scoring/badges.py) covers one missed day: a frozen day keeps
the streak going without adding to it, as Duolingo's freeze does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

DAY = timedelta(days=1)


def current_streak(
    active_days: Iterable[date], today: date, frozen_days: Iterable[date] = ()
) -> int:
    """Consecutive active days ending today, or yesterday (a streak survives until the day ends).

    Frozen days bridge a gap and count nothing themselves."""
    days, frozen = set(active_days), set(frozen_days) - set(active_days)
    day = today if today in days or today in frozen else today - DAY
    streak = 0
    while day in days or day in frozen:
        streak += day in days
        day -= DAY
    return streak


def longest_streak(active_days: Iterable[date], frozen_days: Iterable[date] = ()) -> int:
    days = set(active_days)
    covered = sorted(days | set(frozen_days))
    best = run = 0
    for i, day in enumerate(covered):
        if not i or day - covered[i - 1] != DAY:
            run = 0
        run += day in days
        best = max(best, run)
    return best


def freezes_to_use(
    active_days: Iterable[date], frozen_days: Iterable[date], today: date, held: int
) -> list[date]:
    """The missed days to cover with freezes now: every day between the last covered day and
    today, when the learner holds enough freezes for all of them (one freeze, one day). A gap
    the freezes cannot close breaks the streak anyway, so then none is spent."""
    covered = {d for d in (*active_days, *frozen_days) if d < today}
    if not covered or held <= 0:
        return []
    last = max(covered)
    missed = [last + DAY * n for n in range(1, (today - last).days)]
    return missed if len(missed) <= held else []
