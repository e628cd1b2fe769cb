"""Passed, certified, review days and certificate codes: the pure rules, as literal tables."""

from __future__ import annotations

import itertools
import unicodedata
from datetime import date

import pytest

from bot.services.certificates import full_name
from lessons.model import Curriculum
from lessons.plan import Assignment, ReviewSlot, is_review_day, pick_review, plan_today, review_due
from scoring.certificate_code import ALPHABET, LENGTH, new_code, parse, shown
from scoring.passing import Confirmed, lesson_passed, level_standing

D = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("capstone", "confirmed", "mark", "passed"),
    [
        (False, None, 60, False),  # never graded
        (False, Confirmed(best=None, held=True), 60, False),  # only a held (provisional) grade
        (False, Confirmed(best=59), 60, False),
        (False, Confirmed(best=60), 60, True),  # the pass mark itself passes
        (False, Confirmed(best=0), 60, False),  # done with 0 is not passed
        (True, Confirmed(best=90, best_judged=None), 70, False),  # a capstone by rules alone
        (True, Confirmed(best=90, best_judged=69), 70, False),
        (True, Confirmed(best=90, best_judged=70), 70, True),
    ],
)
def test_a_lesson_passes_on_a_confirmed_score_at_its_mark(
    curriculum: Curriculum,
    capstone: bool,
    confirmed: Confirmed | None,
    mark: int,
    passed: bool,
) -> None:
    lesson = next(ls for ls in curriculum.of_level(1) if ls.is_capstone == capstone)
    assert lesson_passed(lesson, mark, confirmed) is passed


def test_pass_marks_come_from_the_file_the_capstone_or_the_level(curriculum: Curriculum) -> None:
    first, capstone = curriculum.of_level(1)[0], curriculum.of_level(1)[-1]
    assert curriculum.pass_mark(first) == 60  # levels.yaml lesson_pass_mark
    assert curriculum.pass_mark(capstone) == capstone.passing_score == 70
    assert curriculum.pass_mark(first.model_copy(update={"pass_mark": 75})) == 75


def _scores(
    curriculum: Curriculum,
    lesson_score: int | None,
    passed: int,
    capstone: int | None,
    capstone_judged: int | None,
) -> dict[str, Confirmed]:
    lessons = [ls for ls in curriculum.of_level(1) if not ls.is_capstone]
    out = {
        ls.id: Confirmed(best=lesson_score if i < passed else 30, best_judged=lesson_score)
        for i, ls in enumerate(lessons)
        if lesson_score is not None
    }
    cap = curriculum.of_level(1)[-1]
    if capstone is not None:
        out[cap.id] = Confirmed(best=capstone, best_judged=capstone_judged)
    return out


@pytest.mark.parametrize(
    ("lesson_score", "passed", "capstone", "judged", "earned"),
    [
        (80, 20, 85, 85, True),
        (80, 19, 85, 85, False),  # one lesson short
        (80, 20, 85, None, False),  # the capstone confirmed by rules alone does not count
        (80, 20, None, None, False),  # no capstone
        (80, 20, 69, 69, False),  # capstone under its passing score
        (None, 0, 95, 95, False),  # only the capstone
    ],
)
def test_the_level_rule_in_levels_yaml(
    curriculum: Curriculum,
    lesson_score: int | None,
    passed: int,
    capstone: int | None,
    judged: int | None,
    earned: bool,
) -> None:
    found = level_standing(
        curriculum, 1, _scores(curriculum, lesson_score, passed, capstone, judged)
    )
    assert found is not None and found.needed == 20 and found.capstone_needed == 70
    assert found.earned is earned


def test_the_average_counts_every_confirmed_lesson(curriculum: Curriculum) -> None:
    lessons = [ls for ls in curriculum.of_level(1) if not ls.is_capstone]
    scores = {ls.id: Confirmed(best=100 if i % 2 else 20) for i, ls in enumerate(lessons)}
    found = level_standing(curriculum, 1, scores)
    assert found is not None and found.average == 60.0 and found.passed == 10
    assert level_standing(curriculum, 9, scores) is None


@pytest.mark.parametrize(
    ("days_in", "review"),
    [
        (0, False),
        (1, False),
        (5, False),
        (6, True),
        (7, False),
        (13, True),
        (20, True),
        (21, False),
    ],
)
def test_one_day_in_seven_is_a_review_day(days_in: int, review: bool) -> None:
    start = date(2026, 11, 1)
    assert is_review_day(start, date.fromordinal(start.toordinal() + days_in)) is review


