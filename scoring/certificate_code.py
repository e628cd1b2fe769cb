"""Certificate codes: unguessable, easy to read aloud and type from paper, with a check symbol.

14 random symbols from a 31-symbol alphabet carry 69 bits (more than the 64 a guesser would have to
beat), then one check symbol: a weighted sum modulo 31 (a prime), which catches every single wrong
symbol and every swap of two neighbours before the database is asked. The alphabet has no 0/O,
1/I/L: nothing on paper looks like something else.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY = 14
LENGTH = BODY + 1
GROUP = 5
MAX_INPUT = 64  # anything longer is refused before it is looked at
_SEPARATORS = re.compile(r"[\s\-.·_]+")


def _check(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh code, canonical form (no separators): 15 symbols."""
    body = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(BODY))
    return body + _check(body)


def parse(text: str) -> str | None:
    """The canonical code a person typed or scanned ('abcde-fghjk-mnpqr', spaces, dots), or None
    when it is too long, has a symbol outside the alphabet, or its check symbol is wrong."""
    if not text or len(text) > MAX_INPUT:
        return None
    code = _SEPARATORS.sub("", text).upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code if _check(code[:BODY]) == code[BODY] else None


def shown(code: str) -> str:
    """'ABCDEFGHJKMNPQR' -> 'ABCDE-FGHJK-MNPQR', as printed and in the verification address."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
