"""Assert on message keys, not on sentences: `says(out, "appeal.sent")` is true when the text
holds that key's Vietnamese sentence, whatever fills its placeholders.

A test that checks which message a learner got reads the sentence from bot/locales/vi.yaml, so
editing a sentence there does not break a specification; the test still fails when the message
is missing or another one is sent. Where the wording itself is the point (diacritics, a name on
a certificate, a refusal whose text is specified), tests keep the literal text.
"""

from __future__ import annotations

import re
from functools import cache
from string import Formatter

from bot.i18n import catalog
from bot.services.io import Out


@cache
def pattern(key: str, language: str = "vi") -> re.Pattern[str]:
    """The key's sentence with every placeholder as "anything" (shortest)."""
    parts = []
    for literal, field, _spec, _conversion in Formatter().parse(catalog(language)[key]):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".*?")
    return re.compile("".join(parts), re.DOTALL)


def _text(where: object) -> str:
    if isinstance(where, str):
        return where
    if isinstance(where, Out):
        return f"{where.title}\n{where.text}"
    if isinstance(where, list | tuple) and all(isinstance(m, Out) for m in where):
        return "\n".join(f"{m.title}\n{m.text}" for m in where)
    raise TypeError(f"says() reads text, an Out or a list of Out, not {type(where).__name__}")


def says(where: object, key: str, language: str = "vi") -> bool:
    """Whether `where` (text, an `Out`, or a list of them) holds the sentence of `key`."""
    return pattern(key, language).search(_text(where)) is not None


def keys_in(where: object, language: str = "vi") -> set[str]:
    """Every key whose sentence `where` holds (for a failing assertion's message)."""
    text = _text(where)
    return {k for k in catalog(language) if pattern(k, language).search(text)}
