"""The quarterly report's summary for the meeting: one or two A4 pages (fpdf2) with the plan's
targets as bars against their goals, the weekly trend of learners who studied, and the children's
participation, drawn with fpdf2's own shapes; text in the DejaVu fonts shipped in
bot/assets/fonts, which have every Vietnamese glyph. An unknown denominator is written "chưa rõ"
and drawn as an empty, hatched bar: never a full one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.documents.report_xlsx import GAUGE_NAMES, UNKNOWN, period_name
from bot.i18n import Translator
from bot.services.dashboard import Gauge
from bot.services.report import QuarterReport, ReportRow

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BLUE, GREEN, GREY, RED = (46, 117, 182), (84, 160, 84), (200, 200, 200), (192, 57, 43)
MAX_CHILDREN = 24  # the chart shows this many children; the workbook has them all


def _pct(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    return f"{value * 100:.1f}%".replace(".", ",")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)


def _bar(
    pdf: FPDF,
    x: float,
    y: float,
    width: float,
    height: float,
    value: float | None,
    target: float | None,
    colour: tuple[int, int, int],
) -> None:
    """A horizontal bar from 0 to 100%: filled to `value`, a red mark at `target`."""
    pdf.set_draw_color(*GREY)
    pdf.set_fill_color(245, 245, 245)
    pdf.rect(x, y, width, height, style="DF")
    if value is None:  # unknown: hatched, empty
        pdf.set_draw_color(*GREY)
        step = 3.0
        offset = 0.0
        while offset < width:
            pdf.line(x + offset, y + height, x + min(width, offset + height), y)
            offset += step
    else:
        pdf.set_fill_color(*colour)
        filled = max(0.0, min(1.0, value)) * width
        if filled > 0:
            pdf.rect(x, y, filled, height, style="F")
    if target is not None:
        pdf.set_draw_color(*RED)
        pdf.set_line_width(0.6)
        pdf.line(x + target * width, y - 1, x + target * width, y + height + 1)
        pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)


def _gauges(pdf: FPDF, gauges: tuple[Gauge, ...]) -> None:
    _heading(pdf, "Các chỉ tiêu của kế hoạch")
    for gauge in gauges:
        name = GAUGE_NAMES[gauge.key][0]
        denominator = gauge.denominator if gauge.denominator is not None else UNKNOWN
        y = pdf.get_y()
        pdf.set_xy(15, y)
        pdf.multi_cell(72, 4.5, name, new_x="RIGHT", new_y="TOP")
        _bar(pdf, 90, y + 1, 70, 5, gauge.rate, gauge.target, GREEN if gauge.met else BLUE)
        pdf.set_xy(162, y)
        pdf.multi_cell(
            35,
            4.5,
            f"{_pct(gauge.rate)}\n{gauge.numerator}/{denominator} (cần {gauge.target:.0%})",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(max(pdf.get_y(), y + 10))
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(
        0,
        5,
        "Vạch đỏ: chỉ tiêu. Thanh gạch chéo: chưa có mẫu số (chưa rõ).",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _trend(pdf: FPDF, row: ReportRow, report: QuarterReport) -> None:
    # The weeks to come of the current quarter are left out, not drawn as zeros.
    # So are weeks before the quarter (the dashboard's snapshot keeps twelve).
    today = report.computed_at.astimezone(ZONE).date()
    points = [
        p
        for p in row.counts.trend
        if p.week_start <= today and p.week_start + timedelta(days=6) >= report.period.start
    ]
    if not points:
        return
    _heading(pdf, "Người có học theo tuần")
    top = max((p.active for p in points), default=0) or 1
    x0, y0, width, height = 20.0, pdf.get_y() + 2, 170.0, 40.0
    step = width / len(points)
    pdf.set_draw_color(*GREY)
    pdf.line(x0, y0 + height, x0 + width, y0 + height)
    pdf.set_font("DejaVu", "", 7)
    for i, point in enumerate(points):
        h = height * point.active / top
        pdf.set_fill_color(*BLUE)
        if h > 0:
            pdf.rect(x0 + i * step + step * 0.15, y0 + height - h, step * 0.7, h, style="F")
        pdf.set_xy(x0 + i * step, y0 + height - h - 4)
        pdf.cell(step, 4, str(point.active), align="C")
        pdf.set_xy(x0 + i * step, y0 + height + 0.5)
        pdf.cell(step, 4, point.week_start.strftime("%d/%m"), align="C")
    pdf.set_xy(15, y0 + height + 6)
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(0, 5, "Mỗi cột là một tuần (ngày thứ Hai đầu tuần).", new_x="LMARGIN", new_y="NEXT")


def _children(pdf: FPDF, report: QuarterReport) -> None:
    kids = [r for r in report.rows if r.unit.depth == 1]
    if not kids:
        return
    _heading(pdf, "Tham gia khóa học theo đơn vị trực thuộc (15-60 tuổi / dân số 15-60)")
    kids.sort(
        key=lambda r: (
            -(r.gauges[0].rate if r.gauges[0].rate is not None else -1),
            r.unit.name.lower(),
        )
    )
    for row in kids[:MAX_CHILDREN]:
        gauge = row.gauges[0]
        if pdf.get_y() > 270:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_xy(15, y)
        pdf.cell(70, 5, row.unit.name[:42])
        _bar(pdf, 88, y + 0.8, 75, 3.6, gauge.rate, gauge.target, GREEN if gauge.met else BLUE)
        pdf.set_xy(165, y)
        pdf.cell(30, 5, f"{_pct(gauge.rate)} ({gauge.numerator})", new_x="LMARGIN", new_y="NEXT")
    if len(kids) > MAX_CHILDREN:
        pdf.cell(
            0,
            5,
            f"... và {len(kids) - MAX_CHILDREN} đơn vị khác (xem tệp Excel).",
            new_x="LMARGIN",
            new_y="NEXT",
        )


def _figures(pdf: FPDF, row: ReportRow) -> None:
    c = row.counts
    _heading(pdf, "Số liệu chính")
    certificates = ", ".join(f"bậc {lv}: {n}" for lv, n in sorted(c.certificates.items()))
    lines = [
        ("Người học đăng ký", str(c.learners)),
        ("Đã tham gia (ít nhất 1 bài)", str(c.started)),
        ("Có học trong quý", str(c.active)),
        ("Bài đã xong / bài đạt trong quý", f"{c.done_in_period} / {c.passed_in_period}"),
        (
            "Chứng nhận còn hiệu lực",
            f"{sum(c.certificates.values())}" + (f" ({certificates})" if certificates else ""),
        ),
        ("Giảng viên nòng cốt / lớp học", f"{c.instructors} / {c.classes}"),
        ("Buổi học trực tiếp / lượt điểm danh", f"{c.sessions} / {c.attendance}"),
    ]
    pdf.set_draw_color(*GREY)
    # The table's body cells take the current fill colour: the bars above leave theirs behind
    # (the rows came out dark blue, the black figures barely readable).
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        col_widths=(100, 80),
        text_align="LEFT",
        line_height=5.5,
        headings_style=FontFace(emphasis="BOLD", fill_color=(221, 235, 247)),
    ) as t:
        t.row(("Chỉ số", "Giá trị"))
        for label, value in lines:
            t.row((label, value))


def summary(report: QuarterReport, tr: Translator) -> bytes:
    pdf = FPDF(orientation="portrait", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    # No DejaVu Sans Bold is shipped: the certificates' Serif Bold sets the headings.
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSerif-Bold.ttf"))
    root = report.unit
    name = period_name(report, tr)
    pdf.set_title(f"Báo cáo {report.period.label} {root.unit.name}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, f"Báo cáo kết quả {name}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, root.unit.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    at = report.computed_at.astimezone(ZONE).strftime("%H:%M %d/%m/%Y")
    last = report.period.end - timedelta(days=1)
    status = (
        f"Số liệu đã chốt lúc {at}."
        if report.closed
        else f"Quý đang diễn ra: số liệu tính đến {at}."
    )
    pdf.multi_cell(
        0,
        5,
        f"Từ {report.period.start:%d/%m/%Y} đến {last:%d/%m/%Y}, tính cả các "
        f"đơn vị bên dưới. {status}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _gauges(pdf, root.gauges)
    _figures(pdf, root)
    _trend(pdf, root, report)
    _children(pdf, report)
    return bytes(pdf.output())
