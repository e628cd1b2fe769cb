"""What the composition root gets from bot.llm.wiring, and the settings it reads."""

from __future__ import annotations

import pytest

from bot.app import build_grader
from bot.config import load_settings
from bot.llm import LLMGrader
from bot.llm.wiring import LLMConfig, make_client
from bot.storage.db import SqlStore, make_engine

NAMES = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "LLM_MODEL", "LLM_VISION")


@pytest.mark.parametrize(
    ("env", "configured"),
    [
        ({}, False),
        ({"LLM_MODEL": "qwen2.5"}, False),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1", "LLM_MODEL": "qwen2.5"}, True),
        ({"OPENAI_API_KEY": "sk-test", "LLM_MODEL": "gpt-4o-mini"}, True),
        ({"OPENAI_API_KEY": "changeme", "LLM_MODEL": "gpt-4o-mini"}, False),
    ],
)
def test_config_from_the_environment(env: dict[str, str], configured: bool) -> None:
    config = LLMConfig.from_env(env)
    assert config.configured is configured
    assert (make_client(config) is not None) is configured


def test_vision_and_limits_are_read() -> None:
    config = LLMConfig.from_env(
        {
            "LLM_VISION": "true",
            "LLM_TIMEOUT": "5",
            "LLM_CONCURRENCY": "2",
            "LLM_DAILY_TOKEN_BUDGET": "1000",
        }
    )
    assert config.vision and config.timeout_s == 5 and config.max_concurrency == 2
    assert config.daily_token_budget == 1000


@pytest.mark.parametrize(
    ("env", "has_model"),
    [({}, False), ({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "LLM_MODEL": "m"}, True)],
)
async def test_the_application_grader(
    monkeypatch: pytest.MonkeyPatch, tmp_path, env: dict[str, str], has_model: bool
) -> None:
    """The grader the app really builds: the model grader, with no client when no model is
    configured (its grades are then the rules', held as provisional until confirmed)."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir("/")  # no .env file from the working directory
    store = SqlStore(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"))
    try:
        grader = build_grader(load_settings(), store)
        assert isinstance(grader, LLMGrader)
        assert (grader.client is not None) is has_model
    finally:
        await store.close()
