"""Table tests for reading what people type."""

from __future__ import annotations

import pytest

from bot.services.parsing import (
    keyword_command,
    match_label,
    numbered_choice,
    parse_birth_year,
    parse_time,
    split_command,
)
from lessons.textnorm import contains_phrase, fold, has_vietnamese_marks, invisible_characters


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Báo cáo TUẦN", "bao cao tuan"),
        ("Đường đi", "duong di"),
        ("  nhiều   khoảng  trắng ", "nhieu khoang trang"),
        ("ẩn\u200bchữ", "anchu"),
        ("Người Tày, Nùng", "nguoi tay, nung"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "phrase", "found"),
    [
        ("Viết BÁO CÁO tuần", "báo cáo", True),
        ("viet bao cao tuan", "báo cáo", True),
        ("bao cao", "bao", True),
        ("baocao", "báo cáo", False),  # whole words only
        ("chợ phiên", "cho", True),  # accents folded: why lessons avoid such short keywords
        ("", "x", False),
    ],
)
def test_contains_phrase(text: str, phrase: str, found: bool) -> None:
    assert contains_phrase(text, phrase) is found


@pytest.mark.parametrize(
    ("text", "marked"), [("Xin chào", True), ("xin chao", False), ("Đi", True), ("123", False)]
)
def test_vietnamese_marks(text: str, marked: bool) -> None:
    assert has_vietnamese_marks(text) is marked


def test_invisible_characters_are_counted() -> None:
    assert invisible_characters("a\u200bb\u202ec\ufeff") == 3


@pytest.mark.parametrize(
    ("text", "hhmm"),
    [
        ("19:30", "19:30"),
        ("7:05", "07:05"),
        ("19h30", "19:30"),
        ("19h", "19:00"),
        ("7 giờ tối", "19:00"),
        ("7 gio toi", "19:00"),
        ("8 pm", "20:00"),
        ("6 giờ sáng", "06:00"),
        ("20.15", "20:15"),
        ("25:99", None),
        ("24:00", None),
        ("abc", None),
        ("", None),
        ("19:60", None),
        ("12am", "00:00"),
        # as people type them: half past, noon, a quarter to, night, "lúc"
        ("7 rưỡi", "07:30"),
        ("7 ruoi", "07:30"),
        ("7h rưỡi tối", "19:30"),
        ("7 giờ rưỡi chiều", "19:30"),
        ("12h trưa", "12:00"),
        ("12 gio trua", "12:00"),
        ("11 giờ trưa", "11:00"),
        ("1 giờ trưa", "13:00"),
        ("7 giờ kém 15", "06:45"),
        ("10 giờ đêm", "22:00"),
        ("lúc 6h30", "06:30"),
        ("7h.", "07:00"),
        ("rưỡi", None),
        ("7 kém 60", None),
        ("99 rưỡi", None),
    ],
)
def test_parse_time(text: str, hhmm: str | None) -> None:
    assert parse_time(text) == hhmm


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("1985", 1985),
        (" 2001 ", 2001),
        ("3025", None),
        ("abc", None),
        ("85", None),
        ("1899", None),
        ("2026", 2026),
        ("19 85", None),
        ("năm 1962", 1962),
        ("nam 1962", 1962),
        ("Năm 1962.", 1962),
        ("sinh năm 1990", 1990),
        ("tôi sinh năm 1988", 1988),
        ("năm 3025", None),
        ("năm ngoái", None),
    ],
)
def test_parse_birth_year(text: str, year: int | None) -> None:
    assert parse_birth_year(text, 2026) == year


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("1", 0),
        ("2.", 1),
        ("B", 1),
        ("b)", 1),
        ("số 3", 2),
        ("so 3", 2),
        ("0", None),
        ("E", None),
        ("12", 11),
        ("hai", None),
        ("1 2", None),
        ("đáp án C", 2),
        ("dap an c", 2),
        ("câu B", 1),
        ("Câu b.", 1),
        ("chọn 2", 1),
        ("phương án A", 0),
        ("câu 2", None),
        ("đáp án E", None),
    ],
)
def test_numbered_choice(text: str, index: int | None) -> None:
    assert numbered_choice(text) == index


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("học", "lesson"),
        ("Hoc", "lesson"),
        ("tiến độ", "progress"),
        ("TIEN DO", "progress"),
        ("bảng xếp hạng", "leaderboard"),
        ("bang xep hang!", "leaderboard"),
        ("trợ giúp", "help"),
        ("tro giup", "help"),
        ("học sinh giỏi", None),
        ("", None),
        ("học tiếp", "next"),
        ("hoc tiep", "next"),
        ("Bài tiếp theo", "next"),
        ("làm câu hỏi", "quiz"),
        ("Bắt đầu trắc nghiệm", "quiz"),
        ("nộp bài", "submit"),
        ("nop bai", "submit"),
    ],
)
def test_keywords(text: str, command: str | None) -> None:
    assert keyword_command(text) == command


OCCUPATIONS = [
    ["Cán bộ, công chức, viên chức"],
    ["Chủ doanh nghiệp, HTX, hộ kinh doanh"],
    ["Người lao động"],
    ["Nông dân"],
    ["Học sinh, sinh viên"],
    ["Khác"],
]


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("Nông dân", 3),
        ("nong dan", 3),
        ("NÔNG", 3),
        ("nông dân!", 3),
        ("can bo", 0),
        ("hoc sinh", 4),
        ("khac", 5),
        ("Người lao động", 2),
        ("chủ", None),
        ("cán", None),
        ("nông dân trồng chè", None),
        ("", None),
        ("xyz", None),
    ],
)
def test_match_label(text: str, index: int | None) -> None:
    assert match_label(text, OCCUPATIONS) == index


def test_match_label_refuses_a_tie() -> None:
    assert match_label("bo qua", [["Bỏ qua"], ["bỏ qua"]]) is None
    assert match_label("bo qua", [["Bỏ qua", "skip"], ["Khác"]]) == 0


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/start g_AB12CD", ("start", "g_AB12CD")),
        ("/Lesson", ("lesson", "")),
        ("/progress@HocAIBot extra words", ("progress", "extra words")),
        ("start", None),
        ("/", None),
        ("/123", None),
    ],
)
def test_split_command(text: str, parsed: tuple[str, str] | None) -> None:
    assert split_command(text) == parsed