@pytest.mark.parametrize(
    ("current", "due"),
    [
        (None, True),
        (Assignment("a", date(2026, 11, 20), completed_on=date(2026, 11, 20)), True),
        (Assignment("a", D), False),  # a lesson still in hand
        (Assignment("a", D, completed_on=D), False),  # one lesson finished today
    ],
)
def test_a_review_waits_for_the_lesson_in_hand(current: Assignment | None, due: bool) -> None:
    assert review_due(current, D, date(2026, 11, 17)) is due  # 23 Nov is the 7th day
    assert review_due(current, D, None) is False


def test_the_lesson_brought_back_came_back_least_then_comes_first(curriculum: Curriculum) -> None:
    a, b, c = (ls.id for ls in curriculum.lessons[:3])
    assert pick_review(curriculum, {}) is None
    assert pick_review(curriculum, {c: 0, b: 0}).id == b  # type: ignore[union-attr]
    assert pick_review(curriculum, {a: 2, c: 1}).id == c  # type: ignore[union-attr]


def test_the_plan_on_a_review_day(curriculum: Curriculum) -> None:
    first, second = curriculum.lessons[:2]
    done = Assignment(first.id, date(2026, 11, 17), completed_on=date(2026, 11, 17))
    plan = plan_today(curriculum, {first.id}, done, D, ReviewSlot(first.id))
    assert plan.status == "review" and plan.lesson == first
    plan = plan_today(curriculum, {first.id}, done, D, ReviewSlot(first.id, done=True))
    assert plan.status == "done_today" and plan.lesson == first
    assert plan_today(curriculum, {first.id}, done, D).lesson == second  # no review: a new one
    unfinished = Assignment(second.id, date(2026, 11, 22))
    assert plan_today(curriculum, {first.id}, unfinished, D, ReviewSlot(first.id)).lesson == second


def test_codes_carry_64_bits_and_read_without_look_alikes() -> None:
    assert len(ALPHABET) == 31 and not set("0O1IL") & set(ALPHABET)
    assert (LENGTH - 1) * 4.95 > 64  # log2(31) bits per symbol
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(parse(c) == c for c in codes)
    code = next(iter(codes))
    assert parse(shown(code)) == code and parse(shown(code).lower()) == code
    assert parse(" ".join(shown(code).split("-"))) == code


def test_the_check_symbol_catches_one_wrong_symbol_and_swapped_neighbours() -> None:
    code = new_code()
    for i, ch in itertools.product(range(LENGTH), ALPHABET):
        if ch != code[i]:
            assert parse(code[:i] + ch + code[i + 1 :]) is None
    for i in range(LENGTH - 1):
        if code[i] != code[i + 1]:
            assert parse(code[:i] + code[i + 1] + code[i] + code[i + 2 :]) is None


@pytest.mark.parametrize(
    "text", ["", "ABC", "X" * 10_000, "ABCDE-FGHJK-MNPQ0", "<script>", "ABCDE-FGHJK-MNPQRS"]
)
def test_malformed_codes_are_refused(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(
    ("typed", "name", "problem"),
    [
        ("Nguyễn Thị Hoa", "Nguyễn Thị Hoa", ""),
        ("  nguyễn   thị hoa ", "Nguyễn Thị Hoa", ""),  # spaces tidied, capitalised
        ("NGUYỄN THỊ HOA", "NGUYỄN THỊ HOA", ""),  # capitals kept as typed
        ("Trần văn an", "Trần Văn An", ""),
        ("lò-mai thị", "Lò-Mai Thị", ""),
        ("Nguye\u0302\u0303n Thi\u0323 Hoa", "Nguyễn Thị Hoa", ""),  # combining marks composed
        ("Nguyễn\x00 Thị\x07 Hoa\u200b", "Nguyễn Thị Hoa", ""),  # control, zero-width dropped
        ("Hà Thị Lò-Mai", "Hà Thị Lò-Mai", ""),
        ("😀😀", "", "no_letters"),
        ("🎉 🎓", "", "no_letters"),
        ("", "", "empty"),
        ("12345", "", "no_letters"),
        ("Hoa 🌸 Nguyễn", "", "symbols"),
        ("Hoa Nguyen 2", "", "symbols"),
        ("王 小明", "", "symbols"),  # the font has no such letters
        ("Hoa", "", "one_word"),
        ("Nguyễn " * 12, "", "too_long"),
    ],
)
def test_the_name_to_print(typed: str, name: str, problem: str) -> None:
    got, why = full_name(typed)
    assert (got, why) == (name, problem)
    assert got == unicodedata.normalize("NFC", got)
