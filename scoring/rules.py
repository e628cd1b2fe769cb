"""The rules grader: what can be checked without a model, as small pure functions.

It is the first stage of the pipeline and also the whole grade when no model is available. It works on
Vietnamese (with or without diacritics) and, for the public English datasets, on English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lessons.model import Criterion, Lesson
from lessons.textnorm import (
    VI_MARKED_LETTERS,
    fold,
    folded_words,
    invisible_characters,
    strip_invisible,
)
from scoring.course import CourseIndex, default_course
from scoring.fingerprint import content_tokens, skipgrams, source_grams
from scoring.grading import CriterionGrade, Finding, Grade, Work
from scoring.injection import (
    addresses_grader,
    decoded_runs,
    grading_talk,
    grading_words,
    hidden_characters,
    normalise,
)
from scoring.shape import Shape, read_shape
from scoring.similarity import Language, TokenText
from scoring.similarity import containment as _containment

COPY_THRESHOLD = 0.6  # share of the submission's 4-syllable runs found in the source
COPY_CAP = 10  # the most a copied submission can score
SHORT_CAP_FLOOR = 0.3  # a too-short text keeps at least this share of its cap (words / min_words)
TOO_LONG_CAP = 80  # a long paste hits keywords by chance; the rubric asked for less
NOT_VIETNAMESE_CAP = 40
NO_KEYWORD_CREDIT = 0.6  # rules cannot judge these criteria; a model or person refines it
VI_MARKED_SHARE = 0.15  # share of words carrying a Vietnamese diacritic that settles the language
VI_COMMON_SHARE = 0.12  # share of common unaccented Vietnamese words that settles it without marks
# Effort: what a real answer looks like (scoring/shape.py). Calibrated on the dev set's no-effort items.
SKIP_COPY_THRESHOLD = (
    0.7  # share of content skip-bigrams from one source: a padded or reordered copy
)
KEYWORD_LIST_CAP = 10  # mostly list fragments, mostly the rubric's own words
LIST_FRAGMENTS = 0.6
LIST_KEYWORDS = 0.6
LIST_MIN_ITEMS = 3  # a list has several items; one short phrase is only too short
LIST_LIKE_CAP = 35  # mostly fragments where prose was asked
REPETITION = 0.65  # share of content words repeating earlier sentences'
REPETITION_CAP = 20
OFF_TOPIC = (
    0.25  # share of word pairs the course uses at all; honest work is above 0.29 in the dev set
)
OFF_TOPIC_CAP = 20
MISSING_PARTS_PENALTY = 40  # the cap loses this much when every expected part is missing
# Parts that are the work itself: without them there is no answer to the practice, whatever it says.
CORE_PART_CAPS = {"prompt": 45, "draft": 50, "table": 50, "steps": 60}

# Common Vietnamese words as typed without diacritics; enough of them means the text is Vietnamese.
_VI_COMMON = frozenset(
    "la cua va cho cac nhung mot khong duoc co toi ban de voi nguoi trong khi da se thi nay do "
    "lam viec hoc bai hay rat can nen vi tu den ra vao ai tren duoi neu minh chung em anh chi "
    "nhe oi roi cung nhu sau truoc ve theo gi nao dang con moi nhieu it hon nhat phai biet".split()
)

# Text aimed at the grader is found by structure (scoring/injection.py), not by a phrase list.
# A line that opens a fake reasoning block: everything up to the next blank line goes with it.
_BLOCK_OPENERS = re.compile(
    r"^\s*(thought process|chain of thought|reasoning|grader notes?|phan tich cua giam khao)"
    r"\s*:"
)
# A Vietnamese phone number (0912 345 678, +84 912...), a 12-digit citizen ID, an e-mail address.
_PHONE_OR_ID = re.compile(
    r"(?<!\d)(?<!\d[.,])(?:\+?84[ .-]?|0)[35789](?:[ .-]?\d){8}(?!\d|[.,]\d)"
    r"|(?<!\d)(?<!\d[.,])\d{12}(?!\d|[.,]\d)"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_DIGIT = re.compile(r"\d")


def has_personal_data(text: str) -> bool:
    # Cheap gates first: the e-mail pattern backtracks at every word, so it runs only around an "@".
    return bool(
        ("@" in text and _EMAIL.search(text)) or (_DIGIT.search(text) and _PHONE_OR_ID.search(text))
    )


_FENCE = re.compile(r"```.*?(```|$)", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class RuleOptions:
    """How the rules read a submission; the defaults are the Vietnamese course."""

    language: Language = "vi"
    check_language: bool = True
    # False when learners never saw the reference (public datasets): matching it is then a good
    # answer, not a copy.
    reference_visible: bool = True
    # False when the "lesson" is only the question (public datasets): a right answer often restates
    # it, and the rubric already gives no credit for the question's own words.
    check_lesson_copy: bool = True
    # The effort checks (shape, topic, other lessons' exemplars) are for the Vietnamese course.
    check_shape: bool = True
    # The course the rules compare with; None takes the built-in curriculum's, built once.
    course: CourseIndex | None = None


VIETNAMESE = RuleOptions()


def containment(text: str, source: str) -> float:
    """Share of the text's 4-syllable runs that also stand in the source (0 when it is tiny)."""
    return _containment(text, source)


