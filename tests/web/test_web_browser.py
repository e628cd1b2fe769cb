"""The web pages in a real Chromium (Debian's, driven by Playwright; no downloaded browser): an
official signs in through the one-time link from the chat, sees their ward and never the sibling
ward, sorts the children table, downloads the quarterly report; the overview is photographed at a
phone's and a desktop's width for a person to look at (build/screenshots/)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import App
from bot.app.web import report_maker
from bot.channels.web.dashboard import start_dashboard
from bot.channels.web.session import Sealer
from bot.services.permissions import Role
from bot.storage.models import Learner
from tests.conftest import ROOT, Chat, join_code
from tests.services.test_certificates import learner_id, level_one, seed_confirmed
from tests.web.site import SECRET, TTL, add_units, link_for, person, unit_id

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "build" / "screenshots"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install -y chromium; CI runs it)",
)


async def learners(app: App) -> None:
    """A few learners in both wards, so the figures and the table have something to show."""
    for user, group, name in (
        ("9001", "T05", "Nguyễn Thị Hoa"),
        ("9002", "T05", "Trần Văn Bình"),
        ("9003", "T07", "Lê Thị Cúc"),
        ("9004", "T11", "Lò Văn Tân"),
    ):
        chat = Chat(app, user, name=name)
        await chat.join(await join_code(app, group))
        await chat.send("/lesson")
    lessons, capstone = level_one(app)
    await seed_confirmed(app, await learner_id(app, "9001"), [*lessons, capstone])
    await seed_confirmed(app, await learner_id(app, "9002"), lessons[:3], score=90)


async def registered(app: App, groups: list[str]) -> int:
    """Learners past onboarding in these groups, counted from the database directly."""
    ids = [await unit_id(app, code) for code in groups]
    async with app.store.transaction() as repo:
        found = await repo.s.scalar(
            select(func.count())
            .select_from(Learner)
            .where(Learner.unit_id.in_(ids), Learner.status != "onboarding")
        )
    return int(found or 0)


async def test_an_official_signs_in_sorts_and_downloads(app: App, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    await add_units(app)
    await learners(app)
    official = await person(app, "601", Role.OFFICIAL, "PDP", name="Cán bộ Phường")
    runner = await start_dashboard(
        app.deps,
        Sealer.for_secret(SECRET),
        host="127.0.0.1",
        port=0,
        secure=False,
        session_ttl=TTL,
        reports=report_maker(),
    )
    host, port = runner.addresses[0][:2]
    app.deps.web_url = f"http://{host}:{port}"
    ward = await unit_id(app, "PDP")
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM)
            for width, height, name in ((390, 844, "phone"), (1280, 900, "desktop")):
                page = await browser.new_page(
                    viewport={"width": width, "height": height}, accept_downloads=True
                )
                await page.goto(await link_for(app, official))
                await page.get_by_role("button", name="Vào trang quản lý").click()
                await page.wait_for_url(f"**/web/unit/{ward}")
                assert await page.locator("h1").inner_text() == "Phường Phan Đình Phùng"
                body = await page.locator("body").inner_text()
                assert "Tổ dân phố số 5" in body and "Tổ dân phố số 7" in body
                assert "Tân Lập" not in body and "Thái Nguyên" not in body  # not theirs
                await page.screenshot(path=str(tmp_path / f"overview-{name}.png"), full_page=True)
                shutil.copy(tmp_path / f"overview-{name}.png", SHOTS / f"overview-{name}.png")
                if name == "desktop":
                    shutil.copy(tmp_path / "overview-desktop.png", SHOTS / "overview.png")
                # The sibling ward's address typed by hand: not found, nothing named.
                response = await page.goto(
                    f"http://{host}:{port}/web/unit/{await unit_id(app, 'TL')}"
                )
                assert response is not None and response.status == 404
                assert "Tân Lập" not in await page.locator("body").inner_text()
                await page.go_back()
                await page.close()

            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(await link_for(app, official))
            await page.get_by_role("button", name="Vào trang quản lý").click()
            await page.wait_for_url(f"**/web/unit/{ward}")
            table = page.locator("table.children tbody tr td:first-child")
            assert await table.all_inner_texts() == ["Tổ dân phố số 5", "Tổ dân phố số 7"]
            await page.get_by_role("link", name="Đơn vị ▲").click()  # name, now descending
            await page.wait_for_url("**sort=name&dir=desc**")
            assert await table.all_inner_texts() == ["Tổ dân phố số 7", "Tổ dân phố số 5"]
            await page.get_by_role("link", name="Học viên", exact=True).click()
            await page.wait_for_url("**sort=learners&dir=desc**")
            assert await table.all_inner_texts() == ["Tổ dân phố số 5", "Tổ dân phố số 7"]
            # The quarterly report, downloaded as a person does, opened as the office will.
            async with page.expect_download() as caught:
                await page.get_by_role("button", name="Tải báo cáo quý (Excel)").click()
            download = await caught.value
            assert download.suggested_filename == "bao-cao-PDP-2026Q4.xlsx"
            saved = tmp_path / download.suggested_filename
            await download.save_as(saved)
            book = load_workbook(saved, read_only=True)
            activity = [list(r) for r in book["Hoạt động"].iter_rows(values_only=True)]
            learners_column = activity[0].index("Người học đăng ký")
            assert [r[0] for r in activity[1:]] == ["PDP", "T05", "T07"]  # never Tân Lập
            assert activity[1][learners_column] == await registered(app, ["T05", "T07"]) == 3
            async with page.expect_download() as caught:
                await page.get_by_role("button", name="Tải bản tóm tắt (PDF)").click()
            pdf = await caught.value
            assert pdf.suggested_filename == "bao-cao-PDP-2026Q4.pdf"
            await pdf.save_as(tmp_path / "summary.pdf")
            assert (tmp_path / "summary.pdf").read_bytes().startswith(b"%PDF")
            await page.get_by_role("link", name="Tổ dân phố số 7").click()  # a row opens it
            await page.wait_for_url(f"**/web/unit/{await unit_id(app, 'T07')}")
            assert await page.locator("h1").inner_text() == "Tổ dân phố số 7"
            await page.get_by_role("button", name="Đăng xuất").click()
            await page.wait_for_url("**/web/signed-out")
            await page.go_back()
            await page.reload()
            assert "Bạn chưa đăng nhập" in await page.locator("body").inner_text()
            await browser.close()
    finally:
        await runner.cleanup()
