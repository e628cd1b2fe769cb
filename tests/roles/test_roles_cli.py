"""`hocai roles invite|list|revoke|log` as a ward's operator runs them."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from tests.conftest import UNITS_CSV, Chat, Clock
from tests.e2e.test_telegram_process import environment, hocai

pytestmark = [pytest.mark.slow, pytest.mark.flaky(reruns=1)]


async def _accept(url: str, code: str, curriculum) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_app

    app = await make_app(url, Clock(), curriculum)
    try:
        chat = Chat(app, "42")
        await chat.send(code)
        await chat.tap("rl:yes")
    finally:
        await app.close()


def test_invite_list_revoke_log(tmp_path: Path, curriculum) -> None:  # type: ignore[no-untyped-def]
    env = environment(tmp_path) | {"TELEGRAM_BOT_USERNAME": "HocAIBot"}
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    assert hocai(["units", "import", str(units)], env).returncode == 0
    made = hocai(["roles", "invite", "--unit", "T05", "--role", "leader", "--days", "2"], env)
    assert made.returncode == 0, made.stderr
    link = re.search(r"https://t\.me/HocAIBot\?start=r_([A-Z0-9]{18})", made.stdout)
    typed = re.search(r"code to type in the chat: ([A-Z0-9-]{20})", made.stdout)
    assert link and typed and typed.group(1).replace("-", "") == link.group(1)
    asyncio.run(_accept(env["DATABASE_URL"], typed.group(1), curriculum))

    listed = hocai(["roles", "list", "--unit", "PDP"], env)
    assert "leader  T05 (Tổ dân phố số 5)" in listed.stdout and "1 role(s)" in listed.stdout
    assert "0 role(s)" in hocai(["roles", "list", "--unit", "T07"], env).stdout
    grant_id = listed.stdout.split()[0]
    assert hocai(["roles", "revoke", "--id", grant_id], env).returncode == 0
    again = hocai(["roles", "revoke", "--id", grant_id], env)
    assert again.returncode == 2 and "no active grant" in again.stderr
    assert "0 role(s)" in hocai(["roles", "list"], env).stdout
    log = [json.loads(line) for line in hocai(["roles", "log"], env).stdout.splitlines()]
    assert [e["action"] for e in log] == ["revoke", "grant", "invite"]
    bad = hocai(["roles", "invite", "--unit", "NOPE", "--role", "leader"], env)
    assert bad.returncode == 2 and "unknown unit code: NOPE" in bad.stderr
