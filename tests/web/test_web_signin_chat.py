"""Signing in from the chat: "/web" or "trang quản lý" (with or without diacritics) on Telegram
(a fake Bot API server on 127.0.0.1, through aiogram) and in the console; the link it sends opens
the pages once; a learner without a role gets a kind refusal and no link."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.channels.telegram.runner import register_commands
from bot.i18n import Translator
from bot.services.chat.routes import ROUTER
from bot.services.permissions import ALLOWED, Role
from bot.storage.models import WebLink
from tests.conftest import ROOT, Chat, join_code
from tests.e2e.test_telegram_process import environment
from tests.telegram.test_handlers import USER, Harness
from tests.web.site import client_for, path_of, person, unit_id

LINK = re.compile(r"(https?://\S+/web/login/[A-Za-z0-9_-]+)")


async def test_a_leader_gets_a_link_on_telegram_that_opens_once(app: App, tg: Harness) -> None:
    app.deps.web_url = "https://hocai.example.vn"
    await person(app, str(USER), Role.LEADER, "T05", name="Trưởng nhóm An")
    tg.fake.message(USER, "/web")
    await tg.feed()
    (sent,) = tg.fake.to(USER)
    found = LINK.search(sent.text)
    assert found and found.group(1).startswith("https://hocai.example.vn/web/login/")
    assert "một lần" in sent.text and "10 phút" in sent.text
    for typed in ("trang quản lý", "Trang quan ly", "TRANG QUẢN LÝ"):
        tg.fake.message(USER, typed)
        await tg.feed()
    links = [LINK.search(s.text) for s in tg.fake.to(USER)]
    assert all(links) and len({m.group(1) for m in links if m}) == 4  # a new link each time
    group = await unit_id(app, "T05")
    async with client_for(app) as client:
        path = path_of(found.group(1))
        assert (await client.post(path, allow_redirects=False)).status == 303
        page = await client.get(f"/web/unit/{group}/members")
        assert page.status == 200 and "Tổ dân phố số 5" in await page.text()
        assert (await client.post(path, allow_redirects=False)).status == 410


async def test_a_learner_without_a_role_is_refused_kindly(app: App, tg: Harness) -> None:
    app.deps.web_url = "https://hocai.example.vn"
    tg.fake.message(USER, f"/start g_{await join_code(app, 'T05')}")
    await tg.feed()
    before = len(tg.fake.to(USER))
    tg.fake.message(USER, "trang quan ly")  # while still joining: answered all the same
    await tg.feed()
    refusal = tg.fake.to(USER)[before].text
    assert "chưa được giao vai trò" in refusal and "/web/login/" not in refusal
    async with app.store.transaction() as repo:
        assert await repo.s.scalar(select(func.count()).select_from(WebLink)) == 0


async def test_the_menu_lists_web_in_both_languages_for_people_with_a_role(tg: Harness) -> None:
    leader = ALLOWED[Role.LEADER]
    assert ("web", Translator("vi")("command.desc.web")) in ROUTER.menu(Translator("vi"), leader)
    assert ("web", "A link to the management pages") in ROUTER.menu(Translator("en"), leader)
    assert "web" not in dict(ROUTER.menu(Translator("vi")))  # a learner's menu stays short
    await register_commands(tg.bot)
    assert tg.fake.calls.count("setMyCommands") == 2


async def test_no_pages_configured_says_so(app: App) -> None:
    await person(app, "702", Role.OFFICIAL, "PDP")
    app.deps.web_url = None
    out = await Chat(app, "702").send("/web")
    assert "chưa được bật" in out[0].text and "/web/login/" not in out[0].text


@pytest.mark.slow
@pytest.mark.flaky(reruns=1)
def test_the_console_prints_a_working_link_for_the_demo_user(tmp_path: Path) -> None:
    """`hocai run` with no token: the demo user's link opens the pages served on 127.0.0.1
    while the console runs; "/web" in the console gives a fresh one."""
    env = environment(tmp_path) | {"PYTHONPATH": str(ROOT)}
    env.pop("HOCAI_WEB_PORT", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        printed = ""
        while not LINK.search(printed):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
            printed += line
        link = LINK.search(printed)
        assert link and link.group(1).startswith("http://127.0.0.1:")
        with httpx.Client(follow_redirects=False, timeout=10) as client:
            assert client.get(link.group(1)).status_code == 200
            opened = client.post(link.group(1))
            assert opened.status_code == 303 and "hocai_web" in opened.cookies
            home = client.get(link.group(1).split("/web/")[0] + "/web/", follow_redirects=True)
            assert home.status_code == 200 and "Tỉnh Thái Nguyên" in home.text
            assert client.post(link.group(1)).status_code == 410  # once only
        proc.stdin.write("/web\n")
        proc.stdin.flush()
        fresh = ""
        while not LINK.search(fresh):
            line = proc.stdout.readline()
            assert line, "the console printed no second link"
            fresh += line
        assert LINK.search(fresh) and LINK.search(fresh).group(1) != link.group(1)  # type: ignore[union-attr]
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
