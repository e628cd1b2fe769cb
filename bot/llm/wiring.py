"""Build the model client and the grader from settings: the composition root calls these."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import openai

from bot.config import Settings, is_placeholder
from bot.llm.costs import InMemoryGradeCache, InMemoryTokenBudget
from bot.llm.grader import LLMGrader

DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class LLMConfig:
    """What it takes to reach a model; `configured` is False when something is missing."""

    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    vision: bool = False
    timeout_s: float = 20.0
    daily_token_budget: int = 500_000
    max_concurrency: int = DEFAULT_CONCURRENCY

    @property
    def configured(self) -> bool:
        return bool(self.model and (self.api_key or self.base_url))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LLMConfig:
        """OPENAI_BASE_URL, OPENAI_API_KEY, LLM_MODEL, LLM_VISION, LLM_TIMEOUT, LLM_CONCURRENCY."""
        env = os.environ if env is None else env
        key = env.get("OPENAI_API_KEY", "").strip()
        return cls(
            base_url=env.get("OPENAI_BASE_URL", "").strip() or None,
            api_key=None if is_placeholder(key) else key,
            model=env.get("LLM_MODEL", "").strip() or None,
            vision=env.get("LLM_VISION", "").strip().lower() in ("1", "true", "yes", "on"),
            timeout_s=float(env.get("LLM_TIMEOUT", "") or 20.0),
            daily_token_budget=int(env.get("LLM_DAILY_TOKEN_BUDGET", "") or 500_000),
            max_concurrency=int(env.get("LLM_CONCURRENCY", "") or DEFAULT_CONCURRENCY),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        key = settings.openai_api_key
        return cls(
            base_url=settings.openai_base_url,
            api_key=key.get_secret_value() if key is not None else None,
            model=settings.llm_model,
            vision=settings.llm_vision,
            timeout_s=settings.llm_timeout_seconds,
            daily_token_budget=settings.llm_daily_token_budget,
        )


def make_client(config: LLMConfig) -> openai.AsyncOpenAI | None:
    """The OpenAI-compatible client, or None when no model is configured."""
    if not config.configured:
        return None
    # Local servers (llama.cpp, Ollama, vLLM) take any key; the grader does its own single retry.
    return openai.AsyncOpenAI(
        api_key=config.api_key or "not-needed",
        base_url=config.base_url,
        max_retries=0,
        timeout=config.timeout_s,
    )


def make_grader(config: LLMConfig) -> LLMGrader:
    """The model grader with in-memory budget and cache (rules-only and provisional when unset)."""
    return LLMGrader(
        make_client(config),
        config.model,
        InMemoryTokenBudget(config.daily_token_budget),
        InMemoryGradeCache(),
        vision=config.vision,
        timeout_s=config.timeout_s,
        max_concurrency=config.max_concurrency,
    )
