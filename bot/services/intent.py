"""Is this message practice work? Only work sent as work is graded: a chat message never gets
a score, never counts in a group's average and can never be appealed."""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from bot.services.parsing import keyword_command, numbered_choice
from lessons.model import Lesson
from lessons.textnorm import fold, folded_words

Intent = Literal["work", "ask", "chat"]

MIN_WORDS = 3  # below this nothing is work unless it was sent as work ("Nộp bài", a reply)
TASK_WORDS = 8  # how much of the practice task a quoted message must hold to be that message
SHARED_PAIRS = 2  # word pairs a long message shares with the task to be "about the task"


def replies_to_practice(reply_to: str, lesson: Lesson) -> bool:
    """The learner answered (replied to, quoted) the practice message of this lesson."""
    if not reply_to:
        return False
    task = " ".join(folded_words(lesson.practice.task)[:TASK_WORDS])
    return bool(task) and task in " ".join(folded_words(reply_to))


def classify(
    text: str, lesson: Lesson, *, sent_as_work: bool, reply_to: str, lesson_done: bool
) -> Intent:
    """ "work": grade it. "ask": a short message while the practice is open; ask the learner
    whether it is their work. "chat": answer it as conversation, never grade it."""
    words = folded_words(text)
    if not words:
        return "chat"
    if sent_as_work or replies_to_practice(reply_to, lesson):
        return "work"
    if keyword_command(text) or numbered_choice(text) is not None or _command_like(text):
        return "chat"  # a known phrase ("đáp án C", "học tiếp") is what it says, not work
    if len(words) >= max(lesson.rubric.min_words, MIN_WORDS) and about_the_task(words, lesson):
        return "work"  # long enough to be the task's answer, and about it
    if lesson_done or len(words) < MIN_WORDS:
        return "chat"
    return "ask"


def about_the_task(words: list[str], lesson: Lesson) -> bool:
    """Shares a few word pairs ("thông báo", "dưới 100") with the task, its rubric or its model
    answers: real work does (every lesson's exemplary passes), a long chat rarely does. A miss
    costs one question ("Đây là bài làm của bạn?"), never a grade."""
    return len(_pairs(words) & _task_pairs(lesson)) >= SHARED_PAIRS


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(pairwise(words))


_TASK_PAIRS: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}


def _task_pairs(lesson: Lesson) -> frozenset[tuple[str, str]]:
    key = (lesson.id, lesson.practice.task)  # lesson files may be replaced: the task keys it too
    if key not in _TASK_PAIRS:
        rubric = lesson.rubric
        texts = [
            lesson.practice.task,
            lesson.practice.submit,
            rubric.exemplary,
            rubric.reference,
            rubric.weak,
            *(c.title for c in rubric.criteria),
        ]
        _TASK_PAIRS[key] = frozenset().union(*(_pairs(folded_words(t)) for t in texts if t))
    return _TASK_PAIRS[key]


def _command_like(text: str) -> bool:
    """'/lesson' typed with a space or a typo: never work."""
    return fold(text).startswith("/")
