"""Reading what people type: times, years, numbered replies and keywords, with or without dấu."""

from __future__ import annotations

import re

from lessons.textnorm import fold, folded_words

_TIME = re.compile(
    r"^(?:luc\s*)?(?P<h>\d{1,2})\s*(?:[:h.]|gio|g)?\s*"
    r"(?:(?P<m>\d{1,2})\s*(?:p|phut)?|(?P<half>ruoi)|kem\s*(?P<kem>\d{1,2})\s*(?:p|phut)?)?"
    r"\s*(?P<ap>sang|trua|chieu|toi|dem|am|pm)?$"
)


def parse_time(text: str) -> str | None:
    """'19:30', '19h30', '7h', '7 giờ tối', '8 pm', '7 rưỡi', '12h trưa', '7 giờ kém 15' ->
    'HH:MM'; None when it is not a clock time."""
    match = _TIME.match(fold(text).rstrip(".!")) if text else None
    if not match:
        return None
    hour = int(match.group("h"))
    minute = int(match.group("m") or 0)
    if match.group("half"):
        minute = 30
    if match.group("kem"):  # "7 giờ kém 15" is a quarter to seven
        hour, minute = hour - 1, 60 - int(match.group("kem"))
        if not (0 < minute < 60 and hour >= 0):
            return None
    period = match.group("ap")
    if period in ("chieu", "toi", "pm") and hour < 12:
        hour += 12
    elif period == "trua" and hour <= 2:  # "1 giờ trưa" is 13:00; "12 giờ trưa" is noon
        hour += 12
    elif period == "dem" and 9 <= hour < 12:  # "10 giờ đêm"; "2 giờ đêm" stays 02:00
        hour += 12
    elif period in ("am", "sang", "dem") and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


_YEAR = re.compile(r"^(?:toi\s+)?(?:sinh\s+)?(?:nam\s+)?(?:sinh\s+)?(\d{4})\s*[.!]?$")


def parse_birth_year(text: str, this_year: int) -> int | None:
    """'1985', 'năm 1962', 'sinh năm 1990' -> the year when it lies between 1900 and this year."""
    digits = _YEAR.match(fold(text or ""))
    if not digits:
        return None
    year = int(digits.group(1))
    return year if 1900 <= year <= this_year else None


# "2", "B", "số 3", "chọn 2", and for quiz letters "đáp án C", "câu B", "phương án A".
_NUMBERED = re.compile(
    r"^\s*(?:(?:so|chon)\s*(?P<n>[0-9]{1,2}|[a-d])|(?:(?:dap an|cau|phuong an|chon)\s*)?"
    r"(?P<x>[0-9]{1,2}|[a-d]))\s*[.)]?\s*$"
)
_LETTER_ONLY = re.compile(r"^\s*(?:dap an|cau|phuong an)\s*[0-9]")


def numbered_choice(text: str) -> int | None:
    """'2', '2.', 'B', 'b)', 'số 3', 'đáp án C', 'cau b' -> a 0-based index; None when the text
    is not such a reply ('câu 2' asks about question 2, so only letters follow 'câu')."""
    folded = fold(text)
    if _LETTER_ONLY.match(folded):
        return None
    match = _NUMBERED.match(folded)
    if not match:
        return None
    token = match.group("n") or match.group("x")
    if token.isdigit():
        return int(token) - 1 if int(token) >= 1 else None
    return "abcd".index(token)


def match_label(text: str, labels: list[list[str]]) -> int | None:
    """The index of the one option whose label (or another name of it) the text gives, without
    regard to diacritics or case: the whole label, or the first words of exactly one label
    ("Nông dân", "nong dan", "can bo" for "Cán bộ, công chức, viên chức"). None otherwise."""
    typed = folded_words(text)
    if not typed:
        return None
    exact: set[int] = set()
    prefix: set[int] = set()
    for index, names in enumerate(labels):
        for name in names:
            words = folded_words(name)
            if words == typed:
                exact.add(index)
            elif words[: len(typed)] == typed:
                prefix.add(index)
    if len(exact) == 1:
        return exact.pop()
    if exact:
        return None
    # A start of a label counts when it says enough: two words, or one word of 4+ letters.
    if len(prefix) == 1 and (len(typed) >= 2 or len(typed[0]) >= 4):
        return prefix.pop()
    return None


