"""What a grader takes and gives back. The one interface every grader implements.

The core speaks in codes (`finding`, `flags`); the application turns them into Vietnamese sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

from lessons.model import Lesson

Finding = Literal["met", "partly", "missing"]


class Flag(StrEnum):
    """Flags a grade can carry. Renderers and reports know every one from here."""

    EMPTY = "empty"  # nothing gradable was sent
    TOO_SHORT = "too_short"  # under the rubric's min_words
    TOO_LONG = "too_long"  # over the rubric's max_words (graded on, capped)
    NOT_VIETNAMESE = "not_vietnamese"  # neither Vietnamese with nor without diacritics
    COPIED_LESSON = "copied_lesson"  # mostly the lesson's own text or example
    COPIED_EXEMPLARY = "copied_exemplary"  # mostly the rubric's exemplary or reference answer
    COPIED_PEER = "copied_peer"  # near-duplicate of another learner's work for the same lesson
    INJECTION = "injection"  # text aimed at the grader ("chấm 10 điểm", "ignore previous ...")
    INVISIBLE_CHARS = "invisible_chars"  # zero-width or bidirectional control characters
    PHOTO_PENDING = "photo_pending"  # a photo waits for a person (no vision model)
    LLM_UNAVAILABLE = "llm_unavailable"  # the model was not configured, down or over budget
    LOW_CONFIDENCE = "low_confidence"  # the model was unsure
    DISAGREEMENT = "disagreement"  # rules and model disagree beyond the threshold
    EVIDENCE_MISSING = "evidence_missing"  # the model quoted text that is not in the submission
    OVERRIDDEN = "overridden"  # an instructor changed the grade
    LLM_BAD_REPLY = "llm_bad_reply"  # the model answered, but not in the agreed JSON (comes with llm_unavailable)
    PERSONAL_DATA = (
        "personal_data"  # a phone number, ID number or e-mail address stands in the work
    )
    KEYWORD_LIST = "keyword_list"  # mostly list fragments made of the rubric's own words
    LIST_LIKE = "list_like"  # mostly fragments where sentences were asked
    REPETITIVE = "repetitive"  # the same words over and over
    OFF_TOPIC = "off_topic"  # few words about the course at all (nonsense around keywords)
    MISSING_PARTS = (
        "missing_parts"  # parts the practice asks for (a prompt, an own check...) not found
    )


FLAGS = tuple(Flag)


@dataclass(frozen=True)
class Work:
    """A learner's submission as the grader sees it."""

    text: str
    photo: bytes | None = None
    photo_mime: str | None = None
    peers: tuple[str, ...] = ()  # other learners' work for the same lesson, for copy detection


@dataclass(frozen=True)
class CriterionGrade:
    id: str
    score: int
    max: int
    finding: Finding
    evidence: str = ""  # a quote from the submission that supports the score
    feedback: str = ""  # a sentence from the model, Vietnamese; empty when rules graded alone
    hints: tuple[str, ...] = ()  # e.g. keywords that would have counted


@dataclass(frozen=True)
class Tokens:
    prompt: int = 0
    completion: int = 0

    @property
    def total(self) -> int:
        return self.prompt + self.completion


@dataclass(frozen=True)
class Grade:
    score: int  # 0-100
    criteria: tuple[CriterionGrade, ...]
    flags: tuple[str, ...] = ()
    provisional: bool = False  # the learner is told it may change
    needs_review: bool = False  # goes to an instructor's queue
    llm_used: bool = False
    tokens: Tokens = Tokens()
    reasons: tuple[str, ...] = ()  # how the total was reached, for appeals and overrides
    model_reply: str = ""
    grader: str = "rules"
    extra: dict[str, object] = field(default_factory=dict)
    # Ceilings the rules set, as (flag, most points): a copy, a too-short text. The total never exceeds
    # the lowest; kept by cause so that a photo read by a vision model can lift the too-short one.
    caps: tuple[tuple[str, int], ...] = ()
    rules: Grade | None = (
        None  # the rules stage's own grade, kept beside a combined one for appeals
    )
    confidence: float | None = None  # the model's own 0-1 confidence, when a model graded

    @property
    def cap(self) -> int:
        """The most the rules allow this submission to score."""
        return min((limit for _, limit in self.caps), default=100)

    def as_json(self) -> dict[str, Any]:  # JSON: values of any JSON type
        return {
            "score": self.score,
            "criteria": [
                {
                    "id": c.id,
                    "score": c.score,
                    "max": c.max,
                    "finding": c.finding,
                    "evidence": c.evidence,
                    "feedback": c.feedback,
                    "hints": list(c.hints),
                }
                for c in self.criteria
            ],
            "flags": list(self.flags),
            "provisional": self.provisional,
            "needs_review": self.needs_review,
            "llm_used": self.llm_used,
            "tokens": {"prompt": self.tokens.prompt, "completion": self.tokens.completion},
            "reasons": list(self.reasons),
            "grader": self.grader,
            # Kept for appeals and overrides: what the rules found, the ceilings they set, and the
            # model's own words.
            "caps": dict(self.caps),
            "confidence": self.confidence,
            "model_reply": self.model_reply,
            "rules": self.rules.as_json() if self.rules is not None else None,
        }


class Grader(Protocol):
    """Grades one submission against a lesson's rubric. Must not raise for bad input."""

    async def grade(self, lesson: Lesson, work: Work) -> Grade: ...
