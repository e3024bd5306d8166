"""Settings: every knob ToolShare reads from the environment, validated once."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from toolshare_core.errors import ConfigError

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Values people paste from examples; refused as SECRET_KEY outside development.
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "please-change-me", "dev", "development"}
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """ToolShare configuration. Each field is documented in README.md (Configuration)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    toolshare_schema: str = Field(default="public", alias="TOOLSHARE_SCHEMA")
    toolshare_timezone: str = Field(default="UTC", alias="TOOLSHARE_TIMEZONE")
    secret_key: str | None = Field(default=None, alias="SECRET_KEY")
    toolshare_env: Literal["development", "production"] = Field(
        default="development", alias="TOOLSHARE_ENV"
    )
    toolshare_data_dir: Path = Field(
        default=PROJECT_ROOT / ".toolshare", alias="TOOLSHARE_DATA_DIR"
    )
    toolshare_seed_demo: bool = Field(default=True, alias="TOOLSHARE_SEED_DEMO")
    statement_timeout_ms: int = Field(default=30_000, alias="TOOLSHARE_STATEMENT_TIMEOUT_MS", gt=0)
    notebook_timeout_ms: int = Field(default=5_000, alias="TOOLSHARE_NOTEBOOK_TIMEOUT_MS", gt=0)
    notebook_display_rows: int = Field(default=1_000, alias="TOOLSHARE_NOTEBOOK_DISPLAY_ROWS", gt=0)
    admin_username: str = Field(default="admin", alias="TOOLSHARE_ADMIN_USERNAME")
    admin_password: SecretStr | None = Field(default=None, alias="TOOLSHARE_ADMIN_PASSWORD")
    session_hours: float = Field(default=8.0, alias="TOOLSHARE_SESSION_HOURS", gt=0)
    cache_ttl_seconds: int = Field(default=60, alias="TOOLSHARE_CACHE_TTL_SECONDS", ge=0)

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        raise ValueError(
            "DATABASE_URL must start with postgresql:// or postgresql+psycopg:// "
            "(for example postgresql://user:password@localhost:5432/toolshare)"
        )

    @field_validator("toolshare_schema")
    @classmethod
    def _check_schema(cls, value: str) -> str:
        if not SCHEMA_NAME.match(value):
            raise ValueError(
                "TOOLSHARE_SCHEMA must be a lower-case PostgreSQL name "
                "(letters, digits, underscore; not starting with a digit)"
            )
        return value

    @field_validator("toolshare_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"TOOLSHARE_TIMEZONE {value!r} is not a known time zone (e.g. Europe/London)"
            ) from exc
        return value

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if self.toolshare_env == "production":
            key = (self.secret_key or "").strip()
            if key.lower() in PLACEHOLDER_SECRETS or "change" in key.lower() or len(key) < 32:
                raise ValueError(
                    "SECRET_KEY must be set to a random value of at least 32 characters in "
                    "production (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
        return self

    @property
    def embedded(self) -> bool:
        """True when no DATABASE_URL is given and the embedded PostgreSQL is used."""
        return self.database_url is None

    @property
    def effective_secret_key(self) -> str:
        """The configured secret, or (development only) a random one for this process."""
        return self.secret_key or _process_dev_secret()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.toolshare_timezone)


@lru_cache(maxsize=1)
def _process_dev_secret() -> str:
    return secrets.token_urlsafe(48)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; raises ConfigError with a one-line reason when invalid."""
    try:
        return Settings()
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigError(_first_error(exc)) from exc


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        message = str(first.get("msg", exc)).removeprefix("Value error, ")
        return f"configuration: {message}"
    return f"configuration: {exc}"
