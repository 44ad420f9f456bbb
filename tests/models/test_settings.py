from pathlib import Path

import pytest

from models.errors import ConfigError
from models.settings import Settings, get_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_settings_come_from_callintel_environment(monkeypatch):
    monkeypatch.setenv("CALLINTEL_DATABASE_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("CALLINTEL_TAG_BATCH_SIZE", "8")
    settings = get_settings()
    assert settings.database_url == "sqlite:////tmp/x.db"
    assert settings.tag_batch_size == 8


def test_invalid_setting_is_one_config_error(monkeypatch):
    monkeypatch.setenv("CALLINTEL_TAG_BATCH_SIZE", "lots")
    with pytest.raises(ConfigError, match="CALLINTEL_TAG_BATCH_SIZE"):
        get_settings()


def test_production_refuses_in_memory_database(monkeypatch):
    monkeypatch.setenv("CALLINTEL_ENVIRONMENT", "production")
    monkeypatch.setenv("CALLINTEL_DATABASE_URL", "sqlite:///:memory:")
    with pytest.raises(ConfigError, match="production"):
        get_settings()


def test_default_database_is_a_file_in_the_user_data_dir(monkeypatch):
    monkeypatch.delenv("CALLINTEL_DATABASE_URL")
    url = Settings().database_url
    assert url.startswith("sqlite:///") and url.endswith("callintel.db")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(name):
    field = Settings.model_fields[name]
    text = README.read_text()
    assert f"`CALLINTEL_{name.upper()}`" in text
    assert field.description and field.description in text


@pytest.mark.parametrize("given", ["2026-10-30", "2026-10-30T12:00:00"])
def test_a_risk_moment_without_a_zone_is_read_as_utc(monkeypatch, given):
    from datetime import UTC, datetime

    monkeypatch.setenv("CALLINTEL_RISK_AS_OF", given)
    moment = Settings().risk_moment()
    assert moment.tzinfo is not None and moment == datetime.fromisoformat(given).replace(tzinfo=UTC)
    assert moment < datetime.now(
        UTC
    )  # comparable with stored, zoned times (a naive one raised TypeError)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("CALLINTEL_JOB_LEASE_S", "inf", "less than or equal"),
        ("CALLINTEL_THREADS", "100000", "less than or equal"),
        ("CALLINTEL_BROKER_URL", "not a url", "Redis URL"),
        ("CALLINTEL_BROKER_URL", "http://localhost:6379/0", "Redis URL"),
        ("CALLINTEL_UPLOAD_DIR", "", "not be empty"),
        ("CALLINTEL_UPLOAD_DIR", "  ", "not be empty"),
        ("CALLINTEL_SECRET_KEY", "short", "at least 32"),
        ("CALLINTEL_REPORT_CACHE", "-3", "greater than or equal"),
        ("CALLINTEL_REPORT_CACHE", "lots", "valid integer"),
        ("CALLINTEL_REPORT_STALE_SECONDS", "-1", "greater than or equal"),
        ("CALLINTEL_REPORT_STALE_SECONDS", "a week", "valid number"),
    ],
)
def test_values_that_cannot_work_are_refused_naming_the_setting(monkeypatch, name, value, problem):
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match=f"{name}.*{problem}"):
        get_settings()


def test_a_redis_url_is_accepted_as_the_broker(monkeypatch):
    monkeypatch.setenv("CALLINTEL_BROKER_URL", "rediss://user:pw@redis.example:6380/1")
    assert Settings().broker_url == "rediss://user:pw@redis.example:6380/1"


@pytest.mark.parametrize(
    ("missing", "problem"),
    [("CALLINTEL_SECRET_KEY", "SECRET_KEY"), ("CALLINTEL_TRUSTED_HOSTS", "TRUSTED_HOSTS")],
)
def test_production_refuses_a_missing_secret_key_or_any_host(monkeypatch, missing, problem):
    monkeypatch.setenv("CALLINTEL_ENVIRONMENT", "production")
    monkeypatch.setenv("CALLINTEL_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("CALLINTEL_TRUSTED_HOSTS", "callintel.example.com")
    assert Settings().host_list() == ["callintel.example.com"]
    monkeypatch.delenv(missing)
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match=problem):
        get_settings()