def looks_injected(text: str) -> bool:
    """True when some part of the text speaks to the grader rather than to the task."""
    return bool(injection_segments(text))


def _injected(segment: str) -> bool:
    return addresses_grader(segment)


def _balanced_json(text: str) -> list[tuple[int, int]]:
    """Spans of top-level {...} blocks, so that a fake verdict is removed whole."""
    if "{" not in text:  # most work has no braces: skip the walk over every character
        return []
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def _separate(text: str) -> tuple[str, list[str]]:
    """Split a submission into what it says to the task and what it says to the grader.

    The text is normalised first (scoring/injection.py), so a disguised phrase reads as what it is;
    the rules and the model both grade the normalised text.
    """
    text = normalise(strip_invisible(text))
    found: list[str] = []
    # Text hidden in base64 is no practice work: taken out, and counted when it is prose.
    for run, _decoded in decoded_runs(text):
        found.append(run)
        text = text.replace(run, "\n")
    # Whole blocks first (a fenced block, a fake JSON verdict), so that the text around them stays.
    for match in list(_FENCE.finditer(text)):
        if _injected(match.group(0)):
            found.append(match.group(0))
    for segment in found:
        text = text.replace(segment, "\n")
    for start, end in reversed(_balanced_json(text)):
        if _injected(text[start:end]):
            found.append(text[start:end])
            text = text[:start] + "\n" + text[end:]
    kept: list[str] = []
    in_block = False
    for line in text.splitlines():
        if not line.strip():
            in_block = False
            kept.append("")
            continue
        if in_block or _BLOCK_OPENERS.match(fold(line)):
            in_block = True
            found.append(line)
            continue
        sentences = _SENTENCE_END.split(line)
        bad = [x for x in sentences if x.strip() and _injected(x)]
        found.extend(bad)
        kept.append(" ".join(x for x in sentences if x not in bad).rstrip())
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return cleaned, found


def _sentences(text: str) -> list[str]:
    """Sentences line by line, split as _separate splits them (so cached folds are reused)."""
    return [x for line in text.splitlines() for x in _SENTENCE_END.split(line) if x.strip()]


def injection_segments(text: str) -> list[str]:
    """The parts of a submission aimed at the grader: sentences, lines, code or JSON blocks."""
    return _separate(text)[1]


def clean_text(text: str) -> str:
    """The submission without invisible characters and without the parts aimed at the grader.

    Rules and model both grade this text, so an injected sentence can neither earn keywords nor be
    quoted as evidence: an injected submission scores what its honest part scores.
    """
    return _separate(text)[0]


