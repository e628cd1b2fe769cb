"""Shared by the web pages' tests: people with roles on a two-ward tree, a client that signs in
through a real one-time link, and the server on a real port for the browser."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.channels.web.dashboard import ReportMaker, dashboard_app
from bot.channels.web.session import Sealer
from bot.services import invites, web_signin
from bot.services.permissions import Role
from bot.services.units import import_units

SECRET = "s" * 40
TTL = timedelta(hours=8)
# A second ward beside Phường Phan Đình Phùng (T05, T07), with a group of its own.
MORE_UNITS = """code,name,kind,parent_code,population
TL,Phường Tân Lập,ward,TN,60000
T11,Tổ dân phố Tân Lập 11,group,TL,300
"""
# Denominators for the plan's gauges: the ward's working age and officials, one group's working
# age; T07's left unknown (shown as unknown, never 100%).
DENOMINATORS = """code,name,kind,parent_code,population,working_age,officials,business_owners
PDP,Phường Phan Đình Phùng,ward,TN,90000,60,4,
T05,Tổ dân phố số 5,group,PDP,420,3,,
"""


async def add_units(app: App) -> None:
    for text in (MORE_UNITS, DENOMINATORS):
        report = await import_units(app.store, text)
        assert not report.errors, report.errors


async def person(
    app: App, user: str, role: Role | None, unit_code: str | None, name: str = "Cán bộ Lan"
) -> int:
    """A person on Telegram holding `role` on the unit (none: a plain learner)."""
    async with app.store.transaction() as repo:
        found = await repo.learners.identity("telegram", user)
        if found is None:
            learner, _ = await repo.learners.create_learner(
                "telegram", user, user, name, app.deps.timezone, app.deps.now()
            )
            learner_id = learner.id
        else:
            learner_id = found.learner_id
        if role is not None and unit_code is not None:
            unit = await repo.units.unit_by_code(unit_code)
            assert unit is not None
            await invites.grant(repo, learner_id, role, unit.id, None, app.deps.now(), via="test")
    return learner_id


async def link_for(app: App, learner_id: int) -> str:
    app.deps.web_url = app.deps.web_url or "http://hocai.test"
    async with app.store.transaction() as repo:
        link = await web_signin.new_link(app.deps, repo, learner_id)
    assert link is not None
    return link


def path_of(link: str) -> str:
    found = re.search(r"(/web/login/[A-Za-z0-9_-]+)", link)
    assert found, link
    return found.group(1)


async def unit_id(app: App, code: str) -> int:
    async with app.store.transaction() as repo:
        unit = await repo.units.unit_by_code(code)
    assert unit is not None
    return unit.id


def site_app(app: App, reports: ReportMaker | None = None) -> web.Application:
    app.deps.web_url = app.deps.web_url or "http://hocai.test"
    return dashboard_app(
        app.deps, Sealer.for_secret(SECRET), secure=False, session_ttl=TTL, reports=reports
    )


@asynccontextmanager
async def client_for(app: App, reports: ReportMaker | None = None) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(site_app(app, reports))) as client:
        yield client


async def sign_in(client: TestClient, app: App, learner_id: int) -> None:
    """Open a fresh link and press its button, as a person does."""
    path = path_of(await link_for(app, learner_id))
    page = await client.get(path)
    assert page.status == 200, await page.text()
    done = await client.post(path, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/web/"


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def certificate_in(app: App, user: str, unit_code: str, name: str) -> str:
    """A level-1 certificate, named, for a learner who joined `unit_code` (as the chat does it)."""
    from bot.i18n import Translator
    from bot.services import certificates
    from tests.conftest import Chat, join_code
    from tests.services.test_certificates import (
        certificate_rows,
        learner_id,
        level_one,
        option,
        seed_confirmed,
    )

    chat = Chat(app, user, name=name)
    await chat.join(await join_code(app, unit_code))
    learner = await learner_id(app, user)
    lessons, capstone = level_one(app)
    await seed_confirmed(app, learner, [*lessons, capstone])
    async with app.store.transaction() as repo:
        (_earned, prompt) = await certificates.after_confirmed(
            app.deps, repo, learner, capstone.id, Translator()
        )
    await chat.tap(option([prompt], "cert:use:"))
    (record,) = await certificate_rows(app, learner)
    return str(record.code)
