"""Text matching for the rules grader: normalised tokens, keyword phrases, copies, cosine similarity.

Vietnamese is matched on folded syllables (no diacritics, đ -> d) with common chat abbreviations
expanded; English is matched on light stems. Plain Python: the core stays free of numpy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from lessons.textnorm import accent_signature, fold, folded_words, strip_invisible, words

Language = Literal["vi", "en"]

# What learners type on a phone keyboard for a whole word, as folded tokens. Only forms that mean one
# thing in a practice submission ("k" alone is "không" in chat; "5k" stays one token). Ambiguous ones
# are left out: "hong" is also "hồng", "dt" also "diện tích".
VI_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "ko": ("khong",),
    "k": ("khong",),
    "kh": ("khong",),
    "khg": ("khong",),
    "hok": ("khong",),
    "dc": ("duoc",),
    "dk": ("duoc",),
    "vs": ("voi",),
    "ng": ("nguoi",),
    "bn": ("ban",),
    "mk": ("minh",),
    "mn": ("moi", "nguoi"),
    "j": ("gi",),
    "r": ("roi",),
    "cx": ("cung",),
    "ntn": ("nhu", "the", "nao"),
    "sdt": ("so", "dien", "thoai"),
    "ubnd": ("uy", "ban", "nhan", "dan"),
    "htx": ("hop", "tac", "xa"),
    "tdp": ("to", "dan", "pho"),
    "hs": ("hoc", "sinh"),
    "gv": ("giao", "vien"),
    "sp": ("san", "pham"),
    "bc": ("bao", "cao"),
}
_ABBREVIATED = frozenset(VI_ABBREVIATIONS)

# Words that count for each other when a rubric keyword is matched (folded forms). Lesson authors list
# synonyms in the rubric; this table only adds spellings a learner would use for the same thing.
VI_SYNONYMS: dict[str, tuple[str, ...]] = {
    "prompt": ("cau lenh", "lenh"),
    "cau lenh": ("prompt",),
    "tri tue nhan tao": ("ai",),
    "ai": ("tri tue nhan tao",),
    "hinh anh": ("buc anh", "tam anh", "buc hinh", "tam hinh"),
    "video": ("clip", "doan phim"),
    "clip": ("video",),
    "khach hang": ("khach",),
    "bang tinh": ("excel", "google sheets"),
    "excel": ("bang tinh",),
}

_EN_STOP = frozenset(
    """a an the of to in on for and or is are was were be been being it its this that these those with
    as by at from which what when where who whom how why do does did can could will would should may
    might must shall not no than then there their they them he she his her we our you your i me my so
    if but into out up down over under also such each any all some more most other only own same very
    just about after before between through during while both either neither has have had having one
    use used using get gets like make makes made way thing things""".split()
)
# Inflections come off first, then up to two derivational endings, so that "simulated",
# "simulates" and "simulation" meet at "simul". A light Porter-like stemmer: enough for coverage.
_EN_INFLECTIONS = ("ings", "ing", "edly", "ed", "ies", "ly", "s")
_EN_DERIVATIONS = (
    "izations",
    "ization",
    "ational",
    "ations",
    "ation",
    "ators",
    "ator",
    "ements",
    "ement",
    "ments",
    "ment",
    "ness",
    "ities",
    "ity",
    "ives",
    "ive",
    "ically",
    "ical",
    "als",
    "al",
    "ers",
    "er",
    "ors",
    "or",
    "ics",
    "ic",
    "ions",
    "ion",
    "able",
    "ible",
    "ful",
    "ous",
    "ance",
    "ence",
    "ancy",
    "ency",
    "ant",
    "ent",
    "izes",
    "ize",
    "ises",
    "ise",
    "ates",
    "ate",
    "at",
)
_ES_AFTER = ("ss", "x", "z", "ch", "sh")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stem: "pointers" -> "point", "allocated"/"allocation" -> "alloc"."""
    for suffix in _EN_INFLECTIONS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("es") and word[:-2].endswith(_ES_AFTER):
                word = word[:-2]  # "classes", "boxes"
            elif suffix == "s" and word.endswith("ss"):
                break  # "class", "process"
            else:
                word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    for _ in range(2):
        cut = next(
            (s for s in _EN_DERIVATIONS if word.endswith(s) and len(word) - len(s) >= 4), None
        )
        if cut is None:
            break
        word = word[: -len(cut)]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # "running" -> "runn" -> "run"
    return word


def tokens(text: str, language: Language = "vi") -> list[str]:
    """Comparable tokens: folded Vietnamese syllables with abbreviations expanded, or English stems."""
    raw = folded_words(text)
    if language == "en":
        return [stem(w) for w in raw]
    if _ABBREVIATED.isdisjoint(raw):  # most work uses none: no per-word loop
        return raw
    out: list[str] = []
    for word in raw:
        out.extend(VI_ABBREVIATIONS.get(word, (word,)))
    return out


def content_tokens(text: str, language: Language = "en") -> list[str]:
    """Distinct tokens in order of first use, English stop words left out (for ad-hoc rubrics)."""
    if language == "vi":
        return list(dict.fromkeys(tokens(text, "vi")))
    return list(dict.fromkeys(stem(w) for w in folded_words(text) if w not in _EN_STOP))


