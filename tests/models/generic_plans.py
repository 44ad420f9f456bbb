"""The generic plan PostgreSQL makes of a statement (psycopg prepares a statement a connection has run five
times, and PostgreSQL may then plan it once without the parameters' values): the plan tests' one way to see it."""

from __future__ import annotations

from typing import Any

from psycopg import sql as psql
from sqlalchemy import event

from bench.pg_plans import positional
from models.store import Store

__all__ = ["generic_plan"]


def generic_plan(store: Store, statement: Any, values: dict[str, Any], *settings: str) -> str:
    """The generic plan of ``statement`` as the driver sends it (SQLAlchemy's SQL for ``values``), prepared
    and explained with ``values`` under force_generic_plan (and ``settings``)."""
    sent: list[tuple[str, Any]] = []
    with store.engine.connect() as connection:
        event.listen(connection, "before_cursor_execute", lambda *a: sent.append((a[2], a[3])))
        connection.execute(statement, values).all()
        numbered, ordered = positional(*sent[-1])
        raw: Any = connection.connection.dbapi_connection  # psycopg's, for its SQL composition
        cursor = raw.cursor()
        for setting in ("SET plan_cache_mode = force_generic_plan", *settings):
            cursor.execute(setting)
        cursor.execute(f"PREPARE guarded AS {numbered}")
        literals = psql.SQL(", ").join(psql.Literal(value) for value in ordered)
        cursor.execute(psql.SQL("EXPLAIN EXECUTE guarded({})").format(literals))
        return "\n".join(row[0] for row in cursor.fetchall())