def looks_vietnamese(text: str) -> bool:
    """Vietnamese with diacritics, or typed without them (judged by common words)."""
    tokens = folded_words(text)
    if len(tokens) < 5:
        return True  # too little to tell
    marked = sum(
        1
        for w in unicodedata.normalize("NFC", text.lower()).split()
        if not VI_MARKED_LETTERS.isdisjoint(w)
    )
    if marked / len(tokens) >= VI_MARKED_SHARE:
        return True
    common = sum(1 for t in tokens if t in _VI_COMMON)
    return common / len(tokens) >= VI_COMMON_SHARE


def grade_criterion(
    criterion: Criterion, text: str | TokenText, language: Language = "vi"
) -> CriterionGrade:
    """Score one rubric line from its keywords: `need` distinct ones give full marks."""
    if not criterion.keywords:
        score = round(criterion.weight * NO_KEYWORD_CREDIT)
        return CriterionGrade(criterion.id, score, criterion.weight, "partly")
    doc = text if isinstance(text, TokenText) else TokenText(text, language)
    found = [k for k in criterion.keywords if doc.has(k)]
    distinct = len({fold(k) for k in found})
    share = min(1.0, distinct / criterion.need)
    finding: Finding = "met" if share >= 1.0 else "partly" if share > 0 else "missing"
    # No hints: the rubric's keywords are never shown to the learner (a list of them would be
    # the answer the rules want). Feedback explains what is missing by the criterion's title.
    return CriterionGrade(
        criterion.id,
        round(criterion.weight * share),
        criterion.weight,
        finding,
        evidence=", ".join(found[:3]),
    )


def lesson_text(lesson: Lesson) -> str:
    """Everything the learner was shown, for copy detection."""
    return "\n".join(
        [
            *lesson.content,
            lesson.example.prompt,
            lesson.example.answer,
            lesson.practice.task,
            lesson.practice.submit,
        ]
    )


