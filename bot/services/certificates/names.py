"""The printed name on a certificate: what a learner may type, checked kindly."""

from __future__ import annotations

import unicodedata
from typing import Literal

from bot.services.io import clean_text
from lessons.textnorm import strip_invisible

MAX_FULL_NAME = 60

NameProblem = Literal["", "empty", "no_letters", "symbols", "too_long", "one_word"]
_NAME_PUNCTUATION = frozenset(" -'.’")


def full_name(text: str) -> tuple[str, NameProblem]:
    """The name as it will be printed, or why it cannot be: Latin letters with their Vietnamese
    marks (kept, normalised to NFC), spaces, hyphens and apostrophes; at least two words."""
    name = unicodedata.normalize("NFC", strip_invisible(clean_text(text or "")))
    name = " ".join(name.split())
    if not name:
        return "", "empty"
    if not any(ch.isalpha() for ch in name):
        return "", "no_letters"  # emoji only, digits only, punctuation only
    for ch in name:
        if ch.isalpha() and "LATIN" in unicodedata.name(ch, ""):
            continue
        if ch not in _NAME_PUNCTUATION:
            return "", "symbols"  # an emoji, a digit or a script the certificate's font lacks
    if len(name) > MAX_FULL_NAME:
        return "", "too_long"
    if len(name.split()) < 2:
        return "", "one_word"
    # "nguyễn thị hoa", "Trần văn an": each word starts with a capital; "NGUYỄN" stays as typed.
    name = " ".join(
        "-".join(p[:1].upper() + p[1:] if p == p.lower() else p for p in word.split("-"))
        for word in name.split()
    )
    return name, ""


def may_be_name(text: str) -> bool:
    """Short enough to be a name typed when asked for one; longer text is work or chat, and is
    answered as such (the learner is never stuck in the naming step)."""
    return len(text) <= 2 * MAX_FULL_NAME and len(text.split()) <= 10
