"""What an instructor types for a challenge: cleaned text, a deadline, a lesson, criteria."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.services.parsing import parse_time
from lessons.model import Curriculum
from lessons.textnorm import fold, strip_invisible

DEFAULT_HOUR = time(21, 0)  # a deadline typed without a time
_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?")
_LESSON_NO = re.compile(r"^\s*(?:bai\s*)?(\d)\s*[.,/-]\s*(\d{1,2})\s*$")


def clean(text: str) -> str:
    """The text as typed, without hidden characters and with tidy spaces on each line."""
    lines = [" ".join(line.split()) for line in strip_invisible(text or "").splitlines()]
    return "\n".join(line for line in lines if line).strip()


def short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_deadline(text: str, now: datetime, zone: str) -> datetime | None:
    """'25/11 20:00', '25/11/2026 20h', '20h 25-11', 'ngày 25/11' (21:00) -> an aware time."""
    folded = fold(text)
    match = _DATE.search(folded)
    if not match:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    tz = ZoneInfo(zone)
    year = now.astimezone(tz).year
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    rest = folded[: match.start()] + " " + folded[match.end() :]
    rest = re.sub(r"\b(ngay|luc|han|nop|truoc|vao|hoi)\b", " ", rest).strip(" ,.")
    hhmm = parse_time(rest) if rest else None
    if rest and hhmm is None:
        return None
    at_time = time(int(hhmm[:2]), int(hhmm[3:])) if hhmm else DEFAULT_HOUR  # "HH:MM"
    try:
        return datetime(year, month, day, at_time.hour, at_time.minute, tzinfo=tz)
    except ValueError:
        return None


def find_lesson(curriculum: Curriculum, text: str) -> str | None:
    """'1.3', 'bài 1.3', '1-3' (level 1, lesson 3) or a lesson id -> the lesson id."""
    typed = text.strip().lower()
    if curriculum.by_id(typed) is not None:
        return typed
    match = _LESSON_NO.match(fold(text))
    if not match:
        return None
    level, number = int(match.group(1)), int(match.group(2))
    lessons = curriculum.of_level(level)
    return lessons[number - 1].id if 1 <= number <= len(lessons) else None


def split_criteria(text: str) -> list[str]:
    parts = re.split(r"[\n;]+", text)
    return [re.sub(r"^\s*(?:[-•*]|\d+[.)])\s*", "", p).strip() for p in parts if p.strip()]
