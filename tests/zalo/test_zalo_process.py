"""The real bot process, started as a ward would start it, with both Zalo channels: the Bot
Platform by long polling and the Official Account by webhook, against fake Zalo servers."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import ROOT
from tests.e2e.test_telegram_process import environment, hocai, seed_units, stop_process
from tests.fakes.zalo_bot_api import TOKEN, FakeZaloBot
from tests.fakes.zalo_oa_api import APP_ID, SECRET_KEY, FakeZaloOA
from tests.keys import says

pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]  # real processes: see tests/e2e
BOT_USER, OA_USER = "zb-90001", "oa-90002"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if proc.returncode is not None:
                raise AssertionError("the bot process exited early")
            try:
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the webhook server never answered")


async def test_a_learner_on_each_zalo_channel(tmp_path: Path) -> None:
    bot, oa = FakeZaloBot(), FakeZaloOA()
    await bot.start()
    await oa.start()
    port = free_port()
    env = environment(tmp_path) | {
        "ZALO_BOT_TOKEN": TOKEN,
        "ZALO_BOT_API_BASE": bot.base,
        "ZALO_BOT_POLL_TIMEOUT": "1",
        "ZALO_BOT_CHAT_INTERVAL": "0",
        "ZALO_OA_CHAT_INTERVAL": "0",
        "ZALO_BOT_RATE_PER_SECOND": "1000",
        "ZALO_OA_RATE_PER_SECOND": "1000",
        "ZALO_OA_APP_ID": APP_ID,
        "ZALO_OA_SECRET_KEY": SECRET_KEY,
        "ZALO_OA_ACCESS_TOKEN": "A0",
        "ZALO_OA_REFRESH_TOKEN": "R0",
        "ZALO_OA_API_BASE": oa.base,
        "ZALO_OA_OAUTH_URL": f"{oa.base}/v4/oa/access_token",
        "ZALO_WEBHOOK_HOST": "127.0.0.1",
        "ZALO_WEBHOOK_PORT": str(port),
    }
    code = seed_units(tmp_path, env)

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    oa_url = f"http://127.0.0.1:{port}/zalo/oa"
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)

        async def bot_says(until: str, text: str) -> str:
            before = len(bot.to(BOT_USER))
            bot.text(BOT_USER, text)
            return await bot.wait_text(BOT_USER, until, before, timeout=90)

        async def oa_says(until: str, text: str) -> str:
            before = len(oa.to(OA_USER))
            assert await oa.deliver(oa_url, oa.text(OA_USER, text)) == 200
            return await oa.wait_text(OA_USER, until, before, timeout=90)

        async def oa_taps(until: str, title: str) -> str:
            payload = next(b["payload"] for b in oa.last_buttons(OA_USER) if b["title"] == title)
            return await oa_says(until, payload)

        # The Bot Platform: numbered replies, letters, keywords.
        assert "2. Không đồng ý" in await bot_says("đồng ý không", f"/start g_{code}")
        await bot_says("tên gì", "1")
        await bot_says("sinh năm", "Phạm Thị Thu")
        await bot_says("công việc", "1985")
        await bot_says("mấy giờ", "1")
        await bot_says("bài đầu tiên", "19:30")
        assert "Bậc 1" in await bot_says("Làm câu hỏi", "học")  # the lesson alone first
        assert "gõ một chữ: A, B, C, D" in await bot_says("Câu hỏi 1/3", "1")
        for until in ("Câu hỏi 2/3", "Câu hỏi 3/3", "Bạn trả lời đúng"):
            await bot_says(until, "B")
        graded = await bot_says(
            "Điểm bài làm",
            "Bạn là cán bộ văn phòng phường. Tổ dân phố số 5 sắp họp về an ninh trật tự. Hãy "
            "viết thông báo mời họp dưới 120 chữ, lời lẽ lịch sự, có giờ và địa điểm. Nhận xét: "
            "kết quả dùng được, tôi sửa lại giờ họp cho đúng.",
        )
        assert says(graded, "grade.title")
        assert says(await bot_says("Tiến độ", "tien do"), "progress.body")
        assert "Phạm Thị Thu ⭐" in await bot_says("Phường", "bảng xếp hạng")

        # The Official Account: a follow, buttons, an image, the same keywords.
        assert await oa.deliver(oa_url, oa.follow(OA_USER)) == 200
        await oa.wait_text(OA_USER, "mã nhóm", timeout=90)
        after_follow = len(oa.to(OA_USER))
        await oa_says("đồng ý không", code)
        await oa_taps("tên gì", "Đồng ý")
        await oa_says("sinh năm", "Đinh Văn Lực")
        await oa_says("công việc", "1979")
        await oa_says("mấy giờ", "5")
        await oa_taps("bài đầu tiên", "06:30")
        assert "Bậc 1" in await oa_says("Làm câu hỏi", "hoc")
        await oa_taps("Câu hỏi 1/3", "Làm câu hỏi")
        for until in ("Câu hỏi 2/3", "Câu hỏi 3/3", "Bạn trả lời đúng"):
            await oa_taps(until, "C")
        before = len(oa.to(OA_USER))
        assert await oa.deliver(oa_url, oa.image(OA_USER, oa.file_url("work.png"))) == 200
        assert says(await oa.wait_text(OA_USER, "Điểm bài làm", before, 30), "grade.title")
        assert says(await oa_says("Tiến độ", "tiến độ"), "progress.body")
        board = await oa_says("Phường", "bxh")
        assert "Đinh Văn Lực" in board and "Phạm Thị Thu" in board
        assert all(s.by_message_id for s in oa.to(OA_USER)[after_follow:])  # replies
    finally:
        output = await stop_process(proc)
        await bot.stop()
        await oa.stop()
    log = output.decode(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert TOKEN not in log  # the bot token is in every URL: never in the log
    assert "getUpdates" in bot.calls and "deleteWebhook" in bot.calls

    reach = hocai(["units", "reach", "T05", "--csv"], env)
    assert reach.returncode == 0, reach.stderr
    assert reach.stdout.splitlines()[0] == "learner_id,name,group,channels,last_seen,reason"
