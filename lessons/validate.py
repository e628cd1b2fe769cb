"""Checks a lesson must pass beyond its schema: time, message size, language, markup, ordering."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date

from lessons.model import (
    MAX_CAPSTONE_MINUTES,
    MAX_LESSON_MINUTES,
    MAX_MESSAGE_CHARS,
    Curriculum,
    Example,
    Lesson,
    Practice,
    Rubric,
)
from lessons.textnorm import has_vietnamese_marks, words

READING_WORDS_PER_MINUTE = 200
QUIZ_MINUTES = 2  # three questions on a phone
MIN_LESSONS_PER_LEVEL = 20

# Anything Telegram's HTML parser would read as markup, or that Zalo would show as raw symbols.
_MARKUP = [
    (re.compile(r"</?[A-Za-z][^>]*>"), "an HTML tag"),
    (re.compile(r"&[A-Za-z#][A-Za-z0-9]*;"), "an HTML entity"),
    (re.compile(r"\*\*|__|`"), "Markdown emphasis or code marks"),
    (re.compile(r"\[[^\]]*\]\([^)]*\)"), "a Markdown link"),
]

Loc = tuple[str | int, ...]


def estimated_minutes(lesson: Lesson) -> int:
    """Reading at 200 words a minute, plus the practice, plus the quiz."""
    reading = sum(len(words(part)) for part in lesson.content)
    reading += len(words(lesson.example.prompt)) + len(words(lesson.example.answer))
    reading += len(words(lesson.practice.task)) + len(words(lesson.practice.submit))
    return math.ceil(reading / READING_WORDS_PER_MINUTE) + lesson.practice.minutes + QUIZ_MINUTES


def _practice_texts(lesson: Lesson) -> Iterator[tuple[Loc, str]]:
    """The example, practice and rubric texts of the main practice and of every variant."""
    sets: list[tuple[Loc, Example, Practice, Rubric]] = [
        ((), lesson.example, lesson.practice, lesson.rubric)
    ]
    sets += [
        (("variants", occ), v.example, v.practice, v.rubric) for occ, v in lesson.variants.items()
    ]
    for base, example, practice, rubric in sets:
        yield (*base, "example", "prompt"), example.prompt
        yield (*base, "example", "answer"), example.answer
        yield (*base, "practice", "task"), practice.task
        yield (*base, "practice", "submit"), practice.submit
        for i, crit in enumerate(rubric.criteria):
            yield (*base, "rubric", "criteria", i, "title"), crit.title
            yield (*base, "rubric", "criteria", i, "judge"), crit.judge
        yield (*base, "rubric", "exemplary"), rubric.exemplary


def _texts(lesson: Lesson) -> Iterator[tuple[Loc, str]]:
    yield ("title",), lesson.title
    for i, text in enumerate(lesson.objectives):
        yield ("objectives", i), text
    for i, text in enumerate(lesson.content):
        yield ("content", i), text
    yield from _practice_texts(lesson)
    for i, q in enumerate(lesson.quiz):
        yield ("quiz", i, "question"), q.question
        yield ("quiz", i, "explanation"), q.explanation
        yield ("quiz", i, "options"), " ".join(q.options)
    if lesson.teach_back:
        yield ("teach_back",), lesson.teach_back


def check_lesson(lesson: Lesson) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    limit = MAX_CAPSTONE_MINUTES if lesson.is_capstone else MAX_LESSON_MINUTES
    if lesson.minutes > limit:
        problems.append((("minutes",), f"{lesson.minutes} minutes is over the {limit} allowed"))
    estimate = estimated_minutes(lesson)
    if estimate > limit:
        problems.append(
            (
                ("content",),
                f"reading, practice and quiz take about {estimate} minutes; keep it within {limit}",
            )
        )
    for i, part in enumerate(lesson.content):
        if len(part) > MAX_MESSAGE_CHARS:
            problems.append(
                (
                    ("content", i),
                    f"message {i + 1} has {len(part)} characters; the limit is {MAX_MESSAGE_CHARS}",
                )
            )
    for loc, text in _practice_texts(lesson):
        if loc[-1] in ("task", "answer") and len(text) > MAX_MESSAGE_CHARS:
            problems.append((loc, f"{len(text)} characters; the limit is {MAX_MESSAGE_CHARS}"))
    for loc, text in _texts(lesson):
        for pattern, what in _MARKUP:
            if pattern.search(text):
                problems.append((loc, f"contains {what}; write plain text"))
        if len(words(text)) >= 4 and not has_vietnamese_marks(text):
            problems.append((loc, "text has no Vietnamese diacritics (write with dấu)"))
    if lesson.is_capstone and lesson.order != 99:
        problems.append((("order",), "a capstone is the level's last item: give it order 99"))
    return problems


def check_curriculum(curriculum: Curriculum) -> list[tuple[str | None, str]]:
    """Problems across files: duplicate orders, missing capstones, passing rules that disagree."""
    problems: list[tuple[str | None, str]] = []
    numbers = [lv.number for lv in curriculum.levels]
    if sorted(numbers) != [1, 2, 3, 4, 5]:
        problems.append((None, f"levels.yaml must define levels 1-5 once each, found {numbers}"))
    orders = Counter((ls.level, ls.order) for ls in curriculum.lessons)
    for lesson in curriculum.lessons:
        if orders[(lesson.level, lesson.order)] > 1:
            problems.append(
                (lesson.id, f"level {lesson.level} order {lesson.order} is used more than once")
            )
        level = curriculum.level(lesson.level)
        if (
            lesson.is_capstone
            and level
            and lesson.passing_score != (level.certificate.capstone_passing_score)
        ):
            problems.append(
                (
                    lesson.id,
                    f"passing_score {lesson.passing_score} differs from levels.yaml "
                    f"({level.certificate.capstone_passing_score})",
                )
            )
        if (
            lesson.is_capstone
            and lesson.pass_mark is not None
            and (lesson.pass_mark != lesson.passing_score)
        ):
            problems.append(
                (
                    lesson.id,
                    f"a capstone passes at its passing_score "
                    f"({lesson.passing_score}); pass_mark {lesson.pass_mark} differs",
                )
            )
    return problems


def warnings(curriculum: Curriculum, today: date) -> list[tuple[str, str]]:
    """Not errors, but work for a person: stale facts to recheck."""
    out = []
    for lesson in curriculum.lessons:
        if lesson.review_by is not None and lesson.review_by <= today:
            out.append(
                (
                    lesson.id,
                    f"review_by {lesson.review_by.isoformat()} has passed: "
                    "recheck prices, laws, tool names and dates",
                )
            )
    return out


def not_reviewed_by_person(curriculum: Curriculum) -> list[str]:
    return [ls.id for ls in curriculum.lessons if not ls.review.by_person]


def with_variants(curriculum: Curriculum) -> list[str]:
    return [ls.id for ls in curriculum.lessons if ls.variants]


def level_counts(curriculum: Curriculum) -> dict[str, int]:
    """Ordinary lessons per level (capstones not counted)."""
    counts = Counter(str(ls.level) for ls in curriculum.lessons if not ls.is_capstone)
    return {str(n): counts.get(str(n), 0) for n in (1, 2, 3, 4, 5)}