class TokenText:
    """A text tokenised once, so that many keyword phrases can be looked up cheaply.

    Matching folds accents, so work typed without diacritics still counts; but where both the
    learner and the keyword carry marks they must agree, so "chè" is not found in "che" written
    as "chê", nor "đúng" in "dùng". A keyword written without marks matches either way.
    """

    def __init__(self, text: str, language: Language = "vi") -> None:
        self.language = language
        self.tokens = tokens(text, language)
        self._joined = " " + " ".join(self.tokens) + " "
        self._set = set(self.tokens)
        self._marks = _marks(text, self.tokens) if language == "vi" else None
        self._positions: dict[str, list[int]] | None = None  # token -> where it stands, on demand

    def has(self, phrase: str) -> bool:
        """Whole-token phrase match; for Vietnamese a synonym of the phrase counts too."""
        needle = _phrase(phrase, self.language)
        if not needle:
            return False
        if self._has_tokens(needle, _phrase_marks(phrase, needle) if self._marks else None):
            return True
        if self.language == "vi":
            return any(
                self._has_tokens(_phrase(alt, "vi"))
                for alt in VI_SYNONYMS.get(" ".join(needle), ())
            )
        return False

    def _has_tokens(self, needle: Sequence[str], marks: Sequence[str | None] | None = None) -> bool:
        if len(needle) == 1:
            found = needle[0] in self._set
        else:
            found = " " + " ".join(needle) + " " in self._joined
        if not found or not marks or self._marks is None or all(m is None for m in marks):
            return found
        size = len(needle)
        if self._positions is None:
            self._positions = {}
            for at, token in enumerate(self.tokens):
                self._positions.setdefault(token, []).append(at)
        for start in self._positions.get(needle[0], ()):
            if tuple(self.tokens[start : start + size]) == tuple(needle) and all(
                want is None or got is None or want == got
                for want, got in zip(marks, self._marks[start : start + size], strict=True)
            ):
                return True
        return False

    def __len__(self) -> int:
        return len(self.tokens)


def _marks(text: str, folded: list[str]) -> list[str | None] | None:
    """Each token's accent signature, aligned with `folded`; None where alignment is unsure."""
    out: list[str | None] = []
    for word in words(strip_invisible(text)):
        out.extend(_word_marks(word))
    # A text whose words split differently once folded gets no accent checks at all.
    return out if len(out) == len(folded) else None


@lru_cache(maxsize=65536)  # words repeat across every submission: each is worked out once
def _word_marks(word: str) -> tuple[str | None, ...]:
    """A written word's accent signature per token it folds to (None where it expands)."""
    folded = fold(word)
    expanded = VI_ABBREVIATIONS.get(folded, (folded,))
    if len(expanded) == 1:
        return (accent_signature(word),)
    return (None,) * len(expanded)


@lru_cache(maxsize=4096)
def _phrase_marks(phrase: str, needle: tuple[str, ...]) -> tuple[str | None, ...] | None:
    marks = [accent_signature(w) for w in words(phrase)]
    return tuple(marks) if len(marks) == len(needle) else None


@lru_cache(maxsize=4096)
def _phrase(phrase: str, language: Language) -> tuple[str, ...]:
    """A rubric keyword's tokens; keywords repeat across every submission of a lesson."""
    return tuple(tokens(phrase, language))


@lru_cache(maxsize=1024)
def shingles(text: str, size: int = 4) -> frozenset[tuple[str, ...]]:
    """Runs of `size` folded words (Vietnamese syllables), the unit of near-duplicate detection.

    Cached: the lesson and its examples are compared with every submission to that lesson.
    """
    words = tokens(text, "vi")
    return frozenset(tuple(words[i : i + size]) for i in range(max(0, len(words) - size + 1)))


def containment(text: str, source: str, size: int = 4, min_shingles: int = 4) -> float:
    """Share of the text's word runs that also stand in the source; 0 when the text is tiny.

    Containment (not Jaccard) because a copier often adds a line of their own or copies only part
    of a longer source: what matters is how much of *their* text came from elsewhere.
    """
    mine = shingles(text, size)
    if len(mine) < min_shingles:
        return 0.0
    return len(mine & shingles(source, size)) / len(mine)


def compact(text: str) -> str:
    """Folded letters and digits only: the form used to check that a quote is in a text."""
    return "".join(folded_words(text))


def tfidf_cosines(pairs: Sequence[tuple[str, str]], corpus: Iterable[str]) -> list[float]:
    """Cosine of TF-IDF vectors for each (answer, reference) pair, IDF fitted on `corpus`.

    The plain baseline the rules must beat: lower-cased words of two or more characters, smoothed
    IDF (log((1+N)/(1+df))+1), L2-normalised, as scikit-learn's TfidfVectorizer does by default.
    """
    word = re.compile(r"\b\w\w+\b")
    docs = [word.findall(d.lower()) for d in corpus]
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    n = len(docs)

    def vector(text: str) -> dict[str, float]:
        counts = Counter(word.findall(text.lower()))
        vec = {w: c * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
        return {w: x / norm for w, x in vec.items()}

    out = []
    for answer, reference in pairs:
        a, b = vector(answer), vector(reference)
        out.append(sum(x * b.get(w, 0.0) for w, x in a.items()))
    return out
