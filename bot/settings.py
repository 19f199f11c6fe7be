"""Settings from the environment and `.env`, built once at the entry point."""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from embeddings.errors import ArticleBotError
from embeddings.models import DEFAULT_MODEL
from embeddings.scoring import DEFAULT_MIN_RELEVANCE


class SettingsError(ArticleBotError):
    """A setting has an invalid value."""


class Settings(BaseSettings):
    """All the bot's settings; each field is read from the variable of the same name."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr | None = Field(default=None, description="Discord bot token")
    article: str | None = Field(default=None, description="article file; empty = bundled")
    embedding_model: str = Field(default=DEFAULT_MODEL, min_length=1)
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("article-bot"))
    )
    top_k: int = Field(default=3, ge=1, le=10)
    min_relevance: float = Field(default=DEFAULT_MIN_RELEVANCE, ge=-1.0, le=2.0)
    dev_guild_id: int | None = Field(default=None, gt=0)
    cooldown_questions: int = Field(default=5, ge=1)
    cooldown_seconds: float = Field(default=30.0, gt=0)
    log_level: str = Field(default="INFO", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR)$")
    database_url: SecretStr | None = Field(
        default=None, description="sqlite:///path or postgresql://…; empty = library.db"
    )
    library_max_articles: int = Field(default=500, ge=1)
    library_max_paragraphs: int = Field(default=2000, ge=1)
    attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    allow_private_urls: bool = Field(
        default=False, description="let Discord add pages on private and loopback addresses"
    )
    fetch_timeout: float = Field(default=20.0, gt=0, le=300)
    add_limit: int = Field(default=10, ge=1, description="adds one server may make per window")
    add_limit_seconds: float = Field(default=600.0, gt=0)
    shard_count: int | None = Field(default=None, ge=1, description="empty = Discord's advice")
    shard_ids: str | None = Field(default=None, description="e.g. 0,1; empty = all")

    @field_validator("shard_ids")
    @classmethod
    def _shard_list(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\s*\d+\s*(,\s*\d+\s*)*", value):
            raise ValueError("shard numbers separated by commas, such as 0,1")
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            if any(i >= self.shard_count for i in self.shards or ()):
                raise ValueError(f"SHARD_IDS must be below SHARD_COUNT ({self.shard_count})")
        return self

    @property
    def shards(self) -> list[int] | None:
        """The shards this process serves (None: all of them)."""
        if self.shard_ids is None:
            return None
        return sorted({int(part) for part in self.shard_ids.split(",")})

    @property
    def database(self) -> str:
        """The library's database URL (a secret: it may hold a password)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{default_database()}"

    @property
    def database_is_default(self) -> bool:
        """Whether the library is the SQLite file in the user data directory."""
        return self.database_url is None


def default_database() -> Path:
    """The library's SQLite file when `DATABASE_URL` names none."""
    return Path(platformdirs.user_data_dir("article-bot")) / "library.db"


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation error into one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:  # a rule over several settings names them itself
            raise SettingsError(first["msg"].removeprefix("Value error, ")) from None
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{str(first['loc'][0]).upper()}: {message}") from None
