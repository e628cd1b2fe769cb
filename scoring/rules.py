"""The rules grader: what can be checked without a model, as small pure functions.

It is the first stage of the pipeline and also the whole grade when no model is available. It works on
Vietnamese (with or without diacritics) and, for the public English datasets, on English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lessons.model import Criterion, Lesson
from lessons.textnorm import (
    fold,
    folded_words,
    has_vietnamese_marks,
    invisible_characters,
    strip_invisible,
)
from scoring.grading import CriterionGrade, Grade, Work
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

# Common Vietnamese words as typed without diacritics; enough of them means the text is Vietnamese.
_VI_COMMON = frozenset(
    "la cua va cho cac nhung mot khong duoc co toi ban de voi nguoi trong khi da se thi nay do "
    "lam viec hoc bai hay rat can nen vi tu den ra vao ai tren duoi neu minh chung em anh chi "
    "nhe oi roi cung nhu sau truoc ve theo gi nao dang con moi nhieu it hon nhat phai biet".split()
)

# Text aimed at the grader, matched on folded text (no diacritics, lower case, spaces collapsed).
# Each pattern names who or what it targets, so that a prompt a learner wrote for *their* AI
# ("bạn là giám khảo cuộc thi ảnh") or a rubric they built ("chấm điểm 10 tiêu chí") does not match.
_SCORE = (
    r"(diem (so )?(10|muoi|100|toi da|tuyet doi|cao nhat|max|full)|(10|muoi|100) diem|diem cao nhat"
    r"|toi da diem|full diem|max diem)"
)
_ME = r"(toi|em|minh|chau|bai nay|bai lam nay|bai cua (toi|em|minh)|bai lam cua (toi|em|minh))"
INJECTION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"\bcham (cho )?({_ME} )?{_SCORE}",
        rf"\bcho {_ME} {_SCORE}",
        rf"\b{_ME} (xung dang|dang duoc|phai duoc|can duoc|nen duoc) (nhan )?{_SCORE}",
        rf"\b(cham|cho) ({_ME} )?(10|100) ?/ ?(10|100)\b",
        rf"\bdiem (cua )?{_ME} (la |phai la |se la )?[:=]? ?(10|100)\b",
        r"\b(bo qua|quen|khong can theo|phot lo|khong tuan theo) (het |tat ca |moi |cac |nhung |toan bo )*"
        r"(huong dan|chi dan|yeu cau|quy tac|lenh|chi thi|tieu chi|thang diem)",
        r"\b(gui|luu y|thua|kinh gui|kinh thua|danh cho|chu y) (cho )?(thay |co |anh |chi )?"
        r"(giam khao|nguoi cham|ban cham|he thong cham|mo hinh cham|tro ly cham)",
        r"\b(giam khao|nguoi cham|he thong cham|mo hinh cham) oi\b",
        r"\b(ban la|you are) (bay gio la |now )?(mot |a |an )?(giam khao|nguoi cham|grader|examiner)"
        r"( (de tinh|hao phong|rat de|de dai|generous|lenient))",
        r"\bhuong dan moi\s*:|\bnew instructions?\s*:|\bupdated instructions?\s*:",
        r"\b(ignore|disregard|forget|override) (all |any |the |your )*(previous |prior |above |earlier |"
        r"preceding |system |grading )*(instructions?|rules|prompts?|directions|rubric|criteria)\b",
        r"\b(give|award|assign|grant) (me |this |the student |this answer |this submission |it )?(a )?"
        r"((full|maximum|max|perfect|top) (marks|points|score|grade)|(10|100) ?/ ?(10|100)"
        r"|(10|100) (marks|points))",
        r"\b(score|grade|mark|rate) (me |this |it )?(as )?(10|100) ?/ ?(10|100)\b",
        r"\b(thought process|chain of thought|grader reasoning|reasoning of the grader)\s*:",
        r"\b(suy nghi|phan tich|nhan xet|ket luan) cua (giam khao|nguoi cham|he thong)\s*:",
        r"\b(system|assistant|developer)\s*:|<\|im_start\|>|<\|im_end\|>|\[/?inst\]|<<sys>>",
        r"^#+ ?(system|instruction|grader)",
        r"\"(score|scores|criteria|evidence|injection|confidence|tong_diem|diem_so)\"\s*:",
    )
)
# A line that opens a fake reasoning block: everything up to the next blank line goes with it.
_BLOCK_OPENERS = re.compile(
    r"^\s*(thought process|chain of thought|reasoning|grader notes?|phan tich cua giam khao)"
    r"\s*:"
)
# A Vietnamese phone number (0912 345 678, +84 912...), a 12-digit citizen ID, an e-mail address.
_PERSONAL = re.compile(
    r"(?<!\d)(?<!\d[.,])(?:\+?84[ .-]?|0)[35789](?:[ .-]?\d){8}(?!\d|[.,]\d)"
    r"|(?<!\d)(?<!\d[.,])\d{12}(?!\d|[.,]\d)"
    r"|\b[\w.+-]+@[\w-]+\.[\w.]+\b"
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


VIETNAMESE = RuleOptions()


def containment(text: str, source: str) -> float:
    """Share of the text's 4-syllable runs that also stand in the source (0 when it is tiny)."""
    return _containment(text, source)


