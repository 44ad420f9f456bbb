"""Writing and reading account data: accounts, contacts, invoices, commercial events and survey responses.

Every function takes the caller's Session, so that one file (or one API request) is one transaction: it commits
whole or not at all. The writes are idempotent and safe to re-run:

    accounts, contacts, invoices   upserted by (customer_id), (customer_id, user), (customer_id, invoice_id); the
                                   fields a record gives are written, those it leaves out keep their stored value
                                   (a later invoices file can mark an invoice paid or add failed attempts)
    commercial events, surveys     inserted ON CONFLICT DO NOTHING on their dedup key (the same record is stored once)

Rows are written in a fixed order (customer id, then key) so that two transactions never wait on each other in a
cycle, and IN lists are read in chunks (a file of 440,000 rows must not hit SQLite's variable limit). Each writer
returns how many rows it created or changed: re-running the same file reports 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from models.errors import Conflict, NotFound
from models.records import Record
from models.tables import (
    AccountRow,
    CommercialEventRow,
    ContactRow,
    CustomerRow,
    InvoiceRow,
    SurveyResponseRow,
)

__all__ = [
    "CHUNK",
    "AccountBatch",
    "AccountCounts",
    "add_commercial_events",
    "add_survey_responses",
    "chunked",
    "create_account",
    "customer_exists",
    "dialect_insert",
    "ensure_customers",
    "replace_contacts",
    "save_account_batch",
    "set_status",
    "survey_interactions",
    "upsert_accounts",
    "upsert_contacts",
    "upsert_invoices",
]

CHUNK = 500  # ids per IN list (SQLite allows 32766 variables; PostgreSQL 65535)
T = TypeVar("T")


@dataclass(frozen=True)
class AccountBatch:
    """The account data of one file or request, with the ticket interaction each survey comment became."""

    accounts: Sequence[Account] = ()
    contacts: Sequence[Contact] = ()
    invoices: Sequence[Invoice] = ()
    commercial: Sequence[CommercialEvent] = ()
    surveys: Sequence[SurveyResponse] = ()
    survey_links: Mapping[str, str] = field(default_factory=dict)  # dedup key -> interaction id

    def customer_ids(self) -> set[str]:
        records: list[Iterable[Record]] = [
            self.accounts,
            self.contacts,
            self.invoices,
            self.commercial,
            self.surveys,
        ]
        return {r.customer_id for group in records for r in group}  # type: ignore[attr-defined]

    def __bool__(self) -> bool:
        return any((self.accounts, self.contacts, self.invoices, self.commercial, self.surveys))


@dataclass(frozen=True)
class AccountCounts:
    """Rows created or changed (accounts, contacts, invoices), or new (commercial events, survey responses)."""

    accounts: int = 0
    contacts: int = 0
    invoices: int = 0
    commercial: int = 0
    surveys: int = 0

    def __add__(self, other: AccountCounts) -> AccountCounts:
        return AccountCounts(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )

    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def dialect_insert(session: Session, table: type) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL both)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _now() -> datetime:
    return datetime.now(UTC)


def ensure_customers(session: Session, ids: Iterable[str]) -> None:
    """Create each customer not stored yet, in id order (concurrent creators do not clash)."""
    for customer_id in sorted(set(ids)):
        session.execute(
            dialect_insert(session, CustomerRow)
            .values(id=customer_id)
            .on_conflict_do_nothing(index_elements=["id"])
        )


def customer_exists(session: Session, customer_id: str) -> bool:
    return session.get(CustomerRow, customer_id) is not None


def save_account_batch(session: Session, batch: AccountBatch) -> AccountCounts:
    """Write a batch (its customers created if missing); how many rows each kind created or changed."""
    if not batch:
        return AccountCounts()
    ensure_customers(session, batch.customer_ids())
    return AccountCounts(
        upsert_accounts(session, batch.accounts),
        upsert_contacts(session, batch.contacts),
        upsert_invoices(session, batch.invoices),
        add_commercial_events(session, batch.commercial),
        add_survey_responses(session, batch.surveys, batch.survey_links),
    )


# -- upserts ------------------------------------------------------------------------------------------


def _given(record: Record, keys: Sequence[str]) -> dict[str, Any]:
    """The fields a record was given (a file's cell, a JSON key), with its keys."""
    return record.model_dump(include=set(record.model_fields_set) | set(keys))


def _merged(
    records: Sequence[Record], keys: Sequence[str]
) -> dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]]:
    """Per key: (every field, for an insert; the fields given, for an update); a later record's fields win."""
    merged: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
    for record in records:
        key = tuple(getattr(record, k) for k in keys)
        given = _given(record, keys)
        full, before = merged.get(key, (record.model_dump(), {}))
        merged[key] = ({**full, **given}, {**before, **given})
    return merged


