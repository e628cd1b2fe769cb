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


# What people call their work when asked, beyond the labels offered ("Người lao động" is rarely
# how a factory worker names it): typed while joining or in /settings, any of these picks the
# occupation. Matched without diacritics, like the labels.
OCCUPATION_WORDS: dict[str, tuple[str, ...]] = {
    "official": ("công chức", "viên chức", "cán bộ xã", "cán bộ phường", "nhà nước", "giáo viên"),
    "business": (
        "kinh doanh",
        "buôn bán",
        "bán hàng",
        "tiểu thương",
        "doanh nghiệp",
        "hợp tác xã",
        "chủ cửa hàng",
    ),
    "worker": ("công nhân", "lao động", "làm thuê", "thợ", "lái xe", "xây dựng"),
    "farmer": ("làm ruộng", "làm nông", "nông nghiệp", "trồng trọt", "chăn nuôi", "làm vườn"),
    "student": ("sinh viên", "đi học", "học sinh"),
    "other": ("nội trợ", "hưu trí", "nghỉ hưu", "về hưu", "tự do"),
}


def names_of(key: str, shown: dict[str, str], curriculum: Curriculum) -> list[str]:
    """What an option may be called: its label, for a quiz answer the answer's own text, for an
    occupation the everyday words for it."""
    names = [shown[key]] if key in shown else []
    answer = buttons.parse(key)
    occupation = (
        answer.value
        if isinstance(answer, buttons.Occupation)
        or (isinstance(answer, buttons.Onboarding) and answer.step == "occ")
        else ""
    )
    names += OCCUPATION_WORDS.get(occupation, ())
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
