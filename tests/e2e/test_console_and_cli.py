"""The README's run command with no token (the console chat), and the `hocai` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, UNITS_CSV
from tests.e2e.test_telegram_process import environment, hocai

# Real processes on a shared 2-core machine: one retry absorbs a slow start, never a wrong answer
# (a test that fails twice still fails).
pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]


def console(tmp_path: Path, lines: list[str]) -> str:
    env = environment(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT)},
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    return result.stdout


def test_console_walks_the_day_in_vietnamese(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [
            "1",
            "Trần Thị Mai",
            "abc",
            "1992",
            "4",
            "25:99",
            "19:00",
            "1",
            "1",  # lesson, quiz
            "B",
            "A",
            "C",
            "Ban la can bo phuong. To dan pho sap hop ve ve sinh moi truong. Hay viet thong bao "
            "moi hop duoi 100 chu, loi le lich su. Nhan xet: ket qua dung duoc, toi sua lai gio.",
            "tien do",
            "bang xep hang",
            "😀",
        ],
    )
    assert "Tổ dân phố số 5" in out
    assert "Năm sinh chưa đúng" in out and "chưa hiểu giờ" in out
    assert "Câu hỏi 1/3" in out and "[A]   [B]   [C]   [D]" in out
    assert "Điểm bài làm" in out
    assert "Tiến độ của bạn" in out and "Bảng xếp hạng nhóm Tổ dân phố số 5" in out
    assert "chưa thấy chữ" in out
    assert out.rstrip().endswith("Tạm biệt! Hẹn gặp lại.")
    assert (tmp_path / "bot.db").exists()


def test_console_survives_a_restart_with_the_same_learner(tmp_path: Path) -> None:
    console(tmp_path, ["1", "Mai", "1992", "4", "19:00"])
    out = console(tmp_path, ["/progress"])
    assert "quay lại" in out and "Tiến độ của bạn" in out


def test_units_import_and_list(tmp_path: Path) -> None:
    env = environment(tmp_path)
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV + "BAD,Tổ lạc,group,NOPE,\n", encoding="utf-8")
    result = hocai(["units", "import", str(units)], env)
    assert result.returncode == 1 and "NOPE" in result.stderr
    listed = hocai(["units", "list", "--csv"], env).stdout.splitlines()
    assert listed[0] == "code,name,kind,parent_code,join_code"
    assert any(line.startswith("T05,Tổ dân phố số 5,group,PDP,") for line in listed)
    again = hocai(["units", "import", str(units)], env)  # re-import keeps the join codes
    assert hocai(["units", "list", "--csv"], env).stdout.splitlines() == listed
    assert again.returncode == 1


def test_lessons_check_and_list(tmp_path: Path) -> None:
    env = environment(tmp_path)
    checked = hocai(["lessons", "check", "--json"], env)
    assert checked.returncode == 0, checked.stdout
    data = json.loads(checked.stdout)
    assert set(data["levels"]) == {"1", "2", "3", "4", "5"} and data["errors"] == []
    listed = json.loads(hocai(["lessons", "list", "--json"], env).stdout)
    assert listed[0]["level"] == 1 and {"id", "level", "order", "title"} <= set(listed[0])
    broken = tmp_path / "lessons"
    broken.mkdir()
    (broken / "x.yaml").write_text("id: [", encoding="utf-8")
    bad = hocai(["lessons", "check", str(broken), "--json"], env)
    assert bad.returncode == 1 and "x.yaml" in json.loads(bad.stdout)["errors"][0]


def test_placeholder_and_malformed_settings_fail_fast(tmp_path: Path) -> None:
    env = environment(tmp_path) | {"TELEGRAM_BOT_TOKEN": "not-a-token"}
    result = hocai(["db", "upgrade"], env)
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN" in result.stderr
    env = environment(tmp_path) | {"HOCAI_TIMEZONE": "Mars/Olympus"}
    assert "unknown time zone" in hocai(["db", "upgrade"], env).stderr
