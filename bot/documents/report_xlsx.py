"""The quarterly report as a workbook: the plan's indicators for every unit of the subtree,
numerators and denominators side by side, activity, target groups, certificates per level,
consented ethnicity as counts, and a sheet of definitions. Vietnamese headers; numbers as
numbers, rates as percentages, an unknown denominator as "chưa rõ" (never 100%).

Written with XlsxWriter row by row in its constant-memory mode: a province's 20,000 units are
close to two million cells, which openpyxl's write-only mode took 43 s to write on the bench
machine (bench/dashboard_bench.py); strings are never read as formulas or links."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

import xlsxwriter

from bot.i18n import Translator
from bot.services.dashboard import TARGETS
from bot.services.ports.figures import GROUPS
from bot.services.report import QuarterReport, ReportRow

UNKNOWN = "chưa rõ"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
GROUP_NAMES = {
    "official": "Cán bộ, công chức",
    "business": "Chủ DN, HTX, hộ KD",
    "farmer": "Nông dân",
    "worker": "Công nhân, người lao động",
    "student": "Học sinh, sinh viên",
    "other": "Khác",
}
GAUGE_NAMES = {
    "course": ("Tham gia khóa học (15-60 tuổi)", "Dân số 15-60 tuổi"),
    "skills": ("Có kỹ năng AI cơ bản (chứng nhận bậc 1, 15-60 tuổi)", "Dân số 15-60 tuổi"),
    "officials": ("Cán bộ, công chức đã học", "Tổng số cán bộ, công chức"),
    "business": ("Chủ DN, HTX, hộ KD đã học", "Tổng số chủ DN, HTX, hộ KD"),
}
UNIT_COLUMNS = ("Mã đơn vị", "Đơn vị", "Loại", "Cấp")
ACTIVITY_COLUMNS = (
    ("Người học đăng ký", "learners"),
    ("Đã tham gia (ít nhất 1 bài)", "started"),
    ("Có học trong quý", "active"),
    ("Có học 7 ngày cuối", "active_week"),
    ("Bài đã xong trong quý", "done_in_period"),
    ("Bài đạt trong quý", "passed_in_period"),
    ("Bài đã xong (lũy kế)", "lessons_done"),
    ("Bài đạt (lũy kế)", "lessons_passed"),
    ("Giảng viên nòng cốt", "instructors"),
    ("Lớp học", "classes"),
    ("Buổi học trực tiếp", "sessions"),
    ("Lượt điểm danh", "attendance"),
)
GROUP_FIGURES = ("người học", "đã tham gia", "có học trong quý", "chứng nhận bậc 1")
PERCENT = "0.0%"

# Ethnicity counts of 1-4 are shown as "<5": in a small group a count of 1 could point at a person
# (the usual small-cell rule of statistics offices). 0 and 5 or more are shown as they are.
SMALL_CELL = 5


def small_cell(count: int) -> int | str:
    return count if count == 0 or count >= SMALL_CELL else f"<{SMALL_CELL}"


DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Phạm vi",
        "Mỗi dòng là một đơn vị và tính cả mọi đơn vị bên dưới nó (tổ, lớp, nhóm...). "
        "Dòng đầu tiên là tổng của cả báo cáo. Không cộng dọc các dòng: số sẽ bị tính hai lần.",
    ),
    (
        "Người học đăng ký",
        "Người đã đăng ký xong (qua bước làm quen) trước ngày cuối quý, "
        "thuộc đơn vị hoặc đơn vị bên dưới.",
    ),
    (
        "Đã tham gia",
        "Người học đã làm xong ít nhất một bài (trả lời câu hỏi và nộp bài thực "
        "hành) trước ngày cuối quý.",
    ),
    (
        "Tham gia khóa học (chỉ tiêu 80%)",
        "Người đã tham gia, từ 15 đến 60 tuổi tính theo năm "
        "sinh (người không khai năm sinh được tính), chia cho dân số trong độ tuổi lao động của "
        "đơn vị (cột working_age của tệp đơn vị).",
    ),
    (
        "Có kỹ năng AI cơ bản (chỉ tiêu 50%)",
        "Người giữ chứng nhận bậc 1 còn hiệu lực (không bị "
        "thu hồi), từ 15 đến 60 tuổi, chia cho dân số trong độ tuổi lao động.",
    ),
    (
        "Cán bộ, công chức đã học (chỉ tiêu 100%)",
        'Người học chọn nghề "cán bộ, công chức" '
        "đã làm xong ít nhất một bài, tính tại cơ quan của họ (nếu đã khai) hoặc tại đơn vị của "
        "họ, chia cho số cán bộ của đơn vị (cột officials).",
    ),
    (
        "Chủ DN, HTX, hộ KD đã học (chỉ tiêu 80%)",
        'Người học chọn nghề "kinh doanh" đã làm '
        "xong ít nhất một bài, chia cho số chủ doanh nghiệp, hợp tác xã, hộ kinh doanh (cột "
        "business_owners).",
    ),
    (
        "Chưa rõ",
        "Đơn vị chưa có mẫu số (dân số, số cán bộ, số chủ hộ kinh doanh) trong tệp "
        'đơn vị: tỉ lệ ghi "chưa rõ", không bao giờ ghi 100%.',
    ),
    ("Có học trong quý", "Người học có ít nhất một ngày học trong quý."),
    (
        "Bài đã xong",
        'Bài đã trả lời câu hỏi và nộp bài thực hành; "trong quý": xong trong '
        'quý, "lũy kế": xong từ đầu đến hết quý.',
    ),
    (
        "Bài đạt",
        "Bài đã xong có điểm đã xác nhận (bởi mô hình hoặc giảng viên) đạt điểm đạt của "
        "bài; bài cuối bậc phải được xác nhận bởi mô hình hoặc người, không chỉ chấm tự động.",
    ),
    (
        "Chứng nhận",
        "Chứng nhận theo bậc, đạt trước ngày cuối quý, còn hiệu lực; chứng nhận bị "
        "thu hồi được đếm riêng.",
    ),
    (
        "Giảng viên nòng cốt",
        "Số người đang giữ vai trò giảng viên trong đơn vị hoặc đơn vị "
        "bên dưới vào cuối quý; một người phụ trách nhiều nơi chỉ tính một lần.",
    ),
    ("Lớp học", "Lớp do giảng viên mở, còn mở vào một ngày nào đó trong quý."),
    (
        "Buổi học trực tiếp, lượt điểm danh",
        "Buổi học trực tiếp bắt đầu trong quý, và số lượt người học điểm danh bằng mã của buổi.",
    ),
    ("Nhóm đối tượng", "Theo nghề người học chọn khi đăng ký; tính tại đơn vị của người học."),
    (
        "Dân tộc",
        "Chỉ người học đã đồng ý riêng cho câu hỏi này, chỉ ghi số lượng theo đơn vị, "
        'không bao giờ ghi tên hay thông tin từng người. Số từ 1 đến 4 ghi là "<5" để không ai '
        "trong một nhóm nhỏ bị nhận ra.",
    ),
    (
        "Quý đã chốt",
        "Khi quý kết thúc, số liệu của mọi đơn vị được lưu lại; báo cáo quý đã chốt "
        "đọc số liệu đã lưu, nên không đổi khi người học chuyển đơn vị hay xóa tài khoản. Quý đang "
        "diễn ra được tính đến thời điểm lập báo cáo.",
    ),
)


class _Book:
    """A workbook being written: its formats, and one sheet at a time, row by row."""

    def __init__(self, out: io.BytesIO) -> None:
        self.book = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.head = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"}
        )
        self.bold = self.book.add_format({"bold": True})
        self.percent = self.book.add_format({"num_format": PERCENT})

    def sheet(
        self,
        title: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        widths: Sequence[int] = (),
    ) -> None:
        ws = self.book.add_worksheet(title)
        for index, name in enumerate(columns):
            width = widths[index] if index < len(widths) else max(10, min(22, len(name) // 2 + 6))
            ws.set_column(index, index, width)
        ws.freeze_panes(1, 2)
        ws.write_row(0, 0, list(columns), self.head)
        ws.set_row(0, 45)
        percent = [i for i, c in enumerate(columns) if c.startswith("Tỉ lệ")]
        for r, row in enumerate(rows, start=1):
            ws.write_row(r, 0, row)
            for i in percent:  # a rate as a number shown as a percentage; "chưa rõ" as text
                if isinstance(row[i], float):
                    ws.write_number(r, i, row[i], self.percent)


def _unit(row: ReportRow) -> list[object]:
    u = row.unit
    return [u.code, "  " * min(u.depth, 6) + u.name, u.kind, u.depth]


def _known(value: int | None) -> object:
    return value if value is not None else UNKNOWN


def _rate(value: float | None) -> object:
    return value if value is not None else UNKNOWN


def period_name(report: QuarterReport, tr: Translator) -> str:
    label = report.period.label
    return tr("honours.quarter", q=label[-1], year=label[:4])


def _summary(report: QuarterReport, tr: Translator) -> list[list[object]]:
    root = report.unit
    u, c = root.unit, root.counts
    at = report.computed_at.astimezone(ZONE).strftime("%H:%M %d/%m/%Y")
    status = (
        f"Đã chốt số liệu lúc {at}" if report.closed else f"Quý đang diễn ra: số liệu tính đến {at}"
    )
    out: list[list[object]] = [
        ["Đơn vị", f"{u.name} ({u.code})"],
        ["Kỳ báo cáo", period_name(report, tr)],
        ["Từ ngày", report.period.start.strftime("%d/%m/%Y")],
        ["Đến hết ngày", (report.period.end - timedelta(days=1)).strftime("%d/%m/%Y")],
        ["Tình trạng", status],
        ["Số đơn vị trong báo cáo", len(report.rows)],
        [],
        ["Chỉ tiêu", "Đã đạt", "Mẫu số", "Tỉ lệ", "Chỉ tiêu"],
    ]
    for gauge in root.gauges:
        out.append(
            [
                GAUGE_NAMES[gauge.key][0],
                gauge.numerator,
                _known(gauge.denominator),
                _rate(gauge.rate),
                TARGETS[gauge.key],
            ]
        )
    out += [
        [],
        ["Người học đăng ký", c.learners],
        ["Có học trong quý", c.active],
        ["Bài đạt trong quý", c.passed_in_period],
        ["Chứng nhận còn hiệu lực", sum(c.certificates.values())],
        ["Giảng viên nòng cốt", c.instructors],
        ["Lớp học", c.classes],
        ["Lượt điểm danh", c.attendance],
    ]
    return out


def workbook(report: QuarterReport, tr: Translator) -> bytes:
    out = io.BytesIO()
    book = _Book(out)
    ws = book.book.add_worksheet("Tổng quan")
    ws.set_column(0, 0, 48)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 4, 14)
    u = report.unit.unit
    ws.write_string(0, 0, f"Báo cáo kết quả {period_name(report, tr)}: {u.name}", book.bold)
    for r, line in enumerate(_summary(report, tr), start=1):
        for i, value in enumerate(line):
            if isinstance(value, float):
                ws.write_number(r, i, value, book.percent)
            elif line[:1] == ["Chỉ tiêu"]:
                ws.write(r, i, value, book.bold)
            else:
                ws.write(r, i, value)

    units = (12, 34, 10, 6)
    indicator_columns = list(UNIT_COLUMNS)
    for key in ("course", "skills", "officials", "business"):
        numerator, denominator = GAUGE_NAMES[key]
        indicator_columns += [numerator, denominator, f"Tỉ lệ (chỉ tiêu {TARGETS[key]:.0%})"]
    book.sheet(
        "Chỉ tiêu",
        indicator_columns,
        (
            [
                *_unit(r),
                *(v for g in r.gauges for v in (g.numerator, _known(g.denominator), _rate(g.rate))),
            ]
            for r in report.rows
        ),
        units,
    )

    book.sheet(
        "Hoạt động",
        [*UNIT_COLUMNS, *(name for name, _ in ACTIVITY_COLUMNS)],
        (
            [*_unit(r), *(getattr(r.counts, attr) for _, attr in ACTIVITY_COLUMNS)]
            for r in report.rows
        ),
        units,
    )

    group_columns = [
        *UNIT_COLUMNS,
        *(f"{GROUP_NAMES[g]}: {f}" for g in GROUPS for f in GROUP_FIGURES),
    ]
    book.sheet(
        "Nhóm đối tượng",
        group_columns,
        ([*_unit(r), *(v for g in GROUPS for v in _group(r, g))] for r in report.rows),
        units,
    )

    levels = sorted({level for r in report.rows for level in r.counts.certificates} | {1})
    cert_columns = [
        *UNIT_COLUMNS,
        *(f"Chứng nhận bậc {lv}" for lv in levels),
        "Tổng còn hiệu lực",
        "Đã thu hồi",
    ]
    book.sheet(
        "Chứng nhận",
        cert_columns,
        (
            [
                *_unit(r),
                *(r.counts.certificates.get(lv, 0) for lv in levels),
                sum(r.counts.certificates.values()),
                r.counts.revoked,
            ]
            for r in report.rows
        ),
        units,
    )

    book.sheet(
        "Dân tộc",
        [*UNIT_COLUMNS, "Dân tộc", "Số người học (đã đồng ý cho biết)"],
        (
            [*_unit(r), name, small_cell(n)]
            for r in report.rows
            for name, n in sorted(r.counts.ethnicity.items())
        ),
        (*units, 20, 20),
    )

    book.sheet("Định nghĩa", ("Chỉ số", "Cách tính"), DEFINITIONS, (36, 110))
    book.book.close()
    return out.getvalue()


def _group(row: ReportRow, group: str) -> tuple[int, int, int, int]:
    g = row.counts.by_group.get(group)
    return (g.learners, g.started, g.active, g.certified) if g else (0, 0, 0, 0)
