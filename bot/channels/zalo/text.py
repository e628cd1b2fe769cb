"""Rendering `Out` as Zalo text: at most 2,000 characters a message, choices as numbered lines.

Zalo counts the text's length; we count UTF-16 code units (an emoji is two), which is never less
than what a platform counting code points or characters sees.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.i18n import Translator
from bot.services.io import Option, Out

MAX_TEXT = 2000
QUIZ_LABEL_MAX = 3  # "A".."D": the question text already lists what each letter means
MAX_FILE_PIECES = 3

# Paired marks of Markdown-like formatting; single * and _ also occur in ordinary text.
_PAIRED_MARKS = ("**", "__", "~~", "`")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*>")
_SEPARATORS = ("\n\n", "\n", ". ", " ")


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The longest prefix (in characters) that is at most `limit` UTF-16 units long."""
    total = 0
    for i, ch in enumerate(text):
        total += 2 if ord(ch) > 0xFFFF else 1
        if total > limit:
            return i
    return len(text)


def _inside_tag(prefix: str) -> bool:
    return prefix.rfind("<") > prefix.rfind(">")


def _balanced(prefix: str) -> bool:
    """No formatting span is left open: every paired mark and HTML tag is closed."""
    if _inside_tag(prefix):
        return False
    for mark in _PAIRED_MARKS:
        rest = prefix.replace("```", "") if mark == "`" else prefix
        if rest.count(mark) % 2:
            return False
    depth: dict[str, int] = {}
    for closing, name in _TAG.findall(prefix):
        depth[name.lower()] = depth.get(name.lower(), 0) + (-1 if closing else 1)
    return all(v <= 0 for v in depth.values())


def _grapheme_cut(text: str, at: int) -> int:
    """Move a hard cut back so that it never separates a letter from its combining marks, a
    variation selector or a zero-width joiner sequence."""
    while at > 1 and (
        unicodedata.category(text[at])[0] == "M"
        or text[at] in "\u200d\ufe0f\ufe0e"
        or text[at - 1] == "\u200d"
    ):
        at -= 1
    return at


def _cut_point(text: str, limit: int) -> int:
    window = _fit(text, limit)
    floor = window // 3  # never leave a piece so short it reads as a fragment
    for check in (_balanced, lambda p: not _inside_tag(p)):
        for sep in _SEPARATORS:
            at = text.rfind(sep, 0, window)
            while at > floor:
                cut = at + (1 if sep == ". " else 0)
                if check(text[:cut]):
                    return cut
                at = text.rfind(sep, 0, at)
    return _grapheme_cut(text, window)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` units, cut at a paragraph, line, sentence or word, never inside
    a word or a formatting mark; nothing is lost but the whitespace at the cuts."""
    pieces: list[str] = []
    rest = text.strip()
    while units(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def is_quiz(options: tuple[Option, ...]) -> bool:
    return bool(options) and all(len(o.label) <= QUIZ_LABEL_MAX for o in options)


def choices_text(options: tuple[Option, ...], tr: Translator) -> str:
    """Choices a learner answers by typing: letters for a quiz, numbered lines otherwise."""
    if not options:
        return ""
    if is_quiz(options):
        return tr("zalo.reply_letters", letters=", ".join(o.label for o in options))
    lines = [f"{i}. {o.label}" for i, o in enumerate(options, start=1)]
    return "\n".join(lines) + "\n" + tr("zalo.reply_numbers")


def body(message: Out) -> str:
    title = f"【{message.title}】\n" if message.title else ""
    return title + message.text


def is_text_file(mime: str) -> bool:
    return mime.startswith("text/") or mime in ("application/json", "application/csv")


def file_text(message: Out, tr: Translator, limit: int = MAX_TEXT) -> list[str]:
    """Neither Zalo API here sends files: the file's text follows, cut to a few messages. A
    document that is not text (a certificate's PDF) is named instead; its picture, when it has
    a public address, is sent by the channel after these pieces."""
    assert message.file is not None
    if not is_text_file(message.file.mime):
        if message.file.picture_url or message.file.mime.startswith("image/"):
            # Sent by its address after these pieces; or a picture with no address (a session's
            # QR code), whose message says what it shows in words.
            return split_text(body(message), limit)
        return split_text(
            f"{body(message)}\n\n{tr('zalo.file_link', name=message.file.name)}", limit
        )
    content = message.file.content.decode("utf-8", errors="replace")
    head = split_text(f"{body(message)}\n\n{tr('zalo.file_as_text')}", limit)
    pieces = split_text(content, limit)
    if len(pieces) > MAX_FILE_PIECES:
        pieces = [*pieces[:MAX_FILE_PIECES], tr("zalo.file_cut")]
    return head + pieces


@dataclass(frozen=True)
class Rendered:
    pieces: list[str]
    buttons: tuple[Option, ...] = ()  # for the last piece, where the platform has buttons


def render(message: Out, tr: Translator, buttons_up_to: int = 0, limit: int = MAX_TEXT) -> Rendered:
    """Text pieces for one `Out`; choices become buttons when there are few enough of them
    (`buttons_up_to`; 0 on the Bot Platform, which has none), else typed numbers or letters."""
    if message.file is not None:
        return Rendered(file_text(message, tr, limit))
    text = body(message)
    options = message.options
    if options and len(options) <= buttons_up_to:
        return Rendered(split_text(text, limit), options)
    if options and not message.remember_options:
        # A typed "1" answers the remembered choices (the quiz), not these: the text itself says
        # what to type for them (as the console does).
        return Rendered(split_text(text, limit))
    if options:
        text = f"{text}\n\n{choices_text(options, tr)}"
    return Rendered(split_text(text, limit))
