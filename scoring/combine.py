"""Code decides last: turn the rules' findings and a model's verdict into the grade a learner gets.

The model proposes a score per criterion with a quote; code checks every quote against the submission,
clamps every number, computes the total, applies the rules' ceilings and decides what a person must
look at. Nothing the model writes can raise a grade past what code can verify.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from lessons.model import Lesson
from lessons.textnorm import folded_words
from scoring.grading import CriterionGrade, Finding, Grade, Tokens, Work
from scoring.rules import clean_text
from scoring.similarity import compact

DISAGREEMENT = 30  # points the model may lower the rules' grade by before a person looks
ABOVE_RULES = 20  # points the model may raise the rules' grade by before a person looks
FULL_MARKS = 90  # a model verdict this high on work the rules rate weak goes to a person
WEAK_BY_RULES = 50
LOW_CONFIDENCE = 0.5  # below this self-reported confidence the grade goes to review
MIN_EVIDENCE_CHARS = 4  # a quote shorter than this (letters and digits) proves nothing
FUZZY_QUOTE_WORDS = 6  # a quote this long may differ from the text in one word (a fixed typo)
MET_SHARE = 0.75  # a criterion scored at this share of its maximum or more counts as met

_ELLIPSIS = re.compile(r"\.{3,}|…|\[\.\.\.\]")


@dataclass(frozen=True)
class ModelCriterion:
    """What the model proposed for one rubric line, before any check."""

    id: str
    score: float
    evidence: str = ""
    feedback: str = ""


@dataclass(frozen=True)
class ModelVerdict:
    """A model's reply, parsed but not yet trusted."""

    criteria: tuple[ModelCriterion, ...]
    injection: bool = False  # the model says the submission speaks to the grader
    confidence: float | None = None  # 0-1
    summary: str = ""


def evidence_found(evidence: str, text: str) -> bool:
    """True when the quote stands in the text, ignoring accents, case, spaces and punctuation.

    A quote cut with "..." must have every piece in the text, in order. A long quote may differ
    from the text in one word (a typo the model fixed), never in an added or missing word.
    """
    haystack = compact(text)
    pieces = [compact(p) for p in _ELLIPSIS.split(evidence)]
    pieces = [p for p in pieces if p]
    if sum(len(p) for p in pieces) < MIN_EVIDENCE_CHARS:
        return False
    at = 0
    for piece in pieces:
        found = haystack.find(piece, at)
        if found < 0:
            break
        at = found + len(piece)
    else:
        return True
    if len(pieces) != 1:
        return False
    quote, words = folded_words(evidence), folded_words(text)
    if len(quote) < FUZZY_QUOTE_WORDS:
        return False
    return any(
        sum(a != b for a, b in zip(quote, words[i : i + len(quote)], strict=True)) <= 1
        for i in range(len(words) - len(quote) + 1)
    )


def _finding(score: int, top: int) -> Finding:
    if top and score >= MET_SHARE * top:
        return "met"
    return "partly" if score > 0 else "missing"


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def fallback(
    rules: Grade, why: str, *, bad_reply: bool = False, reply: str = "", tokens: Tokens = Tokens()
) -> Grade:
    """The rules' grade stands, marked provisional so that the application regrades it later."""
    flags = [*rules.flags, "llm_unavailable"]
    if bad_reply:
        flags.append("llm_bad_reply")
    return replace(
        rules,
        flags=tuple(dict.fromkeys(flags)),
        provisional=True,
        reasons=(*rules.reasons, f"model not used ({why}): the rules' grade stands, provisional"),
        model_reply=reply,
        tokens=tokens,
        rules=rules,
    )


