"""Shared fixtures: a real SQLite file per test, the real PostgreSQL where the machine has one."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import load_settings
from bot.services.io import Inbound, Out
from bot.services.units import import_units
from bot.storage.db import upgrade
from lessons.loader import load_curriculum
from lessons.model import Curriculum
from scoring.rules import RulesGrader

ROOT = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT = "127.0.0.1", 5432

UNITS_CSV = """code,name,kind,parent_code,population
TN,Tỉnh Thái Nguyên,province,,1300000
PDP,Phường Phan Đình Phùng,ward,TN,90000
T05,Tổ dân phố số 5,group,PDP,420
T07,Tổ dân phố số 7,group,PDP,380
"""


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def curriculum() -> Curriculum:
    loaded, _problems = load_curriculum()
    return loaded


@dataclass
class Clock:
    """A settable clock; tests move time instead of sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 1, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


_TEMPLATES: dict[str, str] = {}  # one migrated database per kind per test session


def _migrate(url: str) -> None:
    # Alembic runs its own event loop; fixtures may call this from inside a running one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(upgrade, url).result()


def _sqlite_template() -> Path:
    """A SQLite file migrated once per session; each test gets a copy (migrations cost ~1 s)."""
    if "sqlite" not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="hocai-template-"))
        path = folder / "template.db"
        _migrate(f"sqlite+aiosqlite:///{path}")
        _TEMPLATES["sqlite"] = str(path)
    return Path(_TEMPLATES["sqlite"])


def sqlite_url(tmp_path: Path) -> str:
    """A test's own SQLite file, already at the newest migration."""
    target = tmp_path / "hocai-test.db"
    if not target.exists():
        shutil.copyfile(_sqlite_template(), target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(scope="session")
def pg_server() -> str:
    if not port_open(PG_HOST, PG_PORT):
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests, but 127.0.0.1:5432 is closed")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    return f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


def _pg_template(pg_server: str) -> str:
    """A PostgreSQL database migrated once per session, copied with CREATE DATABASE ... TEMPLATE."""
    if "postgres" not in _TEMPLATES:
        name = f"hocai_template_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        _migrate(f"{pg_server}/{name}")
        _TEMPLATES["postgres"] = name
        atexit.register(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return _TEMPLATES["postgres"]


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    name = f"hocai_test_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template(pg_server)}"')
    try:
        yield f"{pg_server}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("pg_url"))


async def make_app(url: str, clock: Clock, curriculum: Curriculum) -> App:
    settings = load_settings(DATABASE_URL=url, TELEGRAM_BOT_TOKEN="", _env_file=None)
    app = await build_app(settings, grader=RulesGrader(), curriculum=curriculum)
    app.deps.clock = clock
    await import_units(app.store, UNITS_CSV)
    return app


@pytest.fixture
async def app(tmp_path: Path, clock: Clock, curriculum: Curriculum) -> AsyncIterator[App]:
    """The application on a real SQLite file, with the Thái Nguyên demo units imported."""
    application = await make_app(sqlite_url(tmp_path), clock, curriculum)
    yield application
    await application.close()


@pytest.fixture
async def any_app(database_url: str, clock: Clock, curriculum: Curriculum) -> AsyncIterator[App]:
    """The same application on SQLite and on the machine's PostgreSQL."""
    application = await make_app(database_url, clock, curriculum)
    yield application
    await application.close()


async def join_code(app: App, unit_code: str) -> str:
    async with app.store.transaction() as repo:
        unit = await repo.units.unit_by_code(unit_code)
    assert unit is not None and unit.join_code
    return unit.join_code


_UPDATES = itertools.count(1)


class Chat:
    """Drives the dialog as one person on one channel and keeps what the bot answered."""

    def __init__(
        self, app: App, user: str = "1001", channel: str = "telegram", name: str = "Nguyễn Thị Hoa"
    ) -> None:
        self.app, self.user, self.channel, self.name = app, user, channel, name
        self.log: list[Out] = []

    async def send(self, text: str = "", **kwargs: object) -> list[Out]:
        update = next(_UPDATES)
        kind = kwargs.pop("kind", "text")
        event = Inbound(
            channel=self.channel,
            external_id=self.user,
            chat_id=self.user,
            kind=kind,
            text=text,
            display_name=self.name,  # type: ignore[arg-type]
            update_key=kwargs.pop("update_key", f"{self.user}-{update}"),  # type: ignore[arg-type]
            **kwargs,
        )  # type: ignore[arg-type]
        out = await self.app.dialog.handle(event)
        self.log += out
        return out

    async def tap(self, key: str) -> list[Out]:
        return await self.send(kind="choice", choice=key)

    async def join(self, code: str, time: str = "19:00") -> None:
        """Walk the whole onboarding."""
        await self.send(f"/start g_{code}")
        await self.tap("ob:consent:yes")
        await self.send(self.name)
        await self.send("1990")
        await self.tap("ob:occ:farmer")
        await self.send(time)


def text_of(messages: list[Out]) -> str:
    return "\n".join(f"{m.title}\n{m.text}" for m in messages)
