"""Apps with the optional parts switched on by settings, as `hocai run` wires them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import stamina

from bot.app import App, build_app
from bot.config import load_settings
from bot.services.units import import_units
from lessons.model import Curriculum
from scoring.grading import Grader
from scoring.rules import RulesGrader
from tests.conftest import UNITS_CSV, Clock, sqlite_url
from tests.fakes.speech_api import FakeSpeech

MakeApp = Callable[..., Awaitable[App]]


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2, cap=True):
        yield


@pytest.fixture
async def make(tmp_path: Path, clock: Clock, curriculum: Curriculum) -> AsyncIterator[MakeApp]:
    """`await make(SPEECH_BASE_URL=..., ...)`: the app on a real SQLite file with those settings."""
    apps: list[App] = []

    async def build(
        url: str | None = None,
        grader: Grader | None = None,
        lessons: Curriculum | None = None,
        **env: object,
    ) -> App:
        settings = load_settings(
            DATABASE_URL=url or sqlite_url(tmp_path),
            TELEGRAM_BOT_TOKEN="",
            HOCAI_DATA_DIR=str(tmp_path / "data"),
            _env_file=None,
            **env,
        )
        app = await build_app(
            settings, grader=grader or RulesGrader(), curriculum=lessons or curriculum
        )
        app.deps.clock = clock
        await import_units(app.store, UNITS_CSV)
        apps.append(app)
        return app

    yield build
    for app in apps:
        await app.close()


@pytest.fixture
async def speech_server() -> AsyncIterator[FakeSpeech]:
    server = FakeSpeech()
    await server.start()
    yield server
    await server.stop()
