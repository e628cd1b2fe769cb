"""Honours of a unit for a quarter or a year: the data, the /honours chat, the exports."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from bot.app import App
from bot.services import badges
from bot.services.honours import honours
from bot.services.permissions import Role
from bot.services.ports import GradeStatus, SubmissionStatus, UnitOfWork
from bot.services.units import import_units
from lessons.model import Lesson
from scoring.honours import parse_period
from tests.conftest import ROOT, Chat, join_code, text_of
from tests.keys import says
from tests.roles.conftest import give
from tests.services.test_rankings import TREE

NOV = date(2026, 11, 2)


async def done_with_grade(
    app: App,
    repo: UnitOfWork,
    lid: int,
    lesson: Lesson,
    score: int,
    status: GradeStatus = GradeStatus.FINAL,
) -> None:
    """The lesson done on NOV, its work graded `score` (confirmed by the model when final)."""
    now = app.deps.now()
    await repo.progress.assign(lid, lesson.id, lesson.level, NOV)
    await repo.progress.complete(lid, lesson.id, NOV)
    sub, _ = await repo.submissions.add_submission(
        lid, lesson.id, "telegram", "bài làm", None, None, SubmissionStatus.GRADED, now
    )
    await repo.grades.add_grade(sub.id, score, {}, status, "model", 0, 0, now)
    if status == GradeStatus.FINAL:
        await repo.progress.set_best_score(lid, lesson.id, score)


async def member(
    app: App,
    user: str,
    unit: str,
    name: str,
    days: list[int],
    passes: int = 0,
    before: list[date] = (),
) -> int:
    """A learner of `unit` who studied on NOV + each of `days` and passed `passes` lessons."""
    chat = Chat(app, user, name=name)
    await chat.join(await join_code(app, unit))
    async with app.store.transaction() as repo:
        ident = await repo.learners.identity("telegram", user)
        assert ident is not None
        lid = ident.learner_id
        for offset in days:
            await repo.progress.add_activity_day(lid, NOV + timedelta(days=offset))
        for day in before:
            await repo.progress.add_activity_day(lid, day)
        for lesson in app.deps.curriculum.lessons[:passes]:
            await done_with_grade(app, repo, lid, lesson, 80)
    return lid


async def populate(app: App) -> dict[str, int]:
    await import_units(app.store, TREE)
    return {
        "anh": await member(
            app, "1", "T05", "Nguyễn Thị Ánh", [0, 1, 2, 3, 4], passes=2, before=[date(2026, 9, 30)]
        ),
        "binh": await member(app, "2", "T05", "Trần Văn Bình", [0, 2, 4]),
        "cuc": await member(app, "3", "T05", "Lê Thị Cúc", [0]),  # too few days to be named
        "dung": await member(app, "4", "T07", "Phạm Dũng", [5, 6, 7, 8], passes=1),
        "em": await member(app, "5", "T07", "Hoàng Em", []),
        "phuc": await member(app, "6", "T07", "Đỗ Phúc", []),
    }


async def test_honours_rank_learners_mentors_and_collectives(any_app: App) -> None:
    ids = await populate(any_app)
    async with any_app.store.transaction() as repo:
        await badges.mentor_review_helpful(any_app.deps, repo, ids["dung"], "review:1")
        pdp = await repo.units.unit_by_code("PDP")
        assert pdp is not None
        quarter = await honours(repo, pdp.id, parse_period("2026Q4"))
        year = await honours(repo, pdp.id, parse_period("2026"))
        q3 = await honours(repo, pdp.id, parse_period("2026Q3"))
    assert quarter is not None and year is not None and q3 is not None
    # passes x10 + longest streak x2 + days x1
    assert [(h.rank, h.facts.name, h.score) for h in quarter.learners] == [
        (1, "Nguyễn Thị Ánh", 2 * 10 + 5 * 2 + 5),
        (2, "Phạm Dũng", 10 + 4 * 2 + 4),
        (3, "Trần Văn Bình", 0 + 1 * 2 + 3),
    ]
    assert [h.facts.name for h in quarter.mentors] == ["Phạm Dũng"]
    # T05: 3 of 10 working-age people; T07 has no population on file, so it is not judged.
    assert [(h.facts.figures.name, h.facts.figures.active) for h in quarter.units] == [
        ("Tổ dân phố số 5", 3)
    ]
    assert quarter.unjudged == 1
    assert quarter.own.figures.members == 6 and quarter.own.passes == 3
    # The year holds the September day (not next to November: the streak is still 5).
    anh = next(h for h in year.learners if h.facts.name == "Nguyễn Thị Ánh")
    assert (anh.facts.active_days, anh.facts.best_streak) == (6, 5)
    assert [h.facts.name for h in q3.learners] == []  # one day is below the minimum


async def test_equal_learners_share_a_rank(app: App) -> None:
    await import_units(app.store, TREE)
    await member(app, "1", "T05", "An", [0, 1, 2])
    await member(app, "2", "T05", "Bảo", [3, 4, 5])
    async with app.store.transaction() as repo:
        t05 = await repo.units.unit_by_code("T05")
        assert t05 is not None
        report = await honours(repo, t05.id, parse_period("2026Q4"))
    assert report is not None
    assert [(h.rank, h.facts.name) for h in report.learners] == [(1, "An"), (1, "Bảo")]


async def test_honours_in_the_chat_for_officials_only(app: App) -> None:
    await populate(app)
    official = Chat(app, "9100")
    await give(app, official, Role.OFFICIAL, "PDP")  # reports over the ward's subtree
    out = await official.send("/honours PDP 2026Q4")
    text = text_of(out)
    assert "Vinh danh quý 4/2026: Phường Phan Đình Phùng" in text
    assert "1. Nguyễn Thị Ánh (Tổ dân phố số 5)" in text and "Lê Thị Cúc" not in text
    assert "1 tập thể chưa được xét" in text
    for bad, expected in (
        ("/honours PDP 2026Q5", "chưa đúng"),
        ("/honours NOPE", "Không tìm thấy"),
        # No code: the unit of the official's role, this quarter.
        ("/honours", "Vinh danh quý 4/2026: Phường Phan Đình Phùng"),
        ("/honours " + "x" * 10_000, "/honours PDP"),
        ("/honours A B C", "/honours PDP"),
    ):
        assert expected in text_of(await official.send(bad)), bad
    assert says(
        text_of(await official.send("/honours TN 2026Q4")), "honours.not_allowed"
    )  # above the ward
    learner = Chat(app, "1")
    assert says(text_of(await learner.send("/honours PDP 2026Q4")), "honours.not_allowed")
    assert says(text_of(await learner.send("vinh danh")), "honours.not_allowed")
    # A group's leader sees the group's honours by default (the unit of the role).
    leader = Chat(app, "2")
    await give(app, leader, Role.LEADER, "T05")
    out = text_of(await leader.send("/honours 2026Q4"))
    assert "Vinh danh quý 4/2026: Tổ dân phố số 5" in out and "Phạm Dũng" not in out
    assert says(text_of(await leader.send("/honours PDP 2026Q4")), "honours.not_allowed")


async def test_only_confirmed_passes_count(app: App) -> None:
    """Done is not passed: a confirmed score under the pass mark, or one still held, passes
    nothing; a rules-only confirmation does not pass a capstone (as for certificates)."""
    await import_units(app.store, TREE)
    lid = await member(app, "1", "T05", "An", [0, 1, 2])
    items = app.deps.curriculum.of_level(1)
    lessons, capstone = [ls for ls in items if not ls.is_capstone], items[-1]
    assert capstone.is_capstone
    async with app.store.transaction() as repo:
        await done_with_grade(app, repo, lid, lessons[0], 40)  # confirmed, under the mark
        await done_with_grade(app, repo, lid, lessons[1], 95, GradeStatus.PROVISIONAL)  # held
        await done_with_grade(app, repo, lid, lessons[2], 75)  # passed
        await repo.progress.assign(lid, capstone.id, capstone.level, NOV)
        await repo.progress.complete(lid, capstone.id, NOV)
        sub, _ = await repo.submissions.add_submission(
            lid,
            capstone.id,
            "telegram",
            "bài cuối",
            None,
            None,
            SubmissionStatus.GRADED,
            app.deps.now(),
        )
        await repo.grades.add_grade(
            sub.id, 100, {}, GradeStatus.FINAL, "rules", 0, 0, app.deps.now()
        )
        t05 = await repo.units.unit_by_code("T05")
        assert t05 is not None
        report = await honours(repo, t05.id, parse_period("2026Q4"))
    assert report is not None
    assert [h.facts.passes for h in report.learners] == [1] and report.own.passes == 1


def hocai(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{db}", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_honours_export_xlsx_and_pdf(app: App, tmp_path: Path) -> None:
    await populate(app)
    db = Path(app.settings.database_url.split(":///", 1)[1])
    xlsx, pdf = tmp_path / "vinh-danh.xlsx", tmp_path / "vinh-danh.pdf"
    done = await asyncio.to_thread(
        hocai,
        ["honours", "--unit", "PDP", "--period", "2026Q4", "--xlsx", str(xlsx), "--pdf", str(pdf)],
        db,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    book = load_workbook(xlsx)
    assert book.sheetnames[:4] == ["Tổng quan", "Học viên", "Người hướng dẫn", "Tập thể"]
    rows = list(book["Học viên"].iter_rows(values_only=True))
    assert rows[1][:4] == (1, "Nguyễn Thị Ánh", "Tổ dân phố số 5", 2)
    units = list(book["Tập thể"].iter_rows(values_only=True))
    assert units[1][1] == "Tổ dân phố số 5" and units[1][6] == 0.3  # a rate, as a number
    pages = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Nguyễn Thị Ánh" in pages and "Vinh danh quý 4/2026" in pages
    assert "Phường Phan Đình Phùng" in pages and "30%" in pages

    for args, expected in ((["--period", "2026Q5"], "chưa đúng"), (["--period", "2026"], "")):
        result = await asyncio.to_thread(hocai, ["honours", "--unit", "PDP", *args], db)
        if expected:
            assert result.returncode == 2 and expected in result.stderr and not result.stdout
        else:
            assert result.returncode == 0 and "Vinh danh năm 2026" in result.stdout
    result = await asyncio.to_thread(hocai, ["honours", "--unit", "NOPE", "--period", "2026"], db)
    assert result.returncode == 2 and "NOPE" in result.stderr
