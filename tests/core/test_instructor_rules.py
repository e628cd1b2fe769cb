"""The pure rules behind the instructors' and mentors' tools, as tables of literal cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.challenges import parse_deadline, split_criteria
from bot.services.classes import bare_code, typed_checkin
from lessons import challenge_task, teach_back
from lessons.loader import load_curriculum
from lessons.model import MentorRule
from scoring.mentoring import candidacy, certifiable, levels_done, levels_finished
from scoring.points import challenge_award, peer_review_award

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
RULE = MentorRule(level_done=True, teach_back_average=80, min_teach_backs=3)


@pytest.mark.parametrize(
    ("levels", "scores", "proposed"),
    [
        ([1], [90, 80, 70], True),  # average 80 over 3
        ([1], [90, 80, 69], False),  # 79.67: shown as 80, but under 80
        ([], [100, 100, 100], False),  # no level finished
        ([1], [100, 100], False),  # too few teach-backs
        ([2, 3], [85, 85, 85, 85], True),
        ([1], [], False),
    ],
)
def test_the_mentor_rule(levels: list[int], scores: list[int], proposed: bool) -> None:
    got = candidacy(RULE, levels, scores)
    assert got.proposed is proposed
    assert got.teach_backs == len(scores)


def test_a_rule_without_levels_reads_teach_backs_only() -> None:
    rule = MentorRule(level_done=False, teach_back_average=60, min_teach_backs=1)
    assert candidacy(rule, [], [60]).proposed and not candidacy(rule, [], [59]).proposed


def test_levels_done_needs_every_lesson_of_the_level() -> None:
    curriculum, _ = load_curriculum()
    level1 = {lesson.id for lesson in curriculum.of_level(1)}
    assert levels_done(curriculum, level1) == [1]
    assert levels_done(curriculum, set(list(level1)[:-1])) == []
    assert levels_done(curriculum, set()) == []


def test_a_level_is_finished_by_its_certificate() -> None:
    curriculum, _ = load_curriculum()
    level1 = {lesson.id for lesson in curriculum.of_level(1)}
    assert all(certifiable(curriculum, level.number) for level in curriculum.levels)
    assert levels_finished(curriculum, {1}, set()) == [1]  # earned: done or not, it counts
    assert levels_finished(curriculum, set(), level1) == []  # every lesson done, not passed
    assert levels_finished(curriculum, {2, 9}, level1) == [2]


def test_a_level_whose_certificate_cannot_be_earned_counts_when_done() -> None:
    curriculum, _ = load_curriculum()
    first = curriculum.of_level(1)
    # A level still being written: no capstone, or fewer lessons than its rule asks to pass.
    short = curriculum.model_copy(
        update={
            "lessons": tuple(
                lesson
                for lesson in curriculum.lessons
                if lesson.level != 1 or not lesson.is_capstone
            )
        }
    )
    assert not certifiable(short, 1) and certifiable(short, 2)
    done = {lesson.id for lesson in first if not lesson.is_capstone}
    assert levels_finished(short, set(), done) == [1]
    assert levels_finished(short, set(), set(list(done)[1:])) == []
    assert not certifiable(curriculum, 9)


@pytest.mark.parametrize(
    ("points", "score", "earned"),
    [
        (50, 100, 50),
        (50, 80, 40),
        (50, 1, 0),
        (50, 0, None),
        (100, 67, 67),
        (9999, 100, 500),
    ],
)
def test_a_challenge_pays_in_proportion_to_the_score(
    points: int, score: int, earned: int | None
) -> None:
    award = challenge_award(7, "ch~12", points, score)
    if earned in (None, 0):
        assert award is None
    else:
        assert award is not None and award.points == earned
        assert str(award.key) == "challenge:7:ch~12"


def test_a_helpful_review_has_one_key() -> None:
    assert str(peer_review_award(7, 31).key) == "peer:7:pr~31"
    assert peer_review_award(7, 31) == peer_review_award(7, 31)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("25/11 20:00", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
        ("25/11/2026 20h", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
        ("20h 25-11", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
        ("ngày 25/11", datetime(2026, 11, 25, 14, 0, tzinfo=UTC)),  # 21:00 when no time
        ("han nop 25/11 luc 7 gio toi", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        ("25/11/27 8:30", datetime(2027, 11, 25, 1, 30, tzinfo=UTC)),
        ("31/02 20:00", None),
        ("thứ hai tuần sau", None),
        ("25/11 bla bla", None),
    ],
)
def test_deadlines_as_typed(typed: str, expected: datetime | None) -> None:
    assert parse_deadline(typed, NOW, "Asia/Ho_Chi_Minh") == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("điểm danh K7M2QX", "k7m2qx"),
        ("diem danh k7m2qx", "k7m2qx"),
        ("/checkin K7M2QX", "k7m2qx"),
        ("Điểm danh: K7M2QX", "k7m2qx"),
        ("check in K7M2QX", "k7m2qx"),
        ("điểm danh", None),
        ("hôm nay điểm danh K7M2QX", None),
    ],
)
def test_typed_check_ins(text: str, code: str | None) -> None:
    assert typed_checkin(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("K7M2QX", "K7M2QX"),
        (" k7m2qx ", "K7M2QX"),
        ("s_K7M2QX", "K7M2QX"),
        ("CAMONB", None),
        ("123456", None),
        ("K7M2Q", None),
        ("K7M2QX thanks", None),
    ],
)
def test_a_code_typed_alone(text: str, code: str | None) -> None:
    assert bare_code(text) == code


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Có vai trò\nCó bối cảnh\nCó nhận xét", ["Có vai trò", "Có bối cảnh", "Có nhận xét"]),
        (
            "1. Có vai trò; 2) Có bối cảnh; - Có nhận xét",
            ["Có vai trò", "Có bối cảnh", "Có nhận xét"],
        ),
        ("\n\n• Một\n\n", ["Một"]),
    ],
)
def test_criteria_as_typed(text: str, parts: list[str]) -> None:
    assert split_criteria(text) == parts


def test_written_criteria_make_a_valid_rubric_with_checkable_words() -> None:
    rubric = challenge_task.written_rubric(
        ("Có vai trò cho AI", "Nêu bối cảnh cụ thể", "Có nhận xét kết quả", "Đủ ngắn gọn")
    )
    assert sum(c.weight for c in rubric.criteria) == 100
    assert "vai trò" in rubric.criteria[0].keywords
    assert all(c.keywords for c in rubric.criteria)


def test_teach_back_ids_fit_the_column_and_find_their_lesson() -> None:
    curriculum, _ = load_curriculum()
    lesson = next(lesson for lesson in curriculum.lessons if lesson.teach_back)
    assert teach_back.lesson_of(teach_back.task_id(lesson.id), curriculum) == lesson
    assert len(teach_back.task_id("l9-" + "x" * 37)) == teach_back.MAX_ID
    assert teach_back.lesson_of(lesson.id, curriculum) is None
    graded = teach_back.graded_lesson(lesson)
    assert graded is not None and graded.practice.task == lesson.teach_back
    assert (
        teach_back.graded_lesson(
            next(lesson for lesson in curriculum.lessons if not lesson.teach_back)
        )
        is None
    )
