"""Honours of a closed quarter or year do not change afterwards: a snapshot is stored when the
period closes (a scheduled job, idempotent) and /honours and `hocai honours` read it."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook

from bot.app import App
from bot.services import honours as honours_service
from bot.services.honours import from_snapshot, honours, last_closed, to_snapshot
from bot.services.permissions import Role
from scoring.honours import parse_period
from tests.conftest import Chat, Clock, text_of
from tests.roles.conftest import give, unit_id
from tests.services.test_honours import hocai, populate

NEW_YEAR = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)  # 01:30 on 1 January 2027 in Hà Nội


def test_the_periods_that_last_closed() -> None:
    assert [p.label for p in last_closed(date(2027, 1, 1))] == ["2026Q4", "2026"]
    assert [p.label for p in last_closed(date(2026, 7, 15))] == ["2026Q2", "2025"]


async def test_a_closed_quarter_keeps_its_list_when_learners_move_or_leave(
    any_app: App, clock: Clock
) -> None:
    ids = await populate(any_app)
    official = Chat(any_app, "9100")
    await give(any_app, official, Role.OFFICIAL, "PDP")
    running = text_of(await official.send("/honours PDP 2026Q4"))
    assert "1. Nguyễn Thị Ánh (Tổ dân phố số 5)" in running
    assert "chốt" not in running  # a running quarter is counted live
    async with any_app.store.transaction() as repo:
        assert await repo.rankings.honours_stored("2026Q4") == set()

    clock.now = NEW_YEAR
    units = await honours_service.close_periods(any_app.deps)
    assert units > 0
    assert await honours_service.close_periods(any_app.deps) == 0  # a second run: nothing new
    async with any_app.store.transaction() as repo:
        stored_q4 = await repo.rankings.honours_stored("2026Q4")
        stored_year = await repo.rankings.honours_stored("2026")
    assert await unit_id(any_app, "PDP") in stored_q4 and stored_q4 == stored_year

    # After the close: Ánh moves to Tổ 7, Bình leaves (no group any more), and Cúc... is not
    # named; Dũng asks for his data to be deleted: his rank stays, his name goes.
    async with any_app.store.transaction() as repo:
        await repo.learners.update_learner(ids["anh"], unit_id=await unit_id(any_app, "T07"))
        await repo.learners.update_learner(ids["binh"], unit_id=None)
        await repo.learners.delete_learner(ids["dung"])
        pdp = await repo.units.unit_by_code("PDP")
        assert pdp is not None
        live = await honours(repo, pdp.id, parse_period("2026Q4"))
    assert live is not None  # counted live, the list would have changed:
    assert "Trần Văn Bình" not in [h.facts.name for h in live.learners]

    closed = text_of(await official.send("/honours PDP 2026Q4"))
    assert "1. Nguyễn Thị Ánh (Tổ dân phố số 5)" in closed and "Trần Văn Bình" in closed
    assert "Phạm Dũng" not in closed and "2. (một học viên đã xoá dữ liệu)" in closed
    assert "chốt từ ngày 01/01/2027" in closed
    assert text_of(await official.send("/honours PDP 2026Q4")) == closed  # read again: same


async def test_a_snapshot_reads_back_as_the_same_report(app: App) -> None:
    await populate(app)
    async with app.store.transaction() as repo:
        report = await honours(repo, await unit_id(app, "PDP"), parse_period("2026Q4"))
    assert report is not None
    again = from_snapshot(to_snapshot(report))
    assert again.closed and again == type(report)(**{**report.__dict__, "closed": True})


async def test_the_export_of_a_closed_quarter_reads_the_snapshot(
    app: App, clock: Clock, tmp_path: Path
) -> None:
    """2026Q3 is over (also by the real clock the command line reads): a September learner added
    after its close does not enter its exported list."""
    await populate(app)
    clock.now = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)
    assert await honours_service.close_periods(app.deps) > 0
    async with app.store.transaction() as repo:
        late = await repo.learners.identity("telegram", "4")  # Phạm Dũng
        assert late is not None
        for day in range(10, 20):
            await repo.progress.add_activity_day(late.learner_id, date(2026, 9, day))
        live = await honours(repo, await unit_id(app, "PDP"), parse_period("2026Q3"))
    assert live is not None and [h.facts.name for h in live.learners] == ["Phạm Dũng"]
    db = Path(app.settings.database_url.split(":///", 1)[1])
    xlsx = tmp_path / "q3.xlsx"
    done = await asyncio.to_thread(
        hocai, ["honours", "--unit", "PDP", "--period", "2026Q3", "--xlsx", str(xlsx)], db
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = [row[1] for row in load_workbook(xlsx)["Học viên"].iter_rows(values_only=True)]
    assert "Phạm Dũng" not in names
