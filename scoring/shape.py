"""Does the work look like the work asked for? Sentences, parts and topic, not keywords.

Rubric keywords alone are gamed by a bare list of them. These checks look at what a real answer has:
the parts the practice asks for (`practice.expects`, inferred from the `submit` text when a lesson
does not list them yet), real sentences rather than list fragments, a keyword density and a
repetition a person would write, and words about the lesson's topic rather than anything at all.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from lessons.model import Lesson, Rubric
from lessons.textnorm import fold
from scoring.course import CourseIndex
from scoring.fingerprint import content_tokens

# The submit text names what to send back; each part is inferred from the words that ask for it.
_ASKS_FOR: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (part, re.compile(pattern))
    for part, pattern in (
        ("prompt", r"\b(prompt|cau lenh|cau hoi (ban )?(da )?(hoi|gui|go) ai|loi nho)\b"),
        (
            "ai_output",
            r"\b(ai (da )?(tra loi|viet|lam|dua ra|goi y|tao|tra ve|phan bien|liet ke)"
            r"|ket qua (cua )?ai|ban (ai|nhap)|bang ai)\b",
        ),
        (
            "own_check",
            r"\b(nhan xet|kiem tra|(da |tu )?sua|soat|do lai|khop|dung hay (sai|khong)"
            r"|cho nao|danh gia|chinh lai|doi chieu)\b",
        ),
        ("steps", r"\b(cac buoc|buoc|quy trinh|thu tu|lich|ke hoach)\b"),
        (
            "draft",
            r"\b(thong bao|tin nhan|bai dang|la thu|thu moi|van ban|don xin|kich ban|bien ban"
            r"|bao cao|loi (chao|gioi thieu|dan)|cv)\b",
        ),
        ("list", r"\b(danh sach|liet ke|\d+ (y|cau hoi|viec|dieu|muc|ten|loai)|cac y)\b"),
        ("table", r"\b(bang|cong thuc|so lieu|o|cot|swot|sum|average|if|countif)\b"),
        ("reasons", r"\b(vi sao|ly do|li do|tai sao)\b"),
    )
)

# What each part looks like in a learner's sentences (folded text).
_HAS: dict[str, re.Pattern[str]] = {
    "prompt": re.compile(
        r"\b(ban la|dong vai|hay|viet (giup|cho|mot|lai|thu|tin|thong bao|bai)|soan|giup (toi|minh|em)"
        r"|tao (cho|mot|giup)|liet ke|tom tat|lap (bang|ke hoach|danh sach)|goi y|prompt|cau lenh"
        r"|hoi ai|nho ai|yeu cau ai|chi ra|phan tich|dua ra|cho (toi|minh|em) biet"
        # a prompt may be a question put to the AI
        r"|cau hoi|bao nhieu|ngay nao|the nao|la gi|khi nao|o dau|co nen|lam sao)\b"
    ),
    "ai_output": re.compile(
        r"\b(ai|chatgpt|gemini|copilot|meta ai|ket qua|tra loi|tra ve|goi y|viet ra|dua ra|cho ra)\b"
    ),
    "own_check": re.compile(
        r"\b(dung|sai|sua|chua|thieu|nham|hop ly|kiem tra|doi chieu|so sanh|soat|khop|bo di|bo bot"
        r"|them|thay|doi lai|dung duoc|chinh|lech|bia|do lai|xac minh|hoi lai)\b"
    ),
    "steps": re.compile(
        r"(\b(buoc|truoc tien|dau tien|sau do|tiep theo|cuoi cung|thu nhat|thu hai|ngay|thu \d|tuan"
        r"|lan (dau|hai|ba|thu \w+))\b"
        r"|^\s*\d+\s*[.)/:-])",
        re.M,
    ),
    "reasons": re.compile(r"\b(vi|nen|do do|de|boi vi|ly do|li do|nho do|giup|nham)\b"),
    "table": re.compile(r"(\||=|\d|\b(cot|hang|dong)\b)"),
}
_UNIT_SPLIT = re.compile(r"(?<=[.!?…;])\s+|\n+")
_LABEL = re.compile(r"^\s*[^:]{1,40}:\s*")
_FRAGMENT_ITEMS = re.compile(r"[,/+|]")
_RUN_ITEMS = re.compile(r"[,;/|]")
FRAGMENT_WORDS = 5  # a unit under this many words is a fragment, not a sentence
SHORT_ITEM_WORDS = 2  # a comma item this short is a list entry
TOPIC_MIN_PAIRS = 6  # fewer word pairs than this say nothing about the topic


def expected_parts(lesson: Lesson) -> tuple[str, ...]:
    """The parts a real answer contains: the lesson's own list, or inferred from `submit`."""
    if lesson.practice.expects:
        return tuple(lesson.practice.expects)
    asked = fold(lesson.practice.submit)
    parts = [part for part, pattern in _ASKS_FOR if pattern.search(asked)]
    return tuple(parts) or ("draft",)


def units(text: str) -> list[str]:
    """Sentences and lines."""
    return [u.strip() for u in _UNIT_SPLIT.split(text) if u.strip()]


