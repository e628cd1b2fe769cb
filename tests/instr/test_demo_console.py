"""The console demo reaches the instructor's and the mentor's tools: `/demo role instructor`
then a class, its check-in picture and a challenge; `/demo role mentor` then the mentor's menu.
A real `hocai run` process with no token, typed answers only (numbered replies)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_console_and_cli import console
from tests.keys import says

pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]


def test_the_console_demo_tries_the_instructor_and_the_mentor(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [
            "1",
            "Trần Thị Mai",
            "1992",
            "4",
            "19:00",  # onboarding
            "/demo role instructor",
            "lop hoc",
            "1",
            "Lớp AI tối thứ Ba",  # open a class (typed, no diacritics)
            "1",
            "1",  # show it, open a check-in session
            "/challenge",
            "1",  # a challenge: who for?
            "/demo role mentor",
            "/mentor",
            "1",
        ],
    )
    assert "Bản thử: bạn đang là giảng viên nòng cốt của Tổ dân phố số 5" in out
    assert "/class" in out and "Mở lớp mới" in out
    assert 'Lớp "Lớp AI tối thứ Ba" (Tổ dân phố số 5) đã mở' in out
    assert "Mã điểm danh" in out
    (picture,) = (tmp_path / "hocai-files").glob("diem-danh-*.png")
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert says(out, "challenge.ask_audience") and "Lớp AI tối thứ Ba" in out
    assert "Bản thử: bạn đang là người hướng dẫn" in out
    assert "Bạn đã góp ý 0 bài" in out and says(out, "mentor.peer_none")
