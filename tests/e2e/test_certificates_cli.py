"""`hocai certificates verify | list | revoke`, as a server operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons.model import Curriculum
from scoring.certificate_code import new_code, shown
from tests.conftest import Clock, make_app
from tests.e2e.test_telegram_process import environment, hocai
from tests.services.test_certificates import issued_certificate

pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]


async def test_verify_list_and_revoke_from_the_command_line(
    tmp_path: Path,
    clock: Clock,
    curriculum: Curriculum,
) -> None:
    env = environment(tmp_path)
    app = await make_app(env["DATABASE_URL"], clock, curriculum)
    try:
        code = shown(await issued_certificate(app, "8201"))
    finally:
        await app.close()

    valid = hocai(["certificates", "verify", code.lower()], env)
    assert valid.returncode == 0 and valid.stdout.startswith("valid")
    assert "Nguyễn Thị Hoa" in valid.stdout and "Làm việc với văn bản cùng AI" in valid.stdout

    listed = hocai(["certificates", "list", "--unit", "PDP", "--csv"], env)
    assert listed.returncode == 0
    header, row = listed.stdout.splitlines()
    assert header.startswith("code,full_name,level") and row.startswith(f"{code},Nguyễn Thị Hoa,1")
    assert "issued" in row
    assert hocai(["certificates", "list", "--unit", "NOPE"], env).returncode == 2

    revoked = hocai(
        ["certificates", "revoke", code, "--reason", "Bài làm sao chép", "--by", "Cán bộ Lan"], env
    )
    assert revoked.returncode == 0 and "Cán bộ Lan" in revoked.stdout
    twice = hocai(["certificates", "revoke", code, "--reason", "lần nữa"], env)
    assert twice.returncode == 1 and "already revoked" in twice.stderr
    assert "Bài làm sao chép" in twice.stderr and "nothing changed" in twice.stderr
    check = hocai(["certificates", "verify", code], env)
    assert (
        check.returncode == 1 and "REVOKED" in check.stdout and "Bài làm sao chép" in check.stdout
    )
    assert "Cán bộ Lan" in check.stdout

    for bad in ("x" * 10_000, shown(new_code())):
        result = hocai(["certificates", "verify", bad], env)
        assert (
            result.returncode == 2
            and len(result.stderr) < 200
            and "Traceback" not in (result.stderr)
        )
    empty = hocai(["certificates", "revoke", code, "--reason", " "], env)
    assert empty.returncode == 2 and "reason is required" in empty.stderr