def _stored(session: Session, table: Any, keys: Sequence[str], customers: list[str]) -> dict:
    """The stored rows of these customers, by key."""
    rows: dict[tuple[Any, ...], Any] = {}
    for part in chunked(customers):
        query = select(*table.__table__.columns).where(table.customer_id.in_(part))
        for row in session.execute(query):  # plain rows: a file may hold hundreds of thousands
            rows[tuple(getattr(row, k) for k in keys)] = row
    return rows


def _upsert(
    session: Session,
    table: Any,
    keys: Sequence[str],
    merged: Mapping[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]],
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Insert each key's row, or update the fields given where they differ from the stored ones: one statement
    per set of given fields (a file's rows mostly share theirs), its rows in key order."""
    columns = set(table.__table__.columns.keys())
    stored = _stored(session, table, keys, sorted({key[0] for key in merged}))
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for key in sorted(merged):
        full, given = ({k: v for k, v in values.items() if k in columns} for values in merged[key])
        row = stored.get(key)
        if row is not None and all(getattr(row, k) == v for k, v in given.items()):
            continue
        updated = (*sorted(k for k in given if k not in keys), *(extra or {}))
        groups.setdefault(updated, []).append({**full, **(extra or {})})
    for updated, rows in sorted(groups.items()):
        insert = dialect_insert(session, table)
        statement = (
            insert.on_conflict_do_update(
                index_elements=list(keys), set_={name: insert.excluded[name] for name in updated}
            )
            if updated
            else insert.on_conflict_do_nothing(index_elements=list(keys))
        )
        session.execute(statement, rows)
    return sum(len(rows) for rows in groups.values())


def upsert_accounts(
    session: Session, accounts: Sequence[Account], now: datetime | None = None
) -> int:
    """Write each account's given fields; its ``name`` is the customer's name. A status given without
    ``status_at`` that differs from the stored one (a new account's: ``active``) is dated ``now``."""
    now = now or _now()
    merged = _merged(accounts, ("customer_id",))
    ensure_customers(session, (key[0] for key in merged))
    _name_customers(session, {k[0]: given.get("name") for k, (_, given) in merged.items()})
    stored = _stored(session, AccountRow, ("customer_id",), sorted(k[0] for k in merged))
    for key, (full, given) in merged.items():
        row = stored.get(key)
        if "status" in given and "status_at" not in given:
            if (row.status if row is not None else "active") != given["status"]:
                full["status_at"] = given["status_at"] = now
    return _upsert(session, AccountRow, ("customer_id",), merged, {"updated_at": now})


def _name_customers(session: Session, names: Mapping[str, str | None]) -> None:
    for customer_id in sorted(names):
        if names[customer_id]:
            session.execute(
                update(CustomerRow)
                .where(
                    CustomerRow.id == customer_id,
                    CustomerRow.name.is_distinct_from(names[customer_id]),
                )
                .values(name=names[customer_id])
            )


def upsert_contacts(session: Session, contacts: Sequence[Contact]) -> int:
    """Add or update contacts by (customer_id, user)."""
    return _upsert(
        session, ContactRow, ("customer_id", "user"), _merged(contacts, ("customer_id", "user"))
    )


def upsert_invoices(session: Session, invoices: Sequence[Invoice]) -> int:
    """Add or update invoices by (customer_id, invoice_id): a later record can mark one paid."""
    keys = ("customer_id", "invoice_id")
    return _upsert(session, InvoiceRow, keys, _merged(invoices, keys))


def replace_contacts(
    session: Session, customer_id: str, contacts: Sequence[Contact]
) -> list[Contact]:
    """The customer's contacts become exactly ``contacts`` (one per user; the last given wins)."""
    if not customer_exists(session, customer_id):
        raise NotFound("customer", customer_id)
    latest = {c.user: c.model_copy(update={"customer_id": customer_id}) for c in contacts}
    session.execute(delete(ContactRow).where(ContactRow.customer_id == customer_id))
    session.add_all(ContactRow(**latest[user].model_dump()) for user in sorted(latest))
    session.flush()
    return [latest[user] for user in sorted(latest)]


# -- inserts of immutable records ---------------------------------------------------------------------


def _insert_new(session: Session, table: Any, rows: Mapping[str, dict[str, Any]]) -> int:
    """Insert the rows whose dedup key is not stored yet (here or by a concurrent transaction), in key order."""
    if not rows:
        return 0
    statement = dialect_insert(session, table).on_conflict_do_nothing(index_elements=["dedup_key"])
    ordered = [{**rows[key], "dedup_key": key} for key in sorted(rows)]
    return len(session.scalars(statement.returning(table.id), ordered).all())


def add_commercial_events(session: Session, events: Iterable[CommercialEvent]) -> int:
    """Store the renewals, purchases and seat changes not stored yet; how many were new."""
    return _insert_new(session, CommercialEventRow, {e.dedup_key(): e.model_dump() for e in events})


def add_survey_responses(
    session: Session, responses: Iterable[SurveyResponse], links: Mapping[str, str] | None = None
) -> int:
    """Store the survey responses not stored yet, each linked to its comment's ticket (``links``: dedup key ->
    interaction id, already stored); how many were new."""
    links = links or {}
    rows = {
        key: {**r.model_dump(), "interaction_id": links.get(key)}
        for r in responses
        for key in [r.dedup_key()]
    }
    return _insert_new(session, SurveyResponseRow, rows)


# -- one customer's account, over the API ----------------------------------------------------------------


def create_account(session: Session, account: Account, contacts: Sequence[Contact] = ()) -> None:
    """A new customer with its account and contacts; Conflict if the customer exists (also when a concurrent
    request created it first: the database's primary key decides)."""
    created = session.scalar(
        dialect_insert(session, CustomerRow)
        .values(id=account.customer_id, name=account.name)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(CustomerRow.id)
    )
    if created is None:
        raise Conflict(
            f"customer {account.customer_id!r} exists (PUT /api/customers/{{id}} changes it)"
        )
    upsert_accounts(session, [account])
    replace_contacts(session, account.customer_id, contacts)


def set_status(
    session: Session,
    customer_id: str,
    status: str,
    at: datetime | None = None,
    reason: str | None = None,
) -> None:
    """Set a customer's lifecycle status, dated ``at`` (default now), with its reason (none clears it)."""
    if not customer_exists(session, customer_id):
        raise NotFound("customer", customer_id)
    account = Account.model_validate(
        {
            "customer_id": customer_id,
            "status": status,
            "status_at": at or _now(),
            "status_reason": reason,
        }
    )
    upsert_accounts(session, [account])


_SURVEYS = select(SurveyResponseRow.dedup_key, SurveyResponseRow.interaction_id).where(
    SurveyResponseRow.customer_id == bindparam("customer_id"),
    SurveyResponseRow.interaction_id.is_not(None),
)  # built once: a statement built per request costs SQLAlchemy more than the read


def survey_interactions(session: Session, customer_id: str) -> dict[str, str]:
    """dedup key -> the ticket interaction of each of the customer's survey comments."""
    found = session.connection().execute(_SURVEYS, {"customer_id": customer_id})  # rows, no ORM
    return {key: interaction for key, interaction in found if interaction}
