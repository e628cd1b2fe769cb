"""Migration 'dialogsplit': the push's stamps move from the state JSON to columns, and back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bot.storage.db import alembic_config, upgrade
from tests.conftest import _pg_admin

LAST_OK = "2026-11-20T12:00:05+00:00"
CLOSED = "2026-11-21T03:30:00+07:00"  # written with a zone other than UTC: read the same


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"hocai_migrate_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _in_thread(fn: object, *args: object) -> None:
    with ThreadPoolExecutor(1) as pool:  # alembic runs its own event loop
        pool.submit(fn, *args).result()  # type: ignore[arg-type]


def _sql(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _utc(value: object) -> datetime:
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def test_stamps_move_to_columns_and_other_keys_stay(empty_url: str) -> None:
    _in_thread(upgrade, empty_url, "0007")
    _sql(
        empty_url,
        "INSERT INTO learners (id, nickname, timezone, status, show_name, language,"
        " created_at) VALUES (1, 'Học viên 1', 'Asia/Ho_Chi_Minh', 'active', true, 'vi',"
        " CURRENT_TIMESTAMP)",
    )
    states = {
        1: {
            "last_ok": LAST_OK,
            "window_closed_at": CLOSED,
            "options": ["cmd:lesson"],
            "step": "name",
        },
        2: {"options": ["cmd:next"]},
    }
    for ident, state in states.items():
        _sql(
            empty_url,
            "INSERT INTO identities (id, learner_id, channel, external_id, chat_id,"
            " reachable, state) VALUES (:id, 1, :channel, :ext, :ext, true, :state)",
            id=ident,
            channel="zalo_oa" if ident == 1 else "telegram",
            ext=f"u{ident}",
            state=json.dumps(state),
        )

    _in_thread(upgrade, empty_url, "head")
    rows = {
        r[0]: r[1:]
        for r in _sql(
            empty_url, "SELECT id, state, last_delivered_at, window_closed_at FROM identities"
        )
    }
    moved_state, delivered, closed = rows[1]
    loaded = json.loads(moved_state) if isinstance(moved_state, str) else moved_state
    assert loaded == {"options": ["cmd:lesson"], "step": "name"}
    assert _utc(delivered) == _utc(LAST_OK) and _utc(closed) == _utc(CLOSED)
    assert rows[2][1:] == (None, None)

    _in_thread(command.downgrade, alembic_config(empty_url), "0007")
    (back,) = _sql(empty_url, "SELECT state FROM identities WHERE id = 1")
    restored = json.loads(back[0]) if isinstance(back[0], str) else back[0]
    assert _utc(restored.pop("last_ok")) == _utc(LAST_OK)
    assert _utc(restored.pop("window_closed_at")) == _utc(CLOSED)
    assert restored == {"options": ["cmd:lesson"], "step": "name"}
