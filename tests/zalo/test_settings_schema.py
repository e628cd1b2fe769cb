"""Zalo settings fail fast; the 0002 migration matches the models on SQLite and PostgreSQL;
the two locale files keep the same keys and placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bot.config import SettingsError, load_settings
from bot.i18n import LOCALES
from bot.storage.db import upgrade
from bot.storage.models import Base
from tests.conftest import ROOT

GOOD = {
    "ZALO_OA_APP_ID": "4321987654321",
    "ZALO_OA_SECRET_KEY": "k" * 20,
    "ZALO_OA_REFRESH_TOKEN": "r" * 40,
}


def settings(**env: object):  # type: ignore[no-untyped-def]
    return load_settings(_env_file=None, TELEGRAM_BOT_TOKEN="", **env)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZALO_BOT_TOKEN": "your-zalo-bot-token"}, "ZALO_BOT_TOKEN is still a placeholder"),
        ({"ZALO_BOT_TOKEN": "short"}, "does not look like a Zalo bot token"),
        ({**GOOD, "ZALO_OA_SECRET_KEY": "changeme"}, "ZALO_OA_SECRET_KEY is still a placeholder"),
        ({"ZALO_OA_APP_ID": "4321987654321"}, "needs ZALO_OA_SECRET_KEY, ZALO_OA_REFRESH_TOKEN"),
        (
            {
                "ZALO_BOT_TOKEN": "1234567890:abcdefghijklmnop",
                "ZALO_BOT_WEBHOOK_URL": "http://hocai.example.vn/zalo",
            },
            "must be an https://",
        ),
        (
            {"ZALO_BOT_TOKEN": "1234567890:abcdefghijklmnop", "ZALO_BOT_WEBHOOK_SECRET": "short"},
            "8-256 characters",
        ),
        ({**GOOD, "ZALO_OA_BUTTON_ACTION": "oa.open.url"}, "ZALO_OA_BUTTON_ACTION"),
    ],
)
def test_mistakes_fail_at_start(env: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        settings(**env)


def test_empty_means_not_used() -> None:
    s = settings(ZALO_BOT_TOKEN="", ZALO_OA_APP_ID="", ZALO_OA_SECRET_KEY="")
    assert not s.zalo_bot_configured and not s.zalo_oa_configured and not s.any_channel
    s = settings(ZALO_BOT_TOKEN="1234567890:abcdefghijklmnop", **GOOD)
    assert s.zalo_bot_configured and s.zalo_oa_configured and s.zalo_bot_monthly_quota == 3000
    assert "abcdefghijklmnop" not in repr(s)  # secrets stay out of logs


def _schema_diff(sync_url: str) -> list[object]:
    engine = create_engine(sync_url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    sync = database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    assert _schema_diff(sync) == []
    upgrade(database_url)  # again: a no-op


def test_the_zalo_migration_imports_nothing_of_ours() -> None:
    (path,) = (ROOT / "bot/storage/migrations/versions").glob("0002_*.py")
    assert "bot." not in Path(path).read_text(encoding="utf-8")


def test_locales_keep_the_same_keys_and_placeholders() -> None:
    vi = yaml.safe_load((LOCALES / "vi.yaml").read_text(encoding="utf-8"))
    en = yaml.safe_load((LOCALES / "en.yaml").read_text(encoding="utf-8"))
    assert set(vi) == set(en)
    for key in vi:
        assert set(re.findall(r"{(\w+)}", str(vi[key]))) == set(
            re.findall(r"{(\w+)}", str(en[key]))
        ), key


def test_env_example_lists_every_zalo_setting_and_loads() -> None:
    from bot.config import Settings

    example = ROOT / ".env.example"
    text = example.read_text(encoding="utf-8")
    names = [
        field.validation_alias.choices[0]  # type: ignore[union-attr]
        for name, field in Settings.model_fields.items()
        if name.startswith("zalo_")
    ]
    assert [n for n in names if f"\n{n}=" not in text] == []
    loaded = Settings(_env_file=example)  # type: ignore[call-arg]
    assert not loaded.zalo_bot_configured and not loaded.zalo_oa_configured