def grade_by_rules(lesson: Lesson, work: Work, options: RuleOptions = VIETNAMESE) -> Grade:
    """Score a submission from the rubric's checkable parts; flags say what else was noticed."""
    flags: list[str] = []
    reasons: list[str] = []
    caps: list[tuple[str, int]] = []
    rubric = lesson.rubric
    hidden = max(invisible_characters(work.text), hidden_characters(work.text))
    if hidden:
        flags.append("invisible_chars")
        reasons.append(f"{hidden} invisible characters removed")
    text, injected = _separate(work.text)
    shaped = options.check_shape and options.language == "vi"
    course = (options.course or default_course()) if shaped else None
    shape = read_shape(lesson, text, course) if shaped else None
    # A keyword counts only in a sentence that uses it, unless a list or table was asked for.
    n_words = len(folded_words(text))
    graded_text = text
    if (
        shape is not None
        and n_words >= rubric.min_words
        and not {"list", "table"} & set(shape.parts)
    ):
        graded_text = shape.sentences
    doc = TokenText(graded_text, options.language)

    if n_words == 0:
        criteria = tuple(CriterionGrade(c.id, 0, c.weight, "missing") for c in rubric.criteria)
        if work.photo is None:
            flags.append("empty")
            caps.append(("empty", 0))
            reasons.append("nothing to grade: 0")
    else:
        criteria = tuple(grade_criterion(c, doc, options.language) for c in rubric.criteria)
    total = sum(c.score for c in criteria)
    reasons.insert(0, "rules: " + ", ".join(f"{c.id} {c.score}/{c.max}" for c in criteria))

    # With a photo attached the text is only a caption: the photo carries the work.
    if n_words and n_words < rubric.min_words and work.photo is None:
        flags.append("too_short")
        cap = round(100 * max(SHORT_CAP_FLOOR, n_words / rubric.min_words))
        caps.append(("too_short", cap))
        reasons.append(f"{n_words} words < {rubric.min_words}: capped at {cap}")
    if n_words > rubric.max_words:
        flags.append("too_long")
        caps.append(("too_long", TOO_LONG_CAP))
        reasons.append(f"{n_words} words > {rubric.max_words}: capped at {TOO_LONG_CAP}")
    if (
        n_words
        and options.check_language
        and options.language == "vi"
        and not looks_vietnamese(text)
    ):
        flags.append("not_vietnamese")
        caps.append(("not_vietnamese", NOT_VIETNAMESE_CAP))
        reasons.append(f"not Vietnamese: capped at {NOT_VIETNAMESE_CAP}")

    sources = [("copied_lesson", lesson_text(lesson))] if options.check_lesson_copy else []
    if options.reference_visible:
        sources.append(("copied_exemplary", rubric.exemplary + "\n" + rubric.reference))
    copies = [(flag, containment(text, source)) for flag, source in sources]
    copies.append(("copied_peer", max((containment(text, p) for p in work.peers), default=0.0)))
    if shaped:
        # Content words only, in skip-pairs: survives filler words and swapped clauses.
        copies += _skip_copies(lesson, shape.content if shape else [], work.peers, course, options)
    needs_review = False
    copied: set[str] = set()
    for flag, share in copies:
        limit = SKIP_COPY_THRESHOLD if flag.endswith("~") else COPY_THRESHOLD
        name = flag.rstrip("~")
        if share >= limit and name not in copied:
            copied.add(name)
            flags.append(name)
            caps.append((name, COPY_CAP))
            reasons.append(f"{name}: {share:.0%} of the text: capped at {COPY_CAP}")
            # Who copied whom is a person's call; a copy of the lesson itself is not in doubt.
            needs_review = needs_review or name == "copied_peer"
    # Effort checks judge a whole answer; a short, copied or foreign text has its own ceiling. A
    # keyword list is caught whatever its length.
    if shape is not None and n_words and not copied and "not_vietnamese" not in flags:
        whole = n_words >= rubric.min_words
        review, effort_flags = _effort(shape, caps, reasons, whole=whole)
        flags += effort_flags
        needs_review = needs_review or review

    if has_personal_data(text):
        # The lessons teach to leave these out; the learner is told, the rubric decides the points.
        flags.append("personal_data")
        reasons.append("a phone number, ID number or e-mail address is in the work")
    if injected:
        flags.append("injection")
        needs_review = True
        reasons.append(
            f"{len(injected)} part(s) addressed to the grader removed before grading; sent for review"
        )
    if work.photo is not None and n_words < rubric.min_words:
        flags.append("photo_pending")
        needs_review = True
        reasons.append("the work is in a photo the rules cannot read")

    cap = min((limit for _, limit in caps), default=100)
    score = max(0, min(total, cap))
    reasons.append(
        f"rules total {score}" + (f" (sum {total}, cap {cap})" if score != total else "")
    )
    return Grade(
        score=score,
        criteria=criteria,
        flags=tuple(flags),
        provisional=needs_review,
        needs_review=needs_review,
        reasons=tuple(reasons),
        grader="rules",
        caps=tuple(caps),
        extra={
            "words": n_words,
            "grading_talk": len(grading_talk(_sentences(text), _lesson_grading_words(lesson))),
            "copy": {flag: round(share, 3) for flag, share in copies},
            **({"shape": _shape_json(shape)} if shape is not None else {}),
        },
    )


def _skip_copies(
    lesson: Lesson,
    content: list[str],
    peers: tuple[str, ...],
    course: CourseIndex | None,
    options: RuleOptions,
) -> list[tuple[str, float]]:
    """Skip-pair containment against the lesson, its exemplars, every other lesson's, and peers.

    Flags end in "~" so that their own threshold applies.
    """
    mine = skipgrams(content)
    if len(mine) < 8:
        return []

    def share(source: str) -> float:
        return len(mine & source_grams(source)) / len(mine)

    out = []
    if options.check_lesson_copy:
        out.append(("copied_lesson~", share(lesson_text(lesson))))
    if options.reference_visible:
        own = max(share(lesson.rubric.exemplary), share(lesson.rubric.reference))
        other = course.best_other(lesson.id, mine) if course is not None else 0.0
        out.append(("copied_exemplary~", max(own, other)))
    out.append(("copied_peer~", max((share_of(mine, p) for p in peers), default=0.0)))
    return out


