"""Answering offered choices by their words: "Nông dân", "nong dan", "bỏ qua", a quiz option's
text. Numbers and letters are read by `parsing.numbered_choice`; this adds the labels."""

from __future__ import annotations

from typing import Any

from bot.services.io import Out
from bot.services.parsing import match_label
from lessons.model import Curriculum

LABELS = "labels"  # identity state: {option key: label as shown}
OPTIONS = "options"  # identity state: [option key, ...] in the order shown


def remember(state: dict[str, Any], message: Out) -> None:
    state[OPTIONS] = [opt.key for opt in message.options]
    state[LABELS] = {opt.key: opt.label for opt in message.options}


def names_of(key: str, shown: dict[str, str], curriculum: Curriculum) -> list[str]:
    """What an option may be called: its label, and for a quiz answer the answer's own text."""
    names = [shown[key]] if key in shown else []
    kind, _, rest = key.partition(":")
    if kind == "q":
        lesson_id, _, tail = rest.rpartition(":")
        lesson_id, _, question = lesson_id.rpartition(":")
        lesson = curriculum.by_id(lesson_id)
        if lesson and question.isdigit() and tail.isdigit():
            q = int(question)
            if q < lesson.quiz_count and int(tail) < len(lesson.quiz[q].options):
                names.append(lesson.quiz[q].options[int(tail)])
    return names


def pick(text: str, state: dict[str, Any], curriculum: Curriculum) -> str | None:
    """The key of the offered option the text names, or None."""
    keys = state.get(OPTIONS) or []
    shown = state.get(LABELS) or {}
    index = match_label(text, [names_of(k, shown, curriculum) for k in keys])
    return keys[index] if index is not None else None
