"""A conversation with the in-chat model, as evidence beside the learner's own words.

Kept with the stored submission (`SubmissionRecord.exchange`); the grader reads it after the
learner's text, under a heading, so it sees the prompt really sent and the answer really given.
"""

from __future__ import annotations

from lessons.textnorm import words

HEADER = "--- Cuộc trò chuyện với AI ngay trong khung chat (hệ thống gửi kèm) ---"
LABELS = {"user": "Câu lệnh tôi gửi AI:", "assistant": "AI trả lời:"}
# The model's answers are long; the grader needs enough to check the learner's check, and the
# rubric's word limits were written for the learner's own text.
MAX_WORDS_PER_TURN = 60
MAX_TURNS = 6


def _short(text: str, limit: int = MAX_WORDS_PER_TURN) -> str:
    parts = text.split()
    return text.strip() if len(parts) <= limit else " ".join(parts[:limit]) + " …"


def with_exchange(text: str, exchange: tuple[dict[str, str], ...]) -> str:
    """The learner's text, then the conversation it came from (the last turns, shortened)."""
    if not exchange:
        return text
    lines = [text.rstrip(), "", HEADER]
    for item in exchange[-MAX_TURNS:]:
        label = LABELS.get(item.get("role", ""), "")
        if label and words(item.get("text", "")):
            lines.append(f"{label} {_short(item['text'])}")
    return "\n".join(lines)
