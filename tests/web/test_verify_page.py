"""The public verification page: what it shows for a valid, a revoked, an unknown, a malformed and
a 10,000-character code, over real HTTP, and in a real Chromium."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zxingcpp
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bot.app import App
from bot.channels.web.verify import start_verify_server, verify_app
from bot.services import certificates
from scoring.certificate_code import new_code, shown
from tests.conftest import Clock
from tests.services.test_certificates import issued_certificate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
async def client(app: App) -> AsyncIterator[TestClient]:
    web_app = verify_app(app.store, app.deps.certificate_maker, app.deps.public_url)
    async with TestClient(TestServer(web_app)) as test_client:
        yield test_client


async def revoke(app: App, code: str, clock: Clock) -> None:
    async with app.store.transaction() as repo:
        outcome, _ = await certificates.revoke(
            repo, code, "cli:canbo", "Bài cuối bậc sao chép", clock.now
        )
    assert outcome == "revoked"


async def test_a_valid_code_shows_the_certificate_and_nothing_else(
    app: App,
    client: TestClient,
) -> None:
    code = await issued_certificate(app, "8101")
    for typed in (shown(code), code.lower()):
        response = await client.get(f"/verify/{typed}")
        page = await response.text()
        assert response.status == 200, page
        assert "Chứng nhận hợp lệ" in page and "Nguyễn Thị Hoa" in page
        assert "Bậc 1: Làm việc với văn bản cùng AI" in page and "23/11/2026" in page
        assert "Tổ dân phố số 5, Phường Phan Đình Phùng" in page and shown(code) in page
    # Nothing about the person beyond what the certificate prints: no scores, ids, nicknames.
    for private in ("8101", "Học viên", "điểm", "1990", "Nông dân", "telegram"):
        assert private not in page
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


async def test_a_revoked_code_says_so_with_its_reason(
    app: App,
    client: TestClient,
    clock: Clock,
) -> None:
    code = await issued_certificate(app, "8102")
    await revoke(app, code, clock)
    response = await client.get(f"/verify/{shown(code)}")
    page = await response.text()
    assert response.status == 200 and "Đã thu hồi" in page and "Bài cuối bậc sao chép" in page
    assert "Chứng nhận hợp lệ" not in page
    assert (await client.get(f"/verify/{shown(code)}.png")).status == 410


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/verify/ABCDE", 400, "Mã không hợp lệ"),
        ("/verify/" + "A" * 10_000, 400, "Mã không hợp lệ"),
        ("/verify?code=" + "9" * 10_000, 400, "Mã không hợp lệ"),
        ("/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400, "Mã không hợp lệ"),
        ("/verify/{unknown}", 404, "Không tìm thấy chứng nhận"),
        ("/verify?code={unknown}", 404, "Không tìm thấy chứng nhận"),
        ("/verify/{unknown}.png", 404, "Không có chứng nhận"),
    ],
)
async def test_bad_codes_get_a_clear_answer_and_nothing_else(
    app: App,
    client: TestClient,
    path: str,
    status: int,
    words: str,
) -> None:
    await issued_certificate(app, "8103")
    response = await client.get(path.replace("{unknown}", shown(new_code())))
    page = await response.text()
    assert response.status == status and words in page
    assert "Nguyễn Thị Hoa" not in page and "<script>" not in page and len(page) < 6000


async def test_the_picture_for_zalo_is_the_certificate(app: App, client: TestClient) -> None:
    code = await issued_certificate(app, "8104")
    response = await client.get(f"/verify/{shown(code)}.png")
    assert response.status == 200 and response.content_type == "image/png"
    image = Image.open(io.BytesIO(await response.read()))
    assert image.width > image.height  # landscape A4
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [
        f"http://localhost:8080/verify/{shown(code)}"
    ]


@pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install -y chromium; CI runs it)",
)
async def test_a_person_checks_a_code_in_chromium(app: App, clock: Clock, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    code = await issued_certificate(app, "8105")
    runner = await start_verify_server(
        app.store, app.deps.certificate_maker, app.deps.public_url, "127.0.0.1", 0
    )
    host, port = runner.addresses[0][:2]
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM)
            page = await browser.new_page(viewport={"width": 390, "height": 760})  # a phone
            await page.goto(f"http://{host}:{port}/verify")
            await page.get_by_placeholder("ABCDE-FGHJK-MNPQR").fill(shown(code).lower())
            await page.get_by_role("button", name="Kiểm tra").click()
            await page.wait_for_load_state()
            assert await page.locator("h1").inner_text() == "Chứng nhận hợp lệ"
            assert "Nguyễn Thị Hoa" in await page.locator("dl").inner_text()
            await page.screenshot(path=str(tmp_path / "valid.png"), full_page=True)
            await revoke(app, code, clock)
            await page.reload()
            assert "Đã thu hồi" in await page.locator("h1").inner_text()
            await page.screenshot(path=str(tmp_path / "revoked.png"), full_page=True)
            response = await page.goto(f"http://{host}:{port}/verify/{'X' * 10_000}")
            assert response is not None and response.status == 400
            assert await page.locator("h1").inner_text() == "Mã không hợp lệ"
            await browser.close()
    finally:
        await runner.cleanup()
    if os.environ.get("HOCAI_KEEP_SCREENSHOTS"):
        for name in ("valid.png", "revoked.png"):
            shutil.copy(tmp_path / name, Path(os.environ["HOCAI_KEEP_SCREENSHOTS"]) / name)
