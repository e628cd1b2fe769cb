"""Streaks count calendar days with activity, in the learner's own time zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def current_streak(active_days: Iterable[date], today: date) -> int:
    """Consecutive active days ending today, or yesterday (a streak survives until the day ends)."""
    days = set(active_days)
    start = today if today in days else today - timedelta(days=1)
    streak = 0
    while start - timedelta(days=streak) in days:
        streak += 1
    return streak


def longest_streak(active_days: Iterable[date]) -> int:
    days = sorted(set(active_days))
    best = run = 0
    for i, day in enumerate(days):
        run = run + 1 if i and day - days[i - 1] == timedelta(days=1) else 1
        best = max(best, run)
    return best
