"""`hocai lessons export --xlsx`: the sheet a department's reviewer annotates; `lessons check` text."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.lessons_export import write_review_sheet
from lessons.export import COLUMNS
from lessons.model import Curriculum
from tests.curric.test_variants import LESSON, lessons_dir  # noqa: F401  (a fixture)

HEADERS = [
    "Mã bài (id)",
    "Cấp độ",
    "Thứ tự",
    "Tên bài",
    "Dành cho (nghề)",
    "Mục tiêu",
    "Nội dung bài",
    "Ví dụ mẫu",
    "Bài thực hành",
    "Tiêu chí chấm",
    "Câu hỏi trắc nghiệm",
    "Trạng thái duyệt",
    "Người duyệt",
    "Ngày duyệt",
    "Cần xem lại trước ngày",
    "Nhận xét",
    "Đồng ý (Có/Không)",
]


def test_the_sheet_has_a_row_per_lesson_and_variant(
    curriculum: Curriculum,
    tmp_path: Path,
) -> None:
    path = tmp_path / "out" / "duyet-bai.xlsx"
    rows = write_review_sheet(curriculum, path)
    expected = sum(1 + len(ls.variants) for ls in curriculum.lessons)
    assert rows == expected
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == HEADERS == [h for _, h in COLUMNS]
    assert sheet.max_row == expected + 1
    assert sheet.freeze_panes == "B2"
    assert sheet["G2"].alignment.wrap_text and sheet.column_dimensions["G"].width >= 60
    first = curriculum.lessons[0]
    values = {HEADERS[i]: c.value for i, c in enumerate(sheet[2])}
    assert values["Mã bài (id)"] == first.id and values["Tên bài"] == first.title
    assert values["Cấp độ"] == first.level and values["Thứ tự"] == first.order
    assert first.quiz[0].question in values["Câu hỏi trắc nghiệm"]
    assert all(c.title in values["Tiêu chí chấm"] for c in first.rubric.criteria)
    assert values["Nhận xét"] is None and values["Đồng ý (Có/Không)"] is None
    assert values["Trạng thái duyệt"] in ("Đã duyệt", "Bản nháp")


def test_cli_export_gives_variants_their_own_rows(
    lessons_dir: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "review.xlsx"
    assert main(["lessons", "export", str(lessons_dir), "--xlsx", str(path)]) == 0
    assert "wrote 3 rows" in capsys.readouterr().out
    sheet = load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == [LESSON] * 3
    assert [r[4] for r in rows] == ["Mọi người (bài chính)", "Nông dân", "Cán bộ, công chức"]
    assert "chè Tân Cương" in rows[1][8] and "tiếp công dân" in rows[2][8]
    assert "Nói rõ loại chè và giá" in rows[1][9] and "Có ngày giờ tiếp dân" in rows[2][9]


def test_lessons_check_prints_the_lessons_not_reviewed_by_a_person(
    lessons_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["lessons", "check", str(lessons_dir)])
    out = capsys.readouterr().out
    assert "not yet reviewed by a person: 1" in out and f"  {LESSON}" in out
