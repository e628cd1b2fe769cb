"""Imports point inward; the pure core stays pure (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from bot.app import App
from tests.conftest import ROOT


def test_import_contracts_hold() -> None:
    linter = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [linter], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_type_checking_imports_count_for_the_contracts() -> None:
    """A runner typed against `bot.app.App` under TYPE_CHECKING would hide the circle
    app -> runner -> app; the contracts see those imports too."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["importlinter"]["exclude_type_checking_imports"] is False
    adapters = ("channels", "scheduling")
    for path in [p for d in adapters for p in (ROOT / "bot" / d).rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "from bot.app import" not in text and "import bot.app" not in text, path


async def test_channels_start_from_one_table(app: App) -> None:
    """`hocai run` starts each configured channel from its row; with none configured, none."""
    from bot.app import channel_runners

    runners = channel_runners()
    assert [r.name for r in runners] == ["telegram", "zalo"]  # the order they start in
    assert [await r.wanted(app.settings, app.store) for r in runners] == [False, False]
    configured = app.settings.model_copy(update={"telegram_bot_token": SecretStr("1:x")})
    assert [await r.wanted(configured, app.store) for r in runners] == [True, False]