def looks_injected(text: str) -> bool:
    """True when some part of the text speaks to the grader rather than to the task."""
    return bool(injection_segments(text))


def _injected(segment: str) -> bool:
    folded = fold(segment)
    return any(p.search(folded) for p in INJECTION_PATTERNS)


def _balanced_json(text: str) -> list[tuple[int, int]]:
    """Spans of top-level {...} blocks, so that a fake verdict is removed whole."""
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
    """Split a submission into what it says to the task and what it says to the grader."""
    text = strip_invisible(text)
    found: list[str] = []
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
    marked = sum(1 for w in text.split() if has_vietnamese_marks(w))
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
    finding = "met" if share >= 1.0 else "partly" if share > 0 else "missing"
    missing = tuple(k for k in criterion.keywords if k not in found)[:3]
    return CriterionGrade(
        criterion.id,
        round(criterion.weight * share),
        criterion.weight,
        finding,
        evidence=", ".join(found[:3]),
        hints=() if finding == "met" else missing,
    )


def lesson_text(lesson: Lesson) -> str:
    """Everything the learner was shown, for copy detection."""
    return "\n".join(
        [*lesson.content, lesson.example.prompt, lesson.example.answer, lesson.practice.task,
         lesson.practice.submit]
    )


def grade_by_rules(lesson: Lesson, work: Work, options: RuleOptions = VIETNAMESE) -> Grade:
    """Score a submission from the rubric's checkable parts; flags say what else was noticed."""
    flags: list[str] = []
    reasons: list[str] = []
    caps: list[tuple[str, int]] = []
    rubric = lesson.rubric
    if invisible_characters(work.text):
        flags.append("invisible_chars")
        reasons.append(f"{invisible_characters(work.text)} invisible characters removed")
    text, injected = _separate(work.text)
    doc = TokenText(text, options.language)
    n_words = len(folded_words(text))

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
    if n_words and options.check_language and options.language == "vi" and not looks_vietnamese(text):
        flags.append("not_vietnamese")
        caps.append(("not_vietnamese", NOT_VIETNAMESE_CAP))
        reasons.append(f"not Vietnamese: capped at {NOT_VIETNAMESE_CAP}")

    sources = [("copied_lesson", lesson_text(lesson))] if options.check_lesson_copy else []
    if options.reference_visible:
        sources.append(("copied_exemplary", rubric.exemplary + "\n" + rubric.reference))
    copies = [(flag, containment(text, source)) for flag, source in sources]
    copies.append(("copied_peer", max((containment(text, p) for p in work.peers), default=0.0)))
    needs_review = False
    for flag, share in copies:
        if share >= COPY_THRESHOLD:
            flags.append(flag)
            caps.append((flag, COPY_CAP))
            reasons.append(f"{flag}: {share:.0%} of the text: capped at {COPY_CAP}")
            # Who copied whom is a person's call; a copy of the lesson itself is not in doubt.
            needs_review = needs_review or flag == "copied_peer"

    if _PERSONAL.search(text):
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
    reasons.append(f"rules total {score}" + (f" (sum {total}, cap {cap})" if score != total else ""))
    return Grade(
        score=score,
        criteria=criteria,
        flags=tuple(flags),
        provisional=needs_review,
        needs_review=needs_review,
        reasons=tuple(reasons),
        grader="rules",
        caps=tuple(caps),
        extra={"words": n_words, "copy": {flag: round(share, 3) for flag, share in copies}},
    )


class RulesGrader:
    """The rules grader behind the common `Grader` interface."""

    def __init__(self, options: RuleOptions = VIETNAMESE) -> None:
        self.options = options

    async def grade(self, lesson: Lesson, work: Work) -> Grade:
        return grade_by_rules(lesson, work, self.options)
