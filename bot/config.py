"""Typed settings from the environment (and `.env`), checked at start so a mistake fails fast.

`Settings` is kept whole (over 15 methods, and this module over 400 lines): they are pydantic
validators and derived properties of one environment, each a line or two; split, a setting's
check would live away from the setting, and every setting is read from one typed class."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_PLACEHOLDERS = re.compile(r"^(|changeme|change-me|your[-_ ].*|xxx+|<.*>|\.\.\.|todo)$", re.I)


def is_placeholder(value: str) -> bool:
    """Blank, or a value left from .env.example ("changeme", "your-key", "<token>")."""
    return bool(_PLACEHOLDERS.match(value.strip()))


_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_ZALO_BOT_TOKEN = re.compile(r"^[A-Za-z0-9:_.\-]{16,}$")  # the exact shape is not documented
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_\-]{8,256}$")
_LOCAL_HTTP = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/")


DEFAULT_WEB_PORT = 8090  # the web pages' port when HOCAI_WEB_PORT is not set


class SettingsError(ValueError):
    """A setting is missing, malformed or still a placeholder."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./hocai.db", validation_alias=_env("DATABASE_URL")
    )
    # PostgreSQL connections a process keeps (as many again at a peak): with several processes,
    # their sum must stay under the server's max_connections (100 by default).
    database_pool_size: int = Field(
        default=10, ge=1, le=100, validation_alias=_env("DATABASE_POOL_SIZE")
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias=_env("HOCAI_TIMEZONE"))
    admins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validation_alias=_env("HOCAI_ADMINS")
    )
    lessons_dir: Path | None = Field(default=None, validation_alias=_env("HOCAI_LESSONS_DIR"))
    log_level: str = Field(default="INFO", validation_alias=_env("HOCAI_LOG_LEVEL"))
    lessons_per_day: int = Field(
        default=3, ge=1, le=20, validation_alias=_env("HOCAI_LESSONS_PER_DAY")
    )
    # Honours weights (vinh danh); empty: the packaged bot/rules/honours.yaml.
    honours_file: Path | None = Field(default=None, validation_alias=_env("HOCAI_HONOURS_FILE"))

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=_env("TELEGRAM_BOT_TOKEN")
    )
    telegram_api_base: str | None = Field(default=None, validation_alias=_env("TELEGRAM_API_BASE"))
    # The bot's @username, for the links `hocai roles invite` prints (the running bot asks
    # Telegram itself); empty: the CLI prints the code to type and a link template.
    telegram_bot_username: str = Field(
        default="",
        pattern=r"^@?[A-Za-z0-9_]{0,64}$",
        validation_alias=_env("TELEGRAM_BOT_USERNAME"),
    )
    telegram_rate_per_second: float = Field(
        default=30.0, gt=0, validation_alias=_env("TELEGRAM_RATE_PER_SECOND")
    )
    telegram_chat_interval: float = Field(
        default=1.0, ge=0, validation_alias=_env("TELEGRAM_CHAT_INTERVAL")
    )
    # Paid broadcasts: up to 1,000 messages a second per token, 0.1 Telegram Stars for each
    # message above the free 30 a second (the bot's Stars balance pays).
    telegram_paid_broadcast: bool = Field(
        default=False, validation_alias=_env("TELEGRAM_PAID_BROADCAST")
    )
    telegram_paid_broadcast_rate: float = Field(
        default=1000.0, ge=30, le=1000, validation_alias=_env("TELEGRAM_PAID_BROADCAST_RATE")
    )
    # Updates handled at once; kept below the database pool (20 connections) so a burst waits
    # for a free handler instead of timing out on a connection.
    telegram_max_concurrent_updates: int = Field(
        default=8, ge=1, le=100, validation_alias=_env("TELEGRAM_MAX_CONCURRENT_UPDATES")
    )
    # Empty: long polling (development). In production the public HTTPS address Telegram calls.
    telegram_webhook_url: str | None = Field(
        default=None, validation_alias=_env("TELEGRAM_WEBHOOK_URL")
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET")
    )
    telegram_webhook_host: str = Field(
        default="0.0.0.0", validation_alias=_env("TELEGRAM_WEBHOOK_HOST")
    )
    telegram_webhook_port: int = Field(
        default=8081, ge=0, le=65535, validation_alias=_env("TELEGRAM_WEBHOOK_PORT")
    )
    telegram_webhook_path: str = Field(
        default="/telegram", validation_alias=_env("TELEGRAM_WEBHOOK_PATH")
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

    # Process roles (README: "Chạy nhiều tiến trình"): everything in one process, or one role of
    # several sharing a PostgreSQL database. `hocai run --role` overrides it.
    role: Literal["all", "web", "worker", "scheduler"] = Field(
        default="all", validation_alias=_env("HOCAI_ROLE")
    )
    # Lesson messages a worker may have sent but not yet recorded: a crash repeats at most this
    # many (to as many learners). Throughput per worker is about this many / a send's round trip.
    delivery_in_flight: int = Field(
        default=8, ge=1, le=64, validation_alias=_env("HOCAI_DELIVERY_IN_FLIGHT")
    )
    # How long a delivery stays with a worker that stopped making progress (died, stalled).
    delivery_lease_seconds: float = Field(
        default=60.0, ge=1, le=3600, validation_alias=_env("HOCAI_DELIVERY_LEASE_SECONDS")
    )
    delivery_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, validation_alias=_env("HOCAI_DELIVERY_POLL_SECONDS")
    )
    # How often a running process reads the `bots` table, so that a unit's bot added or removed
    # with `hocai bots` is served (or stopped) without a restart.
    bots_reload_seconds: float = Field(
        default=30.0, gt=0, le=3600, validation_alias=_env("HOCAI_BOTS_RELOAD_SECONDS")
    )
    # Seals units' bot tokens in the database (a Fernet key: `hocai bots keygen`). Empty: tokens
    # are stored as given, and never printed in full either way.
    secret_key: SecretStr | None = Field(default=None, validation_alias=_env("HOCAI_SECRET_KEY"))
    # Telegram messages a second per token kept free for replies to learners who just wrote:
    # while replies wait, the daily push leaves this many of the token's slots to them.
    telegram_reply_reserve: int = Field(
        default=3, ge=0, le=20, validation_alias=_env("TELEGRAM_REPLY_RESERVE")
    )
    # Messages a minute to one group chat (Telegram allows about 20).
    telegram_group_per_minute: int = Field(
        default=20, ge=1, le=60, validation_alias=_env("TELEGRAM_GROUP_PER_MINUTE")
    )
    data_dir: Path = Field(default=Path("hocai-data"), validation_alias=_env("HOCAI_DATA_DIR"))

    # Speech (any OpenAI-compatible /audio/speech and /audio/transcriptions): lessons read aloud,
    # voice notes as work. Off unless SPEECH_BASE_URL or SPEECH_API_KEY is set.
    speech_base_url: str | None = Field(default=None, validation_alias=_env("SPEECH_BASE_URL"))
    speech_api_key: SecretStr | None = Field(default=None, validation_alias=_env("SPEECH_API_KEY"))
    tts_model: str = Field(default="gpt-4o-mini-tts", validation_alias=_env("TTS_MODEL"))
    stt_model: str = Field(default="gpt-4o-mini-transcribe", validation_alias=_env("STT_MODEL"))
    tts_voice: str = Field(default="alloy", validation_alias=_env("TTS_VOICE"))
    tts_format: Literal["opus", "mp3", "wav", "aac", "flac"] = Field(
        default="opus", validation_alias=_env("TTS_FORMAT")
    )
    speech_timeout_seconds: float = Field(
        default=60.0, gt=0, validation_alias=_env("SPEECH_TIMEOUT")
    )

    # "Thử với AI ngay đây": the grader's model (OPENAI_BASE_URL, LLM_MODEL) answers learners'
    # prompts in the chat, within a daily number of prompts per learner and a province-wide
    # daily token allowance of its own (the grader's budget is not touched).
    tryai_enabled: bool = Field(default=True, validation_alias=_env("TRYAI_ENABLED"))
    tryai_turns_per_day: int = Field(
        default=10, ge=1, le=200, validation_alias=_env("TRYAI_TURNS_PER_DAY")
    )
    tryai_daily_token_budget: int = Field(
        default=200_000, ge=0, validation_alias=_env("TRYAI_DAILY_TOKEN_BUDGET")
    )

    # Zalo Bot Platform (bot.zapps.me / bot-api.zaloplatforms.com)
    zalo_bot_token: SecretStr | None = Field(default=None, validation_alias=_env("ZALO_BOT_TOKEN"))
    zalo_bot_api_base: str = Field(
        default="https://bot-api.zaloplatforms.com", validation_alias=_env("ZALO_BOT_API_BASE")
    )
    zalo_bot_webhook_url: str | None = Field(
        default=None, validation_alias=_env("ZALO_BOT_WEBHOOK_URL")
    )
    zalo_bot_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("ZALO_BOT_WEBHOOK_SECRET")
    )
    zalo_bot_rate_per_second: float = Field(
        default=10.0, gt=0, validation_alias=_env("ZALO_BOT_RATE_PER_SECOND")
    )
    zalo_bot_chat_interval: float = Field(
        default=1.0, ge=0, validation_alias=_env("ZALO_BOT_CHAT_INTERVAL")
    )
    zalo_bot_monthly_quota: int = Field(
        default=3000, ge=0, validation_alias=_env("ZALO_BOT_MONTHLY_QUOTA")
    )
    zalo_bot_poll_timeout: int = Field(
        default=30, ge=1, le=60, validation_alias=_env("ZALO_BOT_POLL_TIMEOUT")
    )

    # Zalo Official Account API v3
    zalo_oa_app_id: str | None = Field(default=None, validation_alias=_env("ZALO_OA_APP_ID"))
    zalo_oa_secret_key: SecretStr | None = Field(
        default=None, validation_alias=_env("ZALO_OA_SECRET_KEY")
    )
    zalo_oa_webhook_secret_key: SecretStr | None = Field(
        default=None, validation_alias=_env("ZALO_OA_WEBHOOK_SECRET_KEY")
    )
    zalo_oa_access_token: SecretStr | None = Field(
        default=None, validation_alias=_env("ZALO_OA_ACCESS_TOKEN")
    )
    zalo_oa_refresh_token: SecretStr | None = Field(
        default=None, validation_alias=_env("ZALO_OA_REFRESH_TOKEN")
    )
    zalo_oa_api_base: str = Field(
        default="https://openapi.zalo.me", validation_alias=_env("ZALO_OA_API_BASE")
    )
    zalo_oa_oauth_url: str = Field(
        default="https://oauth.zaloapp.com/v4/oa/access_token",
        validation_alias=_env("ZALO_OA_OAUTH_URL"),
    )
    zalo_oa_rate_per_second: float = Field(
        default=5.0, gt=0, validation_alias=_env("ZALO_OA_RATE_PER_SECOND")
    )
    zalo_oa_chat_interval: float = Field(
        default=1.0, ge=0, validation_alias=_env("ZALO_OA_CHAT_INTERVAL")
    )
    zalo_oa_button_action: Literal["oa.query.show", "oa.query.hide"] = Field(
        default="oa.query.show", validation_alias=_env("ZALO_OA_BUTTON_ACTION")
    )
    zalo_oa_max_buttons: int = Field(
        default=5, ge=0, le=10, validation_alias=_env("ZALO_OA_MAX_BUTTONS")
    )

    # The webhook server both Zalo channels share (behind an HTTPS reverse proxy)
    zalo_webhook_host: str = Field(default="0.0.0.0", validation_alias=_env("ZALO_WEBHOOK_HOST"))
    zalo_webhook_port: int = Field(
        default=8080, ge=0, le=65535, validation_alias=_env("ZALO_WEBHOOK_PORT")
    )
    zalo_bot_webhook_path: str = Field(
        default="/zalo/bot", validation_alias=_env("ZALO_BOT_WEBHOOK_PATH")
    )
    zalo_oa_webhook_path: str = Field(
        default="/zalo/oa", validation_alias=_env("ZALO_OA_WEBHOOK_PATH")
    )
    zalo_photo_max_mb: float = Field(
        default=5.0, gt=0, le=50, validation_alias=_env("ZALO_PHOTO_MAX_MB")
    )

    # Level certificates: the public address their QR codes and links point to (the verification
    # page is <HOCAI_PUBLIC_URL>/verify/<code>), and the small verification server `hocai run`
    # starts when HOCAI_VERIFY_SERVER is on (behind an HTTPS reverse proxy in production).
    public_url: str = Field(
        default="http://localhost:8080", validation_alias=_env("HOCAI_PUBLIC_URL")
    )
    verify_server: bool = Field(default=False, validation_alias=_env("HOCAI_VERIFY_SERVER"))
    verify_host: str = Field(default="0.0.0.0", validation_alias=_env("HOCAI_VERIFY_HOST"))
    verify_port: int = Field(
        default=8080, ge=0, le=65535, validation_alias=_env("HOCAI_VERIFY_PORT")
    )

    # The web pages for officials, instructors and leaders (README "Trang quản lý"): served by
    # the web role, and by `hocai run` (role all) when HOCAI_WEB_PORT is set; the console demo
    # serves them on 127.0.0.1. Sign-in links point to HOCAI_WEB_URL (default HOCAI_PUBLIC_URL).
    web_host: str = Field(default="0.0.0.0", validation_alias=_env("HOCAI_WEB_HOST"))
    web_port: int | None = Field(
        default=None, ge=0, le=65535, validation_alias=_env("HOCAI_WEB_PORT")
    )
    web_url: str | None = Field(default=None, validation_alias=_env("HOCAI_WEB_URL"))
    # Seals the session cookies. Empty: derived from HOCAI_SECRET_KEY; with neither, an https
    # address (production) fails at start, and a local one gets a key that lives as long as
    # the process (signing in again after a restart).
    web_secret: SecretStr | None = Field(default=None, validation_alias=_env("HOCAI_WEB_SECRET"))
    web_session_hours: float = Field(
        default=8.0, gt=0, le=24 * 14, validation_alias=_env("HOCAI_WEB_SESSION_HOURS")
    )

    @field_validator("web_port", mode="before")
    @classmethod
    def _blank_port(cls, value: object) -> object:
        """HOCAI_WEB_PORT= (empty, as in .env.example) means "not set"."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_url")
    @classmethod
    def _public_address(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", url):
            raise ValueError(
                "HOCAI_PUBLIC_URL must be an address like https://hocai.example.vn "
                "(no query); certificates' QR codes point to <it>/verify/<code>"
            )
        return url

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, Iterable):
            return tuple(str(v) for v in value)
        raise ValueError("a comma-separated list of user ids")

    @field_validator("honours_file")
    @classmethod
    def _readable_honours(cls, value: Path | None) -> Path | None:
        """A wrong honours file fails at start, not when an official asks for the honours."""
        from scoring.honours import RulesError, parse_rules

        if value is None or str(value) in ("", "."):
            return None
        try:
            parse_rules(value.read_text(encoding="utf-8"), str(value))
        except (OSError, UnicodeDecodeError, RulesError) as exc:
            raise ValueError(f"cannot use the honours file: {exc}") from exc
        return value

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
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError(
                "DATABASE_URL must be sqlite+aiosqlite:///... or postgresql+asyncpg://..."
            )
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
        speech_key = self.speech_api_key
        if speech_key is not None and _PLACEHOLDERS.match(speech_key.get_secret_value().strip()):
            self.speech_api_key = None
        if self.speech_base_url is not None and not self.speech_base_url.strip():
            self.speech_base_url = None
        self._check_zalo()
        self._check_telegram_webhook()
        zalo_webhook = self.zalo_bot_webhook_url is not None or self.zalo_oa_configured
        if self.verify_server and zalo_webhook and self.verify_port == self.zalo_webhook_port:
            raise ValueError(
                "HOCAI_VERIFY_PORT and ZALO_WEBHOOK_PORT are both "
                f"{self.verify_port}: give the verification server another port"
            )

        self._check_role()
        self._check_secret_key()
        self._check_web()
        return self

    @property
    def web_address(self) -> str:
        """Where sign-in links point: HOCAI_WEB_URL, else HOCAI_PUBLIC_URL."""
        return self.web_url or self.public_url

    def web_served(self, role: str) -> bool:
        """Does a process of this role serve the web pages? The web role always; `all` when
        HOCAI_WEB_PORT is set (the console demo serves them locally on its own)."""
        return role == "web" or (role == "all" and self.web_port is not None)

    def _check_web(self) -> None:
        self._blank_is_unset("web_url", "web_secret")
        if self.web_url is not None:
            url = self.web_url.strip().rstrip("/")
            if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", url):
                raise ValueError(
                    "HOCAI_WEB_URL must be an address like https://hocai.example.vn "
                    "(no query); sign-in links point to <it>/web/login/..."
                )
            self.web_url = url
        if self.web_secret is not None and len(self.web_secret.get_secret_value().strip()) < 32:
            raise ValueError(
                "HOCAI_WEB_SECRET must be at least 32 characters (e.g. the output "
                "of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        production = self.web_address.startswith("https://")
        if (
            self.web_served(self.role)
            and production
            and self.web_secret is None
            and self.secret_key is None
        ):
            raise ValueError(
                "the web pages need a key for their session cookies: set "
                "HOCAI_WEB_SECRET (32+ characters) or HOCAI_SECRET_KEY"
            )
        web_port = self.web_port if self.web_port is not None else DEFAULT_WEB_PORT
        if self.web_served(self.role) and web_port != 0:
            zalo = self.zalo_bot_webhook_url is not None or self.zalo_oa_configured
            if zalo and web_port == self.zalo_webhook_port:
                raise ValueError(
                    f"HOCAI_WEB_PORT and ZALO_WEBHOOK_PORT are both {web_port}: "
                    "give the web pages another port"
                )

    def _check_role(self) -> None:
        if self.role != "all" and self.database_url.startswith("sqlite"):
            raise ValueError(
                "process roles share one PostgreSQL database (DATABASE_URL="
                "postgresql://...); with SQLite run everything in one process "
                "(`hocai run`, HOCAI_ROLE=all)"
            )

    def _check_secret_key(self) -> None:
        self._blank_is_unset("secret_key")
        if self.secret_key is not None:
            from cryptography.fernet import Fernet

            try:
                Fernet(self.secret_key.get_secret_value().strip().encode())
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    "HOCAI_SECRET_KEY must be a Fernet key (make one with `hocai bots keygen`)"
                ) from exc

    def _blank_is_unset(self, *names: str) -> None:
        """An empty setting means "not used"; a placeholder left from .env.example fails."""
        for name in names:
            value = getattr(self, name)
            raw = value.get_secret_value() if isinstance(value, SecretStr) else value or ""
            if not raw.strip():
                setattr(self, name, None)
            elif _PLACEHOLDERS.match(raw.strip()):
                raise ValueError(f"{name.upper()} is still a placeholder ({raw.strip()!r})")

    def _check_telegram_webhook(self) -> None:
        self._blank_is_unset("telegram_webhook_url", "telegram_webhook_secret")
        url = self.telegram_webhook_url
        if url is not None and not (url.startswith("https://") or _LOCAL_HTTP.match(url)):
            raise ValueError(
                "TELEGRAM_WEBHOOK_URL must be an https:// address (Telegram calls HTTPS only)"
            )
        secret = self.telegram_webhook_secret
        if secret is not None and not _WEBHOOK_SECRET.match(secret.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 8-256 characters: A-Z a-z 0-9 _ -")
        if not self.telegram_webhook_path.startswith("/"):
            raise ValueError(f"webhook paths start with '/': {self.telegram_webhook_path!r}")

    def _check_zalo(self) -> None:
        """Empty means "not used"; a placeholder or half a configuration fails at start."""
        self._blank_is_unset(
            "zalo_bot_token",
            "zalo_bot_webhook_secret",
            "zalo_oa_secret_key",
            "zalo_oa_webhook_secret_key",
            "zalo_oa_access_token",
            "zalo_oa_refresh_token",
            "zalo_oa_app_id",
            "zalo_bot_webhook_url",
        )
        token = self.zalo_bot_token
        if token is not None and not _ZALO_BOT_TOKEN.match(token.get_secret_value().strip()):
            raise ValueError("ZALO_BOT_TOKEN does not look like a Zalo bot token")
        url = self.zalo_bot_webhook_url
        if url is not None and not (url.startswith("https://") or _LOCAL_HTTP.match(url)):
            raise ValueError(
                "ZALO_BOT_WEBHOOK_URL must be an https:// address (Zalo calls HTTPS only)"
            )
        secret = self.zalo_bot_webhook_secret
        if secret is not None and not _WEBHOOK_SECRET.match(secret.get_secret_value()):
            raise ValueError("ZALO_BOT_WEBHOOK_SECRET must be 8-256 characters: A-Z a-z 0-9 _ -")
        oa = {
            "ZALO_OA_APP_ID": self.zalo_oa_app_id,
            "ZALO_OA_SECRET_KEY": self.zalo_oa_secret_key,
            "ZALO_OA_REFRESH_TOKEN": self.zalo_oa_refresh_token,
        }
        given = [k for k, v in oa.items() if v is not None]
        if given and len(given) < len(oa):
            missing = ", ".join(k for k, v in oa.items() if v is None)
            raise ValueError(
                f"the Zalo Official Account needs {missing} as well "
                f"(set all of {', '.join(oa)}, or none)"
            )
        for path in (self.zalo_bot_webhook_path, self.zalo_oa_webhook_path):
            if not path.startswith("/"):
                raise ValueError(f"webhook paths start with '/': {path!r}")

    @property
    def zalo_bot_configured(self) -> bool:
        return self.zalo_bot_token is not None

    @property
    def zalo_oa_configured(self) -> bool:
        return self.zalo_oa_app_id is not None

    @property
    def any_channel(self) -> bool:
        return (
            self.telegram_bot_token is not None
            or self.zalo_bot_configured
            or self.zalo_oa_configured
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def speech_configured(self) -> bool:
        return self.speech_base_url is not None or self.speech_api_key is not None

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_model and (self.openai_api_key or self.openai_base_url))


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning pydantic's report into one readable error."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise SettingsError("Invalid settings:\n" + "\n".join(lines)) from exc
