"""`hocai run` with no token: the demo user is an administrator by a grant made at demo setup,
and `/demo role ...` lets a person try each role's menu in the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_console_and_cli import console
from tests.keys import says

pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]


def test_the_console_demo_tries_each_role(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [
            "1",
            "Trần Thị Mai",
            "1992",
            "4",
            "19:00",
            "/roles",
            "/demo role leader",
            "quản lý nhóm",
            "1",
            "/demo role learner",
            "quan ly nhom",
            "/review",
        ],
    )
    assert "quản trị viên: Tỉnh Thái Nguyên" in out  # granted at demo setup
    assert "Bản thử: bạn đang là trưởng nhóm của Tổ dân phố số 5." in out
    assert "== Quản lý nhóm: Tổ dân phố số 5 ==" in out and "1. Danh sách hôm nay" in out
    assert "Tổ dân phố số 5: danh sách ngày" in out and "Trần Thị Mai" in out
    assert says(out, "review.not_allowed")  # a plain learner again
