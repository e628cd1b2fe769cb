"""No-effort work built from EVERY lesson file and variant scores below 50, or waits for a person.

Kinds: a bare list of the rubric's keywords; the keywords in nonsense sentences; the lesson's
exemplary answer and worked example padded with a filler word after every third word; another
lesson's exemplary answer; one generic answer sent to any lesson. The rules grade alone here: they
are the whole grade when no model is configured, and the floor a model's verdict is checked against.
"""

from __future__ import annotations

import pytest

from lessons.model import Curriculum
from scoring.grading import Work
from scoring.rules import grade_by_rules
from tests.grading.no_effort import fitted_lessons, variants

PASS_LINE = 50


def test_no_effort_work_never_pays_unreviewed(curriculum: Curriculum) -> None:
    let_through = []
    graded = 0
    for name, lesson in fitted_lessons(curriculum):
        for kind, text in variants(curriculum, lesson):
            grade = grade_by_rules(lesson, Work(text=text))
            graded += 1
            if grade.score >= PASS_LINE and not grade.needs_review:
                let_through.append((name, kind, grade.score, grade.flags))
    assert graded >= 6 * len(curriculum.lessons)
    assert not let_through, let_through


@pytest.mark.parametrize("kind", ["keyword_list", "padded_exemplary", "other_exemplary"])
def test_each_kind_is_named_by_a_flag(curriculum: Curriculum, kind: str) -> None:
    expected = {
        "keyword_list": {"keyword_list"},
        "padded_exemplary": {"copied_exemplary"},
        "other_exemplary": {"copied_exemplary"},
    }[kind]
    for _, lesson in list(fitted_lessons(curriculum))[::7]:
        text = dict(variants(curriculum, lesson))[kind]
        assert expected & set(grade_by_rules(lesson, Work(text=text)).flags), (lesson.id, kind)


def test_honest_work_keeps_its_grade_without_the_effort_flags(curriculum: Curriculum) -> None:
    # The lessons' own exemplary answers are what honest work looks like: no effort flag on them
    # when they stand for themselves (the copy check is what catches a learner sending one).
    for _, lesson in fitted_lessons(curriculum):
        grade = grade_by_rules(lesson, Work(text=lesson.rubric.exemplary))
        effort = {"keyword_list", "list_like", "repetitive", "off_topic"} & set(grade.flags)
        assert not effort, (lesson.id, effort, grade.extra.get("shape"))
