"""Typed settings from the environment (and `.env`), checked at start so a mistake fails fast."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_PLACEHOLDERS = re.compile(r"^(|changeme|change-me|your[-_ ].*|xxx+|<.*>|\.\.\.|todo)$", re.I)
_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")


class SettingsError(ValueError):
    """A setting is missing, malformed or still a placeholder."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./hocai.db", validation_alias=_env("DATABASE_URL")
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias=_env("HOCAI_TIMEZONE"))
    admins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validation_alias=_env("HOCAI_ADMINS")
    )
    lessons_dir: Path | None = Field(default=None, validation_alias=_env("HOCAI_LESSONS_DIR"))
    log_level: str = Field(default="INFO", validation_alias=_env("HOCAI_LOG_LEVEL"))

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=_env("TELEGRAM_BOT_TOKEN")
    )
    telegram_api_base: str | None = Field(default=None, validation_alias=_env("TELEGRAM_API_BASE"))
    telegram_rate_per_second: float = Field(
        default=30.0, gt=0, validation_alias=_env("TELEGRAM_RATE_PER_SECOND")
    )
    telegram_chat_interval: float = Field(
        default=1.0, ge=0, validation_alias=_env("TELEGRAM_CHAT_INTERVAL")
    )
    telegram_paid_broadcast: bool = Field(
        default=False, validation_alias=_env("TELEGRAM_PAID_BROADCAST")
    )

    openai_base_url: str | None = Field(default=None, validation_alias=_env("OPENAI_BASE_URL"))
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=_env("OPENAI_API_KEY"))
    llm_model: str | None = Field(default=None, validation_alias=_env("LLM_MODEL"))
    llm_vision: bool = Field(default=False, validation_alias=_env("LLM_VISION"))
    llm_daily_token_budget: int = Field(
        default=500_000, ge=0, validation_alias=_env("LLM_DAILY_TOKEN_BUDGET")
    )
    llm_timeout_seconds: float = Field(default=20.0, gt=0, validation_alias=_env("LLM_TIMEOUT"))

    redis_url: str | None = Field(default=None, validation_alias=_env("REDIS_URL"))

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return tuple(str(v) for v in value)  # type: ignore[union-attr]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Ho_Chi_Minh)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.split(":///", 1)[1]
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("DATABASE_URL must be sqlite+aiosqlite:///... or postgresql+asyncpg://...")
        return value

    @model_validator(mode="after")
    def _no_placeholders(self) -> Settings:
        token = self.telegram_bot_token
        if token is not None:
            raw = token.get_secret_value().strip()
            if _PLACEHOLDERS.match(raw):
                self.telegram_bot_token = None  # an empty line in .env means "not configured"
            elif not _TELEGRAM_TOKEN.match(raw):
                raise ValueError(
                    "TELEGRAM_BOT_TOKEN does not look like a token from @BotFather (123456:ABC...)"
                )
        key = self.openai_api_key
        if key is not None and _PLACEHOLDERS.match(key.get_secret_value().strip()):
            self.openai_api_key = None
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_model and (self.openai_api_key or self.openai_base_url))


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one readable error."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise SettingsError("Invalid settings:\n" + "\n".join(lines)) from exc