_GRADING_WORDS: dict[int, tuple[object, frozenset[str]]] = {}


def _lesson_grading_words(lesson: Lesson) -> frozenset[str]:
    """Evaluation words the lesson itself uses: there they are the topic, not talk to the grader."""
    cached = _GRADING_WORDS.get(id(lesson))
    if cached is not None and cached[0] is lesson:
        return cached[1]
    rubric = lesson.rubric
    words = grading_words("\n".join([lesson_text(lesson), rubric.exemplary, rubric.reference]))
    if len(_GRADING_WORDS) > 4096:
        _GRADING_WORDS.clear()
    _GRADING_WORDS[id(lesson)] = (lesson, words)
    return words


def share_of(mine: set[tuple[str, str]], peer: str) -> float:
    """Share of the work's skip-pairs in a peer's text (peers are not cached: each is read once)."""
    return len(mine & skipgrams(content_tokens(peer))) / len(mine) if mine else 0.0


def _effort(
    shape: Shape, caps: list[tuple[str, int]], reasons: list[str], *, whole: bool = True
) -> tuple[bool, list[str]]:
    """Ceilings for work that does not look like the work asked for; True when a person must look.

    `whole` is False for a text under the rubric's minimum: only the keyword-list check applies.
    """
    flags: list[str] = []
    review = False
    listing = {"list", "table"} & set(shape.parts)
    if (
        shape.fragment_share >= LIST_FRAGMENTS
        and shape.keyword_density >= LIST_KEYWORDS
        and shape.items >= LIST_MIN_ITEMS
    ):
        flags.append("keyword_list")
        caps.append(("keyword_list", KEYWORD_LIST_CAP))
        reasons.append(
            f"mostly fragments ({shape.fragment_share:.0%}) of the rubric's own words "
            f"({shape.keyword_density:.0%}): capped at {KEYWORD_LIST_CAP}"
        )
    if not whole:
        return review, flags
    if shape.fragment_share >= LIST_FRAGMENTS and not listing and "keyword_list" not in flags:
        flags.append("list_like")
        caps.append(("list_like", LIST_LIKE_CAP))
        reasons.append(
            f"{shape.fragment_share:.0%} of the words in fragments where sentences were "
            f"asked: capped at {LIST_LIKE_CAP}"
        )
    if shape.repetition >= REPETITION:
        flags.append("repetitive")
        caps.append(("repetitive", REPETITION_CAP))
        reasons.append(f"{shape.repetition:.0%} of the words repeat: capped at {REPETITION_CAP}")
    if shape.topic < OFF_TOPIC:
        flags.append("off_topic")
        caps.append(("off_topic", OFF_TOPIC_CAP))
        review = True
        reasons.append(
            f"only {shape.topic:.0%} of its word pairs are the course's: capped at "
            f"{OFF_TOPIC_CAP}, a person looks"
        )
    if shape.missing and shape.parts:
        cap = min(
            [
                100 - round(MISSING_PARTS_PENALTY * len(shape.missing) / len(shape.parts)),
                *(CORE_PART_CAPS.get(part, 100) for part in shape.missing),
            ]
        )
        flags.append("missing_parts")
        caps.append(("missing_parts", cap))
        reasons.append(f"missing {', '.join(shape.missing)}: capped at {cap}")
    return review, flags


def _shape_json(shape: Shape) -> dict[str, object]:
    return {
        "fragments": round(shape.fragment_share, 2),
        "keywords": round(shape.keyword_density, 2),
        "repetition": round(shape.repetition, 2),
        "topic": round(shape.topic, 2),
        "parts": shape.parts,
    }


class RulesGrader:
    """The rules grader behind the common `Grader` interface."""

    def __init__(self, options: RuleOptions = VIETNAMESE) -> None:
        self.options = options

    async def grade(self, lesson: Lesson, work: Work) -> Grade:
        return grade_by_rules(lesson, work, self.options)