def is_fragment(unit: str, n_words: int | None = None) -> bool:
    """A list entry or a bare phrase: too few words, or mostly short comma items with no label."""
    if n_words is None:
        n_words = len(unit.split())
    if n_words < FRAGMENT_WORDS:
        return True
    if sum(unit.count(sep) for sep in ",/+|") < 2:  # fewer than three items: no list
        return False
    body = _LABEL.sub("", unit)
    items = [i for i in _FRAGMENT_ITEMS.split(body) if i.strip()]
    if len(items) >= 3:
        short = sum(1 for i in items if len(i.split()) <= SHORT_ITEM_WORDS)
        return short / len(items) >= 0.6 and body == unit
    return False


@dataclass(frozen=True)
class Shape:
    """What the checks found, as shares (0-1) and per expected part."""

    sentences: str  # the units that are sentences: rubric keywords count only here
    content: list[str]  # the whole text's content tokens (scoring/fingerprint.py)
    items: int  # lines, sentences and comma-separated items
    fragment_share: float  # share of words in fragments
    keyword_density: float  # share of content tokens that belong to rubric keywords
    repetition: float  # share of content tokens that repeat an earlier sentence's
    topic: float  # share of the text's word pairs (beside the keywords) that the course uses
    parts: dict[str, bool]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(p for p, ok in self.parts.items() if not ok)


_PER_RUBRIC: dict[tuple[str, int], tuple[object, frozenset[str]]] = {}


def _per_rubric(
    kind: str, lesson: Lesson, compute: Callable[[Rubric], frozenset[str]]
) -> frozenset[str]:
    """`compute(rubric)`, once per rubric object (lessons are frozen and live for the process)."""
    rubric = lesson.rubric
    cached = _PER_RUBRIC.get((kind, id(rubric)))
    if cached is not None and cached[0] is rubric:
        return cached[1]
    if len(_PER_RUBRIC) > 8192:
        _PER_RUBRIC.clear()
    value = compute(rubric)
    _PER_RUBRIC[(kind, id(rubric))] = (rubric, value)
    return value


def _keyword_tokens(lesson: Lesson) -> frozenset[str]:
    """The content tokens of the rubric's keywords."""
    return _per_rubric(
        "tokens",
        lesson,
        lambda rubric: frozenset(
            t for c in rubric.criteria for k in c.keywords for t in content_tokens(k)
        ),
    )


def _keyword_phrases(lesson: Lesson) -> frozenset[str]:
    """The rubric's keywords as whole folded phrases."""
    return _per_rubric(
        "phrases",
        lesson,
        lambda rubric: frozenset(fold(k).strip() for c in rubric.criteria for k in c.keywords),
    )


def is_keyword_run(unit: str, phrases: frozenset[str]) -> bool:
    """Comma items that are mostly the rubric's own phrases, however long each phrase is."""
    if sum(unit.count(sep) for sep in ",;/|") < 3:  # fewer than four items: no run
        return False
    items = [fold(i).strip(" .;:-") for i in _RUN_ITEMS.split(_LABEL.sub("", unit))]
    items = [i for i in items if i]
    return len(items) >= 4 and sum(1 for i in items if i in phrases) / len(items) >= 0.6


def read_shape(lesson: Lesson, text: str, course: CourseIndex | None) -> Shape:
    all_units = units(text)
    sizes = [len(u.split()) for u in all_units]
    phrases = _keyword_phrases(lesson)
    fragment = [
        is_fragment(u, n) or is_keyword_run(u, phrases)
        for u, n in zip(all_units, sizes, strict=True)
    ]
    sentence_units = [u for u, frag in zip(all_units, fragment, strict=True) if not frag]
    words_all = sum(sizes) or 1
    words_frag = sum(n for n, frag in zip(sizes, fragment, strict=True) if frag)

    keywords = _keyword_tokens(lesson)
    content: list[str] = []
    seen: set[str] = set()
    repeated = 0
    for unit in all_units:
        toks = content_tokens(unit)
        repeated += sum(1 for t in toks if t in seen)
        content += toks
        seen.update(toks)
    repetition = repeated / len(content) if content else 0.0
    density = sum(1 for t in content if t in keywords) / len(content) if content else 0.0

    topic = 1.0
    if course is not None:
        pairs = {
            p for p in itertools.pairwise(content) if not (p[0] in keywords and p[1] in keywords)
        }
        if len(pairs) >= TOPIC_MIN_PAIRS:
            topic = sum(1 for p in pairs if p in course.bigrams) / len(pairs)

    folded_all = fold(text)
    folded_sentences = (
        folded_all if len(sentence_units) == len(all_units) else fold("\n".join(sentence_units))
    )
    parts: dict[str, bool] = {}
    for part in expected_parts(lesson):
        if part == "draft":
            parts[part] = sum(1 for u in sentence_units if len(u.split()) >= 8) >= 2
        elif part == "list":
            entries = [*all_units, *re.split(r"[,;]", text)]
            parts[part] = len([i for i in entries if i.strip()]) >= 3
        elif part == "table":
            parts[part] = bool(_HAS["table"].search(folded_all))
        elif part == "steps":
            parts[part] = len(all_units) >= 3 and bool(_HAS["steps"].search(folded_all))
        else:
            parts[part] = bool(_HAS[part].search(folded_sentences))
    items = sum(max(1, len([i for i in re.split(r"[,;/|]", u) if i.strip()])) for u in all_units)
    return Shape(
        "\n".join(sentence_units),
        content,
        items,
        words_frag / words_all,
        density,
        repetition,
        topic,
        parts,
    )