# Free-text words that work like commands, in Vietnamese (with or without dấu) and English.
KEYWORDS: dict[str, str] = {
    "hoc": "lesson",
    "bai hoc": "lesson",
    "bai hom nay": "lesson",
    "hoc bai": "lesson",
    "lesson": "lesson",
    "tien do": "progress",
    "diem": "progress",
    "diem cua toi": "progress",
    "progress": "progress",
    "bang xep hang": "leaderboard",
    "xep hang": "leaderboard",
    "bxh": "leaderboard",
    "leaderboard": "leaderboard",
    "tro giup": "help",
    "huong dan": "help",
    "giup": "help",
    "help": "help",
    "cai dat": "settings",
    "settings": "settings",
    "dung": "stop",
    "tam dung": "stop",
    "stop": "stop",
    "bat dau": "start",
    "start": "start",
    # Moving on within the day: the quiz, the next lesson, sending work.
    "lam cau hoi": "quiz",
    "cau hoi": "quiz",
    "trac nghiem": "quiz",
    "bat dau trac nghiem": "quiz",
    "lam trac nghiem": "quiz",
    "quiz": "quiz",
    "hoc tiep": "next",
    "bai tiep": "next",
    "bai tiep theo": "next",
    "hoc bai tiep": "next",
    "hoc them": "next",
    "next": "next",
    "nop bai": "submit",
    "gui bai": "submit",
    "submit": "submit",
    "khieu nai": "appeal",
    "phuc khao": "appeal",
    "cham lai": "appeal",
    "appeal": "appeal",
    "chung nhan": "certificate",
    "giay chung nhan": "certificate",
    "chung chi": "certificate",
    "chung nhan cua toi": "certificate",
    "certificate": "certificate",
    # Roles: a leader's menu; a learner's choice about leaders' reminders; one's roles.
    "quan ly nhom": "group",
    "quan li nhom": "group",
    "nhom cua toi": "group",
    "dung nhac toi": "nonudge",
    "dung nhac": "nonudge",
    "dung nhac nua": "nonudge",
    "dung nhac toi nua": "nonudge",
    "tat nhac": "nonudge",
    "nhac toi": "nudgeon",
    "bat nhac": "nudgeon",
    "bat nhac nho": "nudgeon",
    "vai tro": "roles",
    "vai tro cua toi": "roles",
    "thong bao": "group",
    "gui thong bao": "group",
    "thong bao nhom": "group",
    "thong bao cho nhom": "group",
    "nhac nguoi chua hoc": "group",
    # The web pages' sign-in link (also while joining: `WEB_WORDS`).
    "trang quan ly": "web",
    "trang quan li": "web",
    "quan ly web": "web",
    "dang nhap web": "web",
    "web": "web",
    "manage group": "group",
    "my roles": "roles",
    "remind me": "nudgeon",
    "dont remind me": "nonudge",
    "don t remind me": "nonudge",
    # Badges, streak protection and honours.
    "bao ve chuoi": "freeze",
    "mua bao ve chuoi": "freeze",
    "dong bang chuoi": "freeze",
    "giu chuoi": "freeze",
    "freeze": "freeze",
    "streak freeze": "freeze",
    "vinh danh": "honours",
    "honours": "honours",
    "honors": "honours",
    # Core instructors and mentors: classes, challenges, check-in, mentors, teach-back.
    "lop hoc": "class",
    "lop cua toi": "class",
    "quan ly lop": "class",
    "mo lop": "class",
    "thu thach": "challenge",
    "cuoc thi": "challenge",
    "diem danh": "checkin",
    "nguoi huong dan": "mentor",
    "huong dan ban": "mentor",
    "cham bai ban": "mentor",
    "day lai": "teachback",
    "giang lai": "teachback",
    "teach back": "teachback",
    # The optional ethnicity question (from /settings; asks its own consent first).
    "dan toc": "ethnicity",
    "dan toc cua toi": "ethnicity",
    "ethnicity": "ethnicity",
}


# Keywords answered even before onboarding is over: an official need not be a learner.
ANYTIME_KEYWORDS = frozenset({"web"})


def keyword_command(text: str) -> str | None:
    return KEYWORDS.get(" ".join(folded_words(text)))


# Commands whose keyword may be followed by what the command would take after it ("vinh danh
# PDP 2026Q4", "quan ly nhom T05"): a unit code and a period, a few short words at most.
KEYWORD_ARGS = frozenset({"honours", "group"})
MAX_KEYWORD_ARGS = 3


_CODE_OR_PERIOD = re.compile(r"^(?:[A-Z0-9_-]{2,16}|\d{4}(?:-?[Qq][0-9])?)$")


def keyword_with_args(text: str) -> tuple[str, str] | None:
    """'vinh danh PDP 2026Q4' -> ('honours', 'PDP 2026Q4'); None for anything else. What follows
    must look like unit codes or periods (capitals, digits): "thông báo họp tổ" typed as an
    announcement, or any work or chat, is never taken for a command."""
    words = text.split()
    if len(text) > 80 or len(words) < 2:
        return None
    for cut in range(len(words) - 1, 0, -1):
        rest = words[cut:]
        command = keyword_command(" ".join(words[:cut]))
        if (
            command in KEYWORD_ARGS
            and len(rest) <= MAX_KEYWORD_ARGS
            and all(_CODE_OR_PERIOD.match(w) for w in rest)
        ):
            return command, " ".join(rest)
    return None


def split_command(text: str) -> tuple[str, str] | None:
    """'/start@HocAIBot g_ABC' -> ('start', 'g_ABC'); None when the text is not a command."""
    match = re.match(r"^/([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", text.strip(), re.S)
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()
