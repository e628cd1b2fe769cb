"""Near-copy fingerprints that survive filler words and reordering.

A text becomes its *content* tokens (folded, abbreviations expanded, Vietnamese function and filler
words dropped: "thì", "ạ", "nhé" after every third word change nothing), then skip-bigrams (each
token paired with the next `SKIP_WINDOW` ones, in order), which still match when a word is inserted
or clauses are swapped. Containment of those pairs compares a submission with the lesson's own texts;
MinHash over them, cut into LSH bands, lets the application find other learners' near-copies by an
indexed lookup instead of reading every submission (see bot/storage: submission_fingerprints).

Plain Python (blake2b from hashlib and 64 linear permutations): about 0.2 ms for a 150-word text,
so the core stays free of numpy; datasketch would bring numpy for the same few lines.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from scoring.similarity import tokens

SKIP_WINDOW = 3  # a pair skips up to two words: one filler after every word still leaves pairs
NUM_PERM = 64
BANDS = 16  # 16 bands of 4 rows: pairs with Jaccard >= ~0.5 meet in a band with probability > 0.6
ROWS = NUM_PERM // BANDS
_PRIME = (1 << 61) - 1
_MAX = (1 << 32) - 1

# Function words, particles and fillers (folded). They carry no content of the learner's own, and a
# padded copy inserts exactly these.
VI_STOP = frozenset(
    """a a ah a ha nhe nha nhi ha he hen ne nhen day do thi la ma va voi cua cho cac nhung mot
    nay kia ay roi cung con da dang se van vay the thoi nhi nhe u uh um o oi ai chu chang ca
    rang neu khi de vi nen tai boi tu den trong ngoai tren duoi len xuong ra vao lai nua
    rat qua lam hon nhat moi tung duoc bi co khong chua hay hoac nhu nao gi sao bao nhieu
    toi em anh chi ban minh chung ta ho no ong ba co chau
    ok okay uhm hmm thi thoi day ne""".split()
)


def content_tokens(text: str) -> list[str]:
    """The text's folded tokens without Vietnamese function and filler words."""
    return [t for t in tokens(text, "vi") if t not in VI_STOP and not t.isdigit()]


def skipgrams(words: list[str], window: int = SKIP_WINDOW) -> set[tuple[str, str]]:
    return {
        (words[i], words[j])
        for i in range(len(words))
        for j in range(i + 1, min(len(words), i + 1 + window))
    }


@lru_cache(maxsize=2048)
def source_grams(text: str) -> frozenset[tuple[str, str]]:
    """A source's skip-bigrams; cached because each lesson's texts meet every submission."""
    return frozenset(skipgrams(content_tokens(text)))


def copy_share(text: str, source: str, min_grams: int = 8) -> float:
    """Share of the text's content skip-bigrams found in the source (0 for a tiny text)."""
    mine = skipgrams(content_tokens(text))
    if len(mine) < min_grams:
        return 0.0
    return len(mine & source_grams(source)) / len(mine)


def copy_share_grams(mine: set[tuple[str, str]], source: frozenset[tuple[str, str]]) -> float:
    return len(mine & source) / len(mine) if mine else 0.0


# ---- MinHash and LSH bands, for the peer index ----------------------------------------------------


def _permutations() -> tuple[tuple[int, int], ...]:
    out = []
    for i in range(NUM_PERM):
        seed = hashlib.blake2b(f"hocai-minhash-{i}".encode(), digest_size=16).digest()
        a = int.from_bytes(seed[:8], "big") % _PRIME or 1
        b = int.from_bytes(seed[8:], "big") % _PRIME
        out.append((a, b))
    return tuple(out)


_PERMS = _permutations()


def _gram_hash(gram: tuple[str, str]) -> int:
    return int.from_bytes(
        hashlib.blake2b(f"{gram[0]} {gram[1]}".encode(), digest_size=8).digest(), "big"
    )


def minhash(text: str) -> tuple[int, ...]:
    """NUM_PERM minimum hashes of the text's content skip-bigrams; () when there are too few."""
    grams = skipgrams(content_tokens(text))
    if len(grams) < 8:
        return ()
    hashes = [_gram_hash(g) for g in grams]
    return tuple(min(((a * h + b) % _PRIME) & _MAX for h in hashes) for a, b in _PERMS)


def band_hashes(text: str) -> list[int]:
    """One signed 63-bit key per LSH band (the band's number is mixed in), for an indexed lookup."""
    signature = minhash(text)
    if not signature:
        return []
    out = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr((band, rows)).encode(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return out
