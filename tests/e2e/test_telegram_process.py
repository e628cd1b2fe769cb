"""The real bot process, started as a user would, against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, UNITS_CSV
from tests.fakes.telegram_api import FakeTelegram

# Real processes on a shared 2-core machine: one retry absorbs a slow start, never a wrong answer
# (a test that fails twice still fails).
pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]
TOKEN = "123456:TEST-token-for-the-fake-bot-api-server"
USER = 90001


def hocai(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def environment(tmp_path: Path, api_base: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        HOCAI_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    if api_base:
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=api_base)
    return env


async def stop_process(proc: asyncio.subprocess.Process) -> bytes:
    """Ctrl+C as a person would; kill only if it does not stop. Returns what it printed."""
    proc.send_signal(signal.SIGINT)
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), 20)
    except TimeoutError:
        proc.kill()
        output, _ = await proc.communicate()
    return output


def seed_units(tmp_path: Path, env: dict[str, str], unit: str = "T05") -> str:
    """Import the test unit tree with the real command; return one group's join code."""
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    assert hocai(["units", "import", str(units)], env).returncode == 0
    listed = hocai(["units", "list", "--csv"], env)
    return next(
        r["join_code"] for r in csv.DictReader(io.StringIO(listed.stdout)) if r["code"] == unit
    )


async def test_join_lesson_quiz_practice_progress_leaderboard(tmp_path: Path) -> None:
    fake = FakeTelegram()
    await fake.start()
    env = environment(tmp_path, fake.base)
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
    try:

        async def say(until: str, text: str | None = None, tap: str | None = None) -> str:
            before = len(fake.to(USER))
            if tap:
                fake.tap(USER, tap)
            else:
                fake.message(USER, text)
            # Generous: the first answer waits for the process to start, slow on a busy machine.
            sent = await fake.wait_text(USER, until, before, timeout=90)
            return "\n".join(s.text for s in sent)

        assert "Tổ dân phố số 5" in await say("đồng ý không", f"/start g_{code}")
        await say("tên gì", tap="ob:consent:yes")
        await say("sinh năm", "Nguyễn Văn Bình")
        await say("công việc", "1988")
        await say("mấy giờ", tap="ob:occ:official")
        assert "19:30" in await say("bài đầu tiên", "19:30")
        lesson_text = await say("Làm câu hỏi", "/lesson")  # the lesson alone, then the quiz
        assert "Bậc 1" in lesson_text

        options = fake.last_options(USER)
        lesson_id = options[0][1].split(":")[1]
        await say("Câu hỏi 1/3", tap=f"qs:{lesson_id}")
        for question, until in ((0, "Câu hỏi 2/3"), (1, "Câu hỏi 3/3"), (2, "Bạn trả lời đúng")):
            await say(until, tap=f"q:{lesson_id}:{question}:1")
        graded = await say(
            "làm xong bài học",  # done; passed once a model or a person confirms the score
            "Bạn là cán bộ văn phòng phường. Tổ dân phố số 5 sắp họp về an ninh trật tự. Hãy viết "
            "thông báo mời họp dưới 120 chữ, lời lẽ lịch sự, có giờ và địa điểm. Nhận xét: kết "
            "quả dùng được, tôi sửa lại giờ họp cho đúng.",
        )
        assert "Điểm bài làm" in graded
        progress = await say("Tiến độ", "/progress")
        assert "Bài đã xong: 1/" in progress and "Hạng trong nhóm Tổ dân phố số 5: 1/1" in progress
        board = await say("Phường", "/leaderboard")
        assert "Nguyễn Văn Bình ⭐" in board and "Phường Phan Đình Phùng" in board
        assert "setMyCommands" in fake.calls
    finally:
        output = await stop_process(proc)
        await fake.stop()
    assert b"Traceback" not in output, output.decode(errors="replace")[-3000:]
