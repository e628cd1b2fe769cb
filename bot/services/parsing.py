"""Reading what people type: times, years, numbered replies and keywords, with or without dấu."""

from __future__ import annotations

import re

from lessons.textnorm import fold, folded_words

_TIME = re.compile(
    r"^(?P<h>\d{1,2})\s*(?:[:h.]|gio|g)\s*(?P<m>\d{1,2})?\s*(?:p|phut)?\s*(?P<ap>sang|chieu|toi|am|pm)?$"
)
_HOUR_ONLY = re.compile(r"^(?P<h>\d{1,2})\s*(?P<ap>sang|chieu|toi|am|pm)?$")


def parse_time(text: str) -> str | None:
    """'19:30', '19h30', '7h', '7 giờ tối', '8 pm' -> 'HH:MM'; None when it is not a clock time."""
    folded = fold(text).replace(" ", "") if text else ""
    folded = re.sub(r"(gio|h)$", "h", folded)
    match = _TIME.match(folded) or _HOUR_ONLY.match(folded)
    if not match:
        spaced = fold(text)
        match = _TIME.match(spaced) or _HOUR_ONLY.match(spaced)
        if not match:
            return None
    hour = int(match.group("h"))
    minute = int(match.groupdict().get("m") or 0)
    period = match.groupdict().get("ap")
    if period in ("chieu", "toi", "pm") and hour < 12:
        hour += 12
    if period == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_birth_year(text: str, this_year: int) -> int | None:
    """A four-digit year between 1900 and this year; anything else is None."""
    digits = re.fullmatch(r"\s*(\d{4})\s*", text or "")
    if not digits:
        return None
    year = int(digits.group(1))
    return year if 1900 <= year <= this_year else None


_NUMBERED = re.compile(r"^\s*(?:so\s*)?([0-9]{1,2}|[a-d])\s*[.)]?\s*$")


def numbered_choice(text: str) -> int | None:
    """'2', '2.', 'B', 'b)', 'số 3' -> a 0-based index; None when the text is not such a reply."""
    match = _NUMBERED.match(fold(text))
    if not match:
        return None
    token = match.group(1)
    if token.isdigit():
        return int(token) - 1 if int(token) >= 1 else None
    return "abcd".index(token)


# Free-text words that work like commands, in Vietnamese (with or without dấu) and English.
KEYWORDS: dict[str, str] = {
    "hoc": "lesson", "bai hoc": "lesson", "bai hom nay": "lesson", "hoc bai": "lesson",
    "lesson": "lesson",
    "tien do": "progress", "diem": "progress", "diem cua toi": "progress", "progress": "progress",
    "bang xep hang": "leaderboard", "xep hang": "leaderboard", "bxh": "leaderboard",
    "leaderboard": "leaderboard",
    "tro giup": "help", "huong dan": "help", "giup": "help", "help": "help",
    "cai dat": "settings", "settings": "settings",
    "dung": "stop", "tam dung": "stop", "stop": "stop",
    "bat dau": "start", "start": "start",
    "khieu nai": "appeal", "phuc khao": "appeal", "cham lai": "appeal", "appeal": "appeal",
}


def keyword_command(text: str) -> str | None:
    return KEYWORDS.get(" ".join(folded_words(text)))


def split_command(text: str) -> tuple[str, str] | None:
    """'/start@HocAIBot g_ABC' -> ('start', 'g_ABC'); None when the text is not a command."""
    match = re.match(r"^/([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", text.strip(), re.S)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()
