"""The quarterly report: its workbook against counts taken from the database directly, closed
quarters that do not change, subtree scoping, unknown denominators, ethnicity only as consented
counts, and `hocai report`. On a real SQLite file and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select, update

from bot.app import App
from bot.documents.report_pdf import summary
from bot.documents.report_xlsx import UNKNOWN, small_cell, workbook
from bot.i18n import Translator
from bot.services import report
from bot.services.passing import pass_marks
from bot.services.ports.figures import Counts
from bot.storage.models import (
    Certificate,
    Learner,
    Progress,
    RoleGrant,
    SessionCheckin,
    UnitClosure,
)
from bot.storage.uow import SqlUnitOfWork
from tests.conftest import Clock
from tests.services.test_dashboard import populate
from tests.services.test_honours import hocai

TR = Translator("vi")


def sheet(book: Any, name: str) -> list[tuple[Any, ...]]:
    return list(book[name].iter_rows(values_only=True))


def by_code(rows: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    head = rows[0]
    assert head[0] == "Mã đơn vị"
    return {r[0]: r for r in rows[1:]}


def column(rows: list[tuple[Any, ...]], name: str) -> int:
    return list(rows[0]).index(name)


async def count(repo: SqlUnitOfWork, query: Any) -> int:
    return int(await repo.s.scalar(query) or 0)


async def database_counts(app: App, unit_id: int) -> dict[str, int]:
    """The same figures, counted straight from the tables (no port, no snapshot)."""
    async with app.store.transaction() as repo:
        assert isinstance(repo, SqlUnitOfWork)
        sub = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)
        members = select(Learner.id).where(Learner.unit_id.in_(sub), Learner.status != "onboarding")
        return {
            "learners": await count(repo, select(func.count()).select_from(members.subquery())),
            "lessons_done": await count(
                repo,
                select(func.count())
                .select_from(Progress)
                .where(Progress.learner_id.in_(members), Progress.completed_on.is_not(None)),
            ),
            "level1": await count(
                repo,
                select(func.count())
                .select_from(Certificate)
                .where(
                    Certificate.learner_id.in_(members),
                    Certificate.level == 1,
                    Certificate.revoked_at.is_(None),
                ),
            ),
            "revoked": await count(
                repo,
                select(func.count())
                .select_from(Certificate)
                .where(Certificate.learner_id.in_(members), Certificate.revoked_at.is_not(None)),
            ),
            "instructors": await count(
                repo,
                select(func.count(func.distinct(RoleGrant.learner_id))).where(
                    RoleGrant.role == "instructor",
                    RoleGrant.revoked_at.is_(None),
                    RoleGrant.unit_id.in_(sub),
                ),
            ),
            "attendance": await count(repo, select(func.count()).select_from(SessionCheckin)),
        }


async def build(app: App, code: str, period: str) -> report.QuarterReport:
    async with app.store.transaction() as repo:
        unit = await repo.units.unit_by_code(code)
        assert unit is not None
        found = await report.quarter_report(app.deps, repo, unit.id, period)
    assert found is not None
    return found


async def test_the_workbook_totals_equal_the_database(any_app: App) -> None:
    world = await populate(any_app)
    built = await build(any_app, "TN", "2026Q4")
    assert not built.closed  # the current quarter: counted live
    book = load_workbook(io.BytesIO(workbook(built, TR)))
    assert book.sheetnames == [
        "Tổng quan",
        "Chỉ tiêu",
        "Hoạt động",
        "Nhóm đối tượng",
        "Chứng nhận",
        "Dân tộc",
        "Định nghĩa",
    ]
    expected = await database_counts(any_app, world.units["TN"])
    activity = sheet(book, "Hoạt động")
    total = activity[1]  # the report's unit first: the total over its subtree
    assert total[0] == "TN"
    assert total[column(activity, "Người học đăng ký")] == expected["learners"] == 5
    assert total[column(activity, "Bài đã xong (lũy kế)")] == expected["lessons_done"] == 6
    assert total[column(activity, "Giảng viên nòng cốt")] == expected["instructors"] == 1
    assert total[column(activity, "Lượt điểm danh")] == expected["attendance"] == 2
    certificates = sheet(book, "Chứng nhận")
    assert certificates[1][column(certificates, "Chứng nhận bậc 1")] == expected["level1"] == 1
    assert certificates[1][column(certificates, "Đã thu hồi")] == expected["revoked"] == 1
    # Target groups add up to the learners; numbers are numbers.
    groups = sheet(book, "Nhóm đối tượng")
    learner_columns = [i for i, c in enumerate(groups[0]) if str(c).endswith(": người học")]
    assert len(learner_columns) == 6
    assert sum(groups[1][i] for i in learner_columns) == expected["learners"]
    # Every unit of the tree is a row, in tree order: a unit before what is under it.
    codes = [r[0] for r in activity[1:]]
    assert codes == ["TN", "PDP", "T05", "T05-L1", "T07", "XQ", "Q1", "Q1A"]
    definitions = dict(sheet(book, "Định nghĩa")[1:])
    assert "Bài đạt" in definitions and "Chưa rõ" in definitions


async def test_unknown_denominators_read_unknown_never_100(any_app: App) -> None:
    await populate(any_app)
    book = load_workbook(io.BytesIO(workbook(await build(any_app, "PDP", "2026Q4"), TR)))
    rows = sheet(book, "Chỉ tiêu")
    units = by_code(rows)
    t07 = units["T07"]  # no denominators at all, but a learner and an official
    rates = [i for i, c in enumerate(rows[0]) if str(c).startswith("Tỉ lệ")]
    assert len(rates) == 4
    assert [t07[i] for i in rates] == [UNKNOWN] * 4
    assert [t07[i - 1] for i in rates] == [UNKNOWN] * 4  # the denominators beside them
    pdp = units["PDP"]
    assert [pdp[i] for i in rates] == [2 / 40, 1 / 40, 1 / 4, UNKNOWN]
    assert all(v != 1 for r in rows[1:] for v in (r[i] for i in rates))
    assert book["Chỉ tiêu"].cell(3, rates[0] + 1).number_format == "0.0%"


async def test_a_wards_report_never_includes_a_sibling(any_app: App) -> None:
    await populate(any_app)
    built = await build(any_app, "T05", "2026Q4")
    assert [r.unit.code for r in built.rows] == ["T05", "T05-L1"]
    book = load_workbook(io.BytesIO(workbook(built, TR)))
    cells = {
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    }
    assert not {"T07", "Tổ dân phố số 7", "PDP", "XQ", "Q1"} & {c.strip() for c in cells}
    xq = await build(any_app, "XQ", "2026Q4")
    assert {r.unit.code for r in xq.rows} == {"XQ", "Q1", "Q1A"}
    assert xq.unit.counts.learners == 2


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (812, 812)])
def test_small_ethnicity_counts_are_not_shown_exactly(count: int, shown: int | str) -> None:
    assert small_cell(count) == shown


async def test_ethnicity_only_as_consented_counts(any_app: App) -> None:
    await populate(any_app)
    built = await build(any_app, "TN", "2026Q4")
    book = load_workbook(io.BytesIO(workbook(built, TR)))
    rows = sheet(book, "Dân tộc")
    # c consented (T07); d told it without consenting: not counted anywhere.
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [
        ("TN", "Tày", "<5"),
        ("PDP", "Tày", "<5"),
        ("T07", "Tày", "<5"),
    ]  # 1, never shown as 1
    # No person is ever named in the report, nor their id.
    async with any_app.store.transaction() as repo:
        assert isinstance(repo, SqlUnitOfWork)
        names = set((await repo.s.execute(select(Learner.nickname))).scalars()) | set(
            (await repo.s.execute(select(Learner.display_name))).scalars()
        )
    cells = {
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    }
    assert not {n for n in names if n} & cells
    assert not any(name and name in c for name in names for c in cells if name)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(summary(built, TR))).pages)
    assert not any(name and name in text for name in names)
    assert "Tày" not in text


async def test_a_closed_quarter_does_not_change(any_app: App, clock: Clock) -> None:
    world = await populate(any_app)
    with pytest.raises(report.PeriodError):  # Q4 has not ended yet
        await report.close_quarter(any_app.deps, "2026Q4")
    clock.now = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
    assert report.previous_quarter(any_app.deps).label == "2026Q4"
    assert await report.close_quarter(any_app.deps) is True
    assert await report.close_quarter(any_app.deps) is False  # once: the job may run hourly
    before = {code: await build(any_app, code, "2026Q4") for code in ("TN", "PDP", "T07")}
    assert before["TN"].closed and before["TN"].unit.counts.learners == 5
    # Learners leave and move: a is deleted, c moves from T07 to Q1, T07 gets a new name.
    async with any_app.store.transaction() as repo:
        assert isinstance(repo, SqlUnitOfWork)
        await repo.learners.delete_learner(world.ids["a"])
        await repo.s.execute(
            update(Learner).where(Learner.id == world.ids["c"]).values(unit_id=world.units["Q1"])
        )
    async with any_app.store.transaction() as repo:
        live = await repo.figures.tallies(
            world.units["PDP"],
            report.quarter_window(any_app.deps, before["TN"].period),
            pass_marks(any_app.deps.curriculum),
            0,
        )
    assert live[world.units["PDP"]].counts.learners == 1  # counted now, it would differ
    for code, old in before.items():
        again = await build(any_app, code, "2026Q4")
        assert again == old
    assert before["PDP"].unit.counts.learners == 3
    assert before["PDP"].unit.counts.lessons_passed == 3
    old_book = workbook(before["PDP"], TR)
    assert load_workbook(io.BytesIO(old_book))["Hoạt động"]["E2"].value == 3


async def test_a_past_quarter_never_closed_is_closed_when_first_asked(
    any_app: App, clock: Clock
) -> None:
    await populate(any_app)
    clock.now = datetime(2027, 2, 1, 3, 0, tzinfo=UTC)
    first = await build(any_app, "PDP", "2026-Q4")
    assert first.closed and first.unit.counts.learners == 3
    async with any_app.store.transaction() as repo:
        assert await repo.figures.quarter("2026Q4") is not None
    with pytest.raises(report.FutureQuarter):
        await build(any_app, "PDP", "2027Q2")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2026Q4", "2026Q4"),
        ("2026-Q4", "2026Q4"),
        ("2026q1", "2026Q1"),
        (" 2026 - q2 ", "2026Q2"),
        ("2026", None),
        ("2026Q5", None),
        ("Q4", None),
        ("", None),
        ("quý 4", None),
        ("2026Q4" * 2000, None),
        ("１９９９Q1", None),
    ],
)
def test_periods(text: str, label: str | None) -> None:
    if label is None:
        with pytest.raises(report.PeriodError):
            report.parse_quarter(text)
    else:
        assert report.parse_quarter(text).label == label


def test_counts_round_trip_through_json() -> None:
    counts = Counts(learners=3, certificates={1: 2, 3: 1})
    assert Counts.from_json(counts.as_json()) == counts
    assert Counts.from_json({"learners": 4, "future_field": 1}).learners == 4


async def test_the_pdf_summary(any_app: App, tmp_path: Path) -> None:
    await populate(any_app)
    pdf = summary(await build(any_app, "PDP", "2026Q4"), TR)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Phường Phan Đình Phùng" in text and "quý 4/2026" in text
    assert "Tổ dân phố số 5" in text and "20,0%" in text  # T05: 2 of 10
    assert UNKNOWN in text  # business owners are unknown
    page = pypdfium2.PdfDocument(pdf)[0]
    page.render(scale=1.5).to_pil().save(tmp_path / "report.png")  # for a person to look at


async def test_the_cli(app: App, tmp_path: Path) -> None:
    await populate(app)
    db = Path(app.settings.database_url.split(":///", 1)[1])
    xlsx, pdf = tmp_path / "bao-cao.xlsx", tmp_path / "bao-cao.pdf"
    done = await asyncio.to_thread(
        hocai,
        ["report", "--unit", "PDP", "--period", "2026Q4", "--xlsx", str(xlsx), "--pdf", str(pdf)],
        db,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert str(xlsx) in done.stdout and str(pdf) in done.stdout
    book = load_workbook(xlsx)
    assert by_code(sheet(book, "Hoạt động"))["PDP"][4] == 3
    assert pdf.read_bytes().startswith(b"%PDF")
    for args, says in (
        (["--unit", "NOPE", "--period", "2026Q4", "--xlsx", "x.xlsx"], "Không tìm thấy đơn vị"),
        (["--unit", "PDP", "--period", "2026Q5", "--xlsx", "x.xlsx"], "chưa đúng"),
        (["--unit", "PDP", "--period", "2026", "--xlsx", "x.xlsx"], "chưa đúng"),
        (["--unit", "PDP", "--period", "2099Q1", "--xlsx", "x.xlsx"], "chưa bắt đầu"),
        (["--unit", "PDP", "--period", "2026Q4"], "--xlsx"),
        (["--period", "2026Q4", "--xlsx", "x.xlsx"], "--unit"),
        (["--close", "--period", "2099Q1"], "chưa kết thúc"),
    ):
        result = await asyncio.to_thread(hocai, ["report", *args], db)
        assert result.returncode == 2, (args, result.stdout, result.stderr[-500:])
        assert says in result.stderr and "Traceback" not in result.stderr, args
    closed = await asyncio.to_thread(hocai, ["report", "--close", "--period", "2025Q3"], db)
    assert closed.returncode == 0 and "Đã chốt số liệu quý 2025Q3" in closed.stdout
    again = await asyncio.to_thread(hocai, ["report", "--close", "--period", "2025-q3"], db)
    assert again.returncode == 0 and "đã được chốt từ trước" in again.stdout
