"""Webhook signing secrets encrypted at rest: the column widened for Fernet tokens, stored secrets encrypted.

The key is CALLINTEL_SECRET_KEY (in development without it, the key made once in the data dir); it is only
read when there are secrets to encrypt, from the settings that models/database.py's ``Database.migrate`` hands
over in ``config.attributes["settings"]`` (a function returning them): this migration reads no global settings,
and run without them (the ``alembic`` command alone) over stored secrets it stops with one ConfigError.
SQLite enforces no VARCHAR length and cannot alter a column in place: rebuilding webhook_subscriptions there
would cascade-delete the delivery log, so only PostgreSQL is altered.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import context, op

from models.errors import ConfigError

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SUBSCRIPTIONS = sa.table(
    "webhook_subscriptions", sa.column("id", sa.Integer), sa.column("secret", sa.String)
)


def _convert(transform) -> None:
    """Rewrite every stored secret with ``transform(settings, secret)``."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c.secret)).all()
    if not rows:
        return
    settings = _settings()
    for row_id, secret in rows:
        bind.execute(
            SUBSCRIPTIONS.update()
            .where(SUBSCRIPTIONS.c.id == row_id)
            .values(secret=transform(settings, secret))
        )


def _settings():
    """The settings ``Database.migrate`` passed in; a ConfigError when this runs without them."""
    provide = context.config.attributes.get("settings")
    if provide is None:
        raise ConfigError(
            "migration 0006 needs the settings to encrypt the stored webhook secrets with "
            "CALLINTEL_SECRET_KEY: run it through callintel (models/database.py's Database.migrate), "
            "which passes them in config.attributes['settings']"
        )
    return provide()


def _resize(length: int, was: int) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "webhook_subscriptions",
            "secret",
            type_=sa.String(length),
            existing_type=sa.String(was),
            existing_nullable=False,
        )


def upgrade() -> None:
    from models.crypto import encrypt

    _resize(512, was=128)
    _convert(encrypt)


def downgrade() -> None:
    from models.crypto import decrypt

    _convert(decrypt)
    _resize(128, was=512)
