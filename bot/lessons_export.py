"""`hocai lessons export --xlsx FILE`: the review sheet a department's subject-matter reviewer
annotates (frozen header, wrapped text, widths that fit a laptop screen)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lessons.export import COLUMNS, review_rows
from lessons.model import Curriculum

# Characters per column: long texts get room, ids and numbers stay narrow.
WIDTHS = {
    "id": 26,
    "level": 7,
    "order": 7,
    "title": 30,
    "occupation": 18,
    "objectives": 40,
    "content": 70,
    "example": 50,
    "practice": 50,
    "rubric": 50,
    "quiz": 50,
    "review_status": 12,
    "review_by_person": 18,
    "review_on": 12,
    "review_due": 14,
    "comments": 40,
    "agree": 12,
}
MAX_CELL = 32_000  # Excel keeps at most 32,767 characters in a cell


def write_review_sheet(curriculum: Curriculum, path: Path) -> int:
    """Write the sheet; returns the number of lesson rows (header not counted)."""
    rows = review_rows(curriculum)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Duyệt bài học"
    sheet.append([header for _, header in COLUMNS])
    for row in rows:
        sheet.append([_cell(row[key]) for key, _ in COLUMNS])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula the spreadsheet would run
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, (key, _) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(key, 20)
        for cell in sheet[letter]:
            cell.alignment = wrap
        sheet[f"{letter}1"].font, sheet[f"{letter}1"].fill = header_font, header_fill
    sheet.freeze_panes = "B2"  # the header and the lesson id stay in view while scrolling
    sheet.auto_filter.ref = sheet.dimensions
    agree = get_column_letter(len(COLUMNS))
    choice = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
    sheet.add_data_validation(choice)
    if rows:
        choice.add(f"{agree}2:{agree}{len(rows) + 1}")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(rows)


def _cell(value: str | int) -> str | int:
    return value[:MAX_CELL] if isinstance(value, str) else value
