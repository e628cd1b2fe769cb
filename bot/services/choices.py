"""Answering offered choices by their words: "Nông dân", "nong dan", "bỏ qua", a quiz option's
text. Numbers and letters are read by `parsing.numbered_choice`; this adds the labels."""

from __future__ import annotations

from bot.services import buttons
from bot.services.conversation import Conversation
from bot.services.io import Out
from bot.services.parsing import match_label
from lessons.model import Curriculum


def remember(state: Conversation, message: Out) -> None:
    state.offered([(opt.key, opt.label) for opt in message.options])


def names_of(key: str, shown: dict[str, str], curriculum: Curriculum) -> list[str]:
    """What an option may be called: its label, and for a quiz answer the answer's own text."""
    names = [shown[key]] if key in shown else []
    answer = buttons.parse(key)
    if isinstance(answer, buttons.QuizAnswer):
        lesson = curriculum.by_id(answer.lesson)
        if (
            lesson
            and answer.question < lesson.quiz_count
            and answer.option < len(lesson.quiz[answer.question].options)
        ):
            names.append(lesson.quiz[answer.question].options[answer.option])
    return names


def pick(text: str, state: Conversation, curriculum: Curriculum) -> str | None:
    """The key of the offered option the text names, or None."""
    keys = state.options
    index = match_label(text, [names_of(k, state.labels, curriculum) for k in keys])
    return keys[index] if index is not None else None
