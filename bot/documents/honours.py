"""`hocai honours --xlsx FILE | --pdf FILE`: a unit's honours for the year-end review, as a
workbook (one sheet per list, numbers as numbers) or a printable A4 PDF in fonts with every
Vietnamese glyph: the DejaVu files the certificates ship in bot/assets/fonts (Sans for the text,
Serif Bold for headings), with their licence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.i18n import Translator
from bot.services.honours import HonoursReport
from bot.services.honours_chat import period_name
from bot.services.rankings_chat import percent
from scoring.honours import Honoured, UnitFacts

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
UNKNOWN = "chưa rõ"

LEARNER_COLUMNS = (
    "Hạng",
    "Họ tên",
    "Đơn vị",
    "Bài đạt",
    "Chuỗi dài nhất (ngày)",
    "Số ngày học",
    "Điểm xét",
)
MENTOR_COLUMNS = ("Hạng", "Họ tên", "Đơn vị", "Nhận xét được khen có ích", "Điểm xét")
UNIT_COLUMNS = (
    "Hạng",
    "Đơn vị",
    "Loại",
    "Người học",
    "Có học",
    "Dân số độ tuổi lao động",
    "Tỉ lệ tham gia",
    "Điểm TB",
    "Bài đạt",
    "Điểm xét",
)


@dataclass(frozen=True)
class Share:
    """A rate: a percentage cell in the workbook, "12,5%" in the PDF; None is unknown."""

    value: float | None


def _rows(report: HonoursReport) -> dict[str, tuple[tuple[str, ...], list[list[object]]]]:
    """The lists as rows of plain values, shared by the workbook and the PDF."""
    learners = [
        [
            h.rank,
            h.facts.name,
            h.facts.unit_name,
            h.facts.passes,
            h.facts.best_streak,
            h.facts.active_days,
            h.score,
        ]
        for h in report.learners
    ]
    mentors = [
        [h.rank, h.facts.name, h.facts.unit_name, h.facts.helpful_reviews, h.score]
        for h in report.mentors
    ]
    sheets = {
        "Học viên": (LEARNER_COLUMNS, learners),
        "Người hướng dẫn": (MENTOR_COLUMNS, mentors),
        "Tập thể": (UNIT_COLUMNS, [_unit_row(h) for h in report.units]),
    }
    if report.groups:
        sheets["Nhóm, tổ"] = (UNIT_COLUMNS, [_unit_row(h) for h in report.groups])
    return sheets


def _unit_row(h: Honoured[UnitFacts]) -> list[object]:
    f = h.facts.figures
    return [
        h.rank,
        f.name,
        f.kind,
        f.members,
        f.active,
        f.working_age if f.working_age else UNKNOWN,
        Share(f.participation),
        round(f.average_score, 1) if f.average_score is not None else "",
        h.facts.passes,
        h.score,
    ]


def _summary(report: HonoursReport, tr: Translator) -> list[tuple[str, object]]:
    f = report.own.figures
    return [
        ("Đơn vị", f"{report.unit_name} ({report.unit_code})"),
        ("Kỳ", period_name(report.period, tr)),
        ("Từ ngày", report.period.start.strftime("%d/%m/%Y")),
        ("Đến trước ngày", report.period.end.strftime("%d/%m/%Y")),
        ("Người học đăng ký", f.members),
        ("Người có học trong kỳ", f.active),
        ("Dân số trong độ tuổi lao động", f.working_age or UNKNOWN),
        ("Tỉ lệ tham gia", Share(f.participation)),
        ("Cán bộ tham gia", Share(f.officials_rate)),
        ("Hộ kinh doanh tham gia", Share(f.business_rate)),
        ("Điểm trung bình", round(f.average_score, 1) if f.average_score is not None else ""),
        ("Bài đạt (điểm đã xác nhận đạt yêu cầu của bài)", report.own.passes),
        ("Tập thể chưa xét (chưa rõ dân số)", report.unjudged),
    ]


def write_xlsx(report: HonoursReport, path: Path) -> None:
    tr = Translator("vi")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tổng quan"
    sheet.append(
        [tr("honours.title", period=period_name(report.period, tr), unit=report.unit_name)]
    )
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in _summary(report, tr):
        sheet.append([label, _cell(value)])
        if isinstance(value, Share):
            sheet.cell(sheet.max_row, 2).number_format = "0.0%"
    sheet.append([])
    sheet.append([tr("honours.how")])
    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["B"].width = 40
    for title, (columns, rows) in _rows(report).items():
        ws = book.create_sheet(title)
        ws.append(list(columns))
        for row in rows:
            ws.append([_cell(v) for v in row])
        _style(ws, columns)
    book.save(path)


def _cell(value: object) -> object:
    if isinstance(value, Share):
        return value.value if value.value is not None else UNKNOWN
    return value


def _style(ws, columns: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(34, len(name) + 4))
        if name == "Tỉ lệ tham gia":
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.0%"
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                cell.data_type = "s"  # a name is text, never a formula the spreadsheet runs
    ws.freeze_panes = "A2"


def write_pdf(report: HonoursReport, path: Path, today: date) -> None:
    tr = Translator("vi")
    pdf = FPDF(orientation="portrait", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    # No DejaVu Sans Bold is shipped: the certificates' Serif Bold sets headings and table heads.
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSerif-Bold.ttf"))
    pdf.set_title(f"Vinh danh {report.period.label} {report.unit_name}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(
        0,
        9,
        tr("honours.title", period=period_name(report.period, tr), unit=report.unit_name).replace(
            "🏅 ", ""
        ),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        0,
        6,
        tr(
            "honours.intro",
            start=report.period.start.strftime("%d/%m/%Y"),
            end=report.period.end.strftime("%d/%m/%Y"),
        )
        + f" Lập ngày {today.strftime('%d/%m/%Y')}.",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    summary = [(label, _text(value)) for label, value in _summary(report, tr)[4:]]
    _table(pdf, ("Chỉ số", "Giá trị"), summary, (110, 70))
    for title, (columns, rows) in _rows(report).items():
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        if not rows:
            pdf.set_font("DejaVu", "", 10)
            pdf.cell(0, 6, tr("honours.nobody"), new_x="LMARGIN", new_y="NEXT")
            continue
        keep = [i for i, c in enumerate(columns) if c not in ("Loại",)]
        widths = _widths([columns[i] for i in keep])
        _table(
            pdf,
            tuple(columns[i] for i in keep),
            [tuple(_text(r[i]) for i in keep) for r in rows],
            widths,
        )
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, tr("honours.how"), new_x="LMARGIN", new_y="NEXT")
    if report.unjudged:
        pdf.multi_cell(
            0, 5, tr("honours.unjudged", count=report.unjudged), new_x="LMARGIN", new_y="NEXT"
        )
    pdf.output(str(path))


def _widths(columns: list[str]) -> tuple[float, ...]:
    wide = {"Hạng": 14, "Họ tên": 44, "Đơn vị": 42}
    rest = (180 - sum(wide.get(c, 0) for c in columns)) / max(
        1, sum(1 for c in columns if c not in wide)
    )
    return tuple(wide.get(c, rest) for c in columns)


def _table(
    pdf: FPDF, head: tuple[str, ...], rows: Sequence[tuple[str, ...]], widths: tuple[float, ...]
) -> None:
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=5,
        headings_style=FontFace(emphasis="BOLD", fill_color=(221, 235, 247)),
    ) as table:
        table.row(head)
        for row in rows:
            table.row(row)


def _text(value: object) -> str:
    if isinstance(value, Share):
        return percent(value.value, Translator("vi")) if value.value is not None else UNKNOWN
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)
