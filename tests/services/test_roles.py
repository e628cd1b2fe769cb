"""Process roles: what `hocai run --role` accepts, and the embedded default on SQLite."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App, run
from bot.cli import main
from bot.config import SettingsError, load_settings
from bot.scheduling.runner import Intervals, Scheduler


def test_roles_need_postgresql_and_say_so(
    monkeypatch: pytest.MonkeyPatch, capsys, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--role", "worker"])
    assert stopped.value.code == 2
    assert "PostgreSQL" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--role", "everything"])  # not a role: argparse refuses it


def test_the_role_comes_from_the_environment_and_defaults_to_all() -> None:
    assert load_settings(_env_file=None).role == "all"
    pg = "postgresql+asyncpg://u@127.0.0.1/x"
    assert (
        load_settings(DATABASE_URL=pg, HOCAI_ROLE="scheduler", _env_file=None).role == "scheduler"
    )
    with pytest.raises(SettingsError):
        load_settings(HOCAI_ROLE="worker", _env_file=None)  # SQLite: one process only


async def test_on_sqlite_the_one_process_is_the_scheduler(app: App) -> None:
    scheduler = Scheduler(app, Intervals(leader_check=0.05))
    task = asyncio.create_task(scheduler.run())
    try:
        async with asyncio.timeout(5):
            while not scheduler.running:
                await asyncio.sleep(0.01)
        assert {job.id for job in scheduler.aps.get_jobs()} == {  # type: ignore[union-attr]
            "plan_deliveries",
            "grade_waiting",
            "regrade_provisional",
            "drop_lapsed_leases",
            "outbox_tick",
            "refresh_standings",
            "challenges_tick",
            "close_honours",
            "refresh_dashboard",
            "close_quarter",
        }
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not scheduler.running


@pytest.mark.postgres
async def test_a_worker_with_no_channel_refuses_to_start(pg_url: str) -> None:
    """It would find every learner unreachable and skip the day's lessons."""
    settings = load_settings(
        DATABASE_URL=pg_url, HOCAI_ROLE="worker", TELEGRAM_BOT_TOKEN="", _env_file=None
    )
    with pytest.raises(SettingsError, match="channel"):
        await run(settings)