def combine(
    lesson: Lesson,
    work: Work,
    rules: Grade,
    verdict: ModelVerdict,
    *,
    reply: str = "",
    tokens: Tokens = Tokens(),
    photo_seen: bool = False,
    model: str = "llm",
) -> Grade:
    """The final grade from the rules' grade and a model's verdict on the same (cleaned) submission."""
    text = clean_text(work.text)
    proposed = {c.id: c for c in verdict.criteria}
    by_rules = {c.id: c for c in rules.criteria}
    flags = [f for f in rules.flags if not (photo_seen and f == "photo_pending")]
    reasons: list[str] = []
    needs_review = rules.needs_review and not (photo_seen and _only_photo_review(rules))
    criteria: list[CriterionGrade] = []

    for criterion in lesson.rubric.criteria:
        top = criterion.weight
        mine = proposed.get(criterion.id)
        hints = by_rules[criterion.id].hints if criterion.id in by_rules else ()
        if mine is not None and not math.isfinite(mine.score):
            mine = None  # NaN would pass through min() and max() unclamped
        if mine is None:
            kept = by_rules.get(criterion.id, CriterionGrade(criterion.id, 0, top, "missing"))
            criteria.append(kept)
            reasons.append(f"{criterion.id}: model gave no score, the rules' {kept.score} kept")
            continue
        score = round(_clamp(mine.score, 0, top))
        if not 0 <= mine.score <= top:
            reasons.append(f"{criterion.id}: model's {mine.score:g} clamped to {score} (0-{top})")
        if score > 0 and not evidence_found(mine.evidence, text):
            if photo_seen and mine.evidence.strip():
                # A quote from the photo cannot be checked in code; the vision model is trusted here.
                reasons.append(f"{criterion.id}: evidence taken from the photo, not checked")
            else:
                reasons.append(f"{criterion.id}: quoted evidence not in the submission: 0")
                if "evidence_missing" not in flags:
                    flags.append("evidence_missing")
                score = 0
        criteria.append(
            CriterionGrade(
                criterion.id,
                score,
                top,
                _finding(score, top),
                evidence=mine.evidence.strip(),
                feedback=mine.feedback.strip(),
                hints=() if score >= top else hints,
            )
        )

    model_total = sum(c.score for c in criteria)
    reasons.insert(0, f"{model}: " + ", ".join(f"{c.id} {c.score}/{c.max}" for c in criteria))
    total = model_total
    caps = tuple(
        (flag, limit)
        for flag, limit in rules.caps
        if not (photo_seen and flag in ("too_short", "empty"))
    )
    cap = min((limit for _, limit in caps), default=100)

    if verdict.injection:
        needs_review = True
        if "injection" not in flags:
            flags.append("injection")
            # The rules did not see it, so nothing was removed: the model's score is not trusted
            # above the rules' own.
            total = min(total, rules.score)
            reasons.append(
                f"model reports text aimed at the grader: at most the rules' {rules.score}"
            )
        else:
            reasons.append("model also reports text aimed at the grader")
    elif (
        rules.extra.get("grading_talk")
        and min(total, cap) >= rules.score
        and "injection" not in flags
    ):
        # The work talks about its own grading (words its lesson never uses) and the model scored
        # it at or above the rules: that is what an instruction the filter did not recognise would
        # do to an obedient model. Treated as one until a person looks.
        needs_review = True
        flags.append("injection")
        reasons.append(
            f"the work talks about grading and the model gave {min(total, cap)}: "
            f"at most the rules' {rules.score} until a person reviews it"
        )
        total = min(total, rules.score)
    if verdict.confidence is not None and verdict.confidence < LOW_CONFIDENCE:
        flags.append("low_confidence")
        needs_review = True
        reasons.append(f"model confidence {verdict.confidence:.2f} < {LOW_CONFIDENCE}")
    if not photo_seen:
        gap = min(total, cap) - rules.score
        if gap > ABOVE_RULES or -gap > DISAGREEMENT:
            flags.append("disagreement")
            needs_review = True
            # Until a person looks, the model may lower the rules' grade (keyword lists fool rules,
            # not a model) but raise it by at most ABOVE_RULES: bounds what a trick the rules
            # did not notice can win, and the grade is not final until a person has looked.
            total = min(total, rules.score + ABOVE_RULES)
            reasons.append(
                f"model {model_total} vs rules {rules.score}: a person reviews it; {total} until then"
            )
        elif min(total, cap) >= FULL_MARKS and rules.score < WEAK_BY_RULES:
            flags.append("disagreement")
            needs_review = True
            reasons.append(
                f"model gives {min(total, cap)} to work the rules rate {rules.score}: "
                "a person reviews it"
            )
    score = int(_clamp(total, 0, cap))
    if score < total:
        reasons.append(f"capped at {cap} by the rules ({', '.join(f for f, _ in caps)})")
    reasons.append(f"total {score}")
    return Grade(
        score=score,
        criteria=tuple(criteria),
        flags=tuple(dict.fromkeys(flags)),
        provisional=needs_review,
        needs_review=needs_review,
        llm_used=True,
        tokens=tokens,
        reasons=(*reasons, *rules.reasons),
        model_reply=reply,
        grader=model,
        caps=caps,
        rules=rules,
        confidence=verdict.confidence,
        extra=dict(rules.extra),
    )


def _only_photo_review(rules: Grade) -> bool:
    """True when the photo was the rules' only reason to ask for a person."""
    return not {"injection", "copied_peer"} & set(rules.flags)
