"""Webhook signing secrets are stored encrypted (CALLINTEL_SECRET_KEY), still sign deliveries, and a wrong key
is one clear error; in development a key is made once in the data dir; migration 0006 encrypts old rows."""

from __future__ import annotations

import stat

import pytest
from alembic import command
from pydantic import SecretStr
from sqlalchemy import String, inspect, select, text, update

from models import crypto
from models.errors import ConfigError, SecretKeyError
from models.outbox import emit
from models.settings import Settings, get_settings
from models.store import Store
from models.tables import WebhookDeliveryRow, WebhookSubscriptionRow
from pipeline.webhooks import add_subscription, deliver_due, verify_signature
from tests.helpers import Receiver, one_line_error

SECRET = "whsec_plaintext-secret-0123456789"


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    r = Receiver([])
    yield r
    r.server.shutdown()


def _stored_secrets(store) -> list[str]:
    with store.engine.connect() as connection:
        return list(
            connection.scalars(text("SELECT secret FROM webhook_subscriptions ORDER BY id"))
        )


def _emit(store, event_id: str = "interaction.analysed:x") -> None:
    with store.transaction() as session:
        emit(session, "interaction.analysed", event_id, {"interaction_id": "x"})


@pytest.mark.both_backends
def test_the_stored_secret_is_encrypted_and_deliveries_still_verify(store, receiver):
    _, shown = add_subscription(
        store, receiver.url, ["interaction.analysed"], secret=SECRET, settings=get_settings()
    )
    (stored,) = _stored_secrets(store)
    assert shown == SECRET and SECRET not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert crypto.decrypt(get_settings(), stored) == SECRET
    _emit(store)
    assert deliver_due(store, get_settings()).delivered == 1
    ((headers, body),) = receiver.requests
    assert verify_signature(SECRET, headers["X-Callintel-Signature"], body)


def test_a_wrong_key_is_one_error_naming_the_setting_and_costs_no_attempt(
    store, receiver, cli, db_url, monkeypatch
):
    add_subscription(store, receiver.url, ["interaction.analysed"], settings=get_settings())
    _emit(store)
    other = Settings(
        secret_key=SecretStr("another-key-" + "z" * 32), webhook_allow_hosts="127.0.0.1"
    )
    with pytest.raises(SecretKeyError, match="CALLINTEL_SECRET_KEY"):
        deliver_due(store, other)
    run = cli(
        "webhook",
        "deliver",
        "--database-url",
        db_url,
        env={"CALLINTEL_SECRET_KEY": "another-key-" + "z" * 32},
    )
    assert (
        "do not decrypt with this CALLINTEL_SECRET_KEY" in one_line_error(run)
        and run.returncode == 2
    )
    with store.transaction() as session:
        (row,) = session.scalars(select(WebhookDeliveryRow))
    assert (row.status, row.attempts) == ("pending", 0) and receiver.requests == []
    assert deliver_due(store, get_settings()).delivered == 1  # the right key again


def test_development_makes_a_key_once_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("CALLINTEL_SECRET_KEY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings()
    token = crypto.encrypt(settings, SECRET)
    path = crypto.development_key_file()
    assert path == tmp_path / "data" / "callintel" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_text().strip()) >= 32
    first = path.read_text()
    assert (
        crypto.decrypt(Settings(), token) == SECRET and path.read_text() == first
    )  # read again, not remade
    assert [p.name for p in path.parent.iterdir()] == [
        "secret.key"
    ]  # no temporary file left behind
    with pytest.raises(ConfigError, match="CALLINTEL_SECRET_KEY"):
        crypto.secret_key(Settings.model_construct(environment="production", secret_key=None))


@pytest.mark.both_backends
def test_migration_0006_encrypts_the_secrets_stored_before_it(db_url, receiver):
    _store_at_0005_with_a_secret(db_url, receiver.url)
    with Store(db_url) as store:
        (stored,) = _stored_secrets(store)
        assert stored != SECRET and crypto.decrypt(get_settings(), stored) == SECRET
        if store.engine.dialect.name == "postgresql":
            columns = {
                c["name"]: c["type"]
                for c in inspect(store.engine).get_columns("webhook_subscriptions")
            }
            secret = columns["secret"]
            assert isinstance(secret, String) and secret.length == 512
        _emit(store)
        assert deliver_due(store, get_settings()).delivered == 1
        ((headers, body),) = receiver.requests
        assert verify_signature(SECRET, headers["X-Callintel-Signature"], body)
        config = store.alembic_config()
        with store.engine.begin() as connection:  # and back: plaintext again
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
    with Store(
        db_url, migrate=False
    ) as old:  # reopened: a Store knows its schema from when it opened
        assert _stored_secrets(old) == [SECRET]
        with old.transaction() as session:
            assert session.scalar(select(WebhookDeliveryRow.status)) == "delivered"  # the log kept
            session.execute(update(WebhookSubscriptionRow).values(active=False))


def _store_at_0005_with_a_secret(db_url: str, url: str = "http://127.0.0.1:9/hook") -> None:
    with Store(db_url, migrate=False) as old:
        old.migrate("0005")
        with old.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO webhook_subscriptions (url, events, secret, active, created_at) "
                    "VALUES (:url, '[\"interaction.analysed\"]', :secret, :active, CURRENT_TIMESTAMP)"
                ),
                {"url": url, "secret": SECRET, "active": True},
            )


@pytest.mark.both_backends
def test_migration_0006_uses_the_settings_the_store_was_opened_with(db_url):
    _store_at_0005_with_a_secret(db_url)
    own = Settings(database_url=db_url, secret_key=SecretStr("the-stores-own-key-" + "s" * 32))
    assert own.secret_key != get_settings().secret_key  # the environment's key is another one
    with Store(db_url, settings=own) as store:
        (stored,) = _stored_secrets(store)
        assert crypto.decrypt(own, stored) == SECRET
        with pytest.raises(SecretKeyError):
            crypto.decrypt(get_settings(), stored)


@pytest.mark.both_backends
def test_migration_0006_without_settings_is_one_config_error_and_changes_nothing(db_url):
    _store_at_0005_with_a_secret(db_url)
    with Store(db_url, migrate=False) as store:
        config = store.alembic_config()
        del config.attributes["settings"]  # as the plain `alembic upgrade` command would run it
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            with pytest.raises(ConfigError, match=r"migration 0006 needs the settings"):
                command.upgrade(config, "0006")
        assert _stored_secrets(store) == [SECRET]  # the failed migration rolled back
        with store.engine.connect() as connection:
            version = connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == "0005"
