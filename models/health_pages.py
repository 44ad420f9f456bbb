"""The at-risk list read from the stored health (issue 19): a page of customers in band, score and id order,
cut in SQL from the current-health rows (or the snapshots when someone was evaluated after the moment), with
their signals, accounts and last contacts; one customer's stored evaluation. Split from models/pages.py (the
interaction list and the flagged queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from models.accounts import Account
from models.current_health import BAND_RANK, UNKNOWN_RANK, Cursor, band_rank
from models.pages import Slice
from models.records import RiskSignal
from models.store import Store
from models.tables import (
    AccountRow,
    CustomerHealthRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    RiskSignalRow,
)

__all__ = [
    "BANDS",
    "HealthFilter",
    "StoredHealth",
    "at_risk_order",
    "current_keys",
    "current_rows",
    "customer_health",
    "health_page",
    "health_rows",
]


# -- F: the at-risk list read from the stored health (issue 19) ---------------------------------------------

BANDS = (*BAND_RANK, "unknown")


@dataclass(frozen=True)
class StoredHealth:
    """A customer's latest stored evaluation at or before a moment (the risk stage and ``alerts --refresh``
    write them: risk/engine.py record) with its signals and the points each took off, the account and the
    last contact; ``as_of`` None and band ``unknown``: not evaluated by then."""

    customer_id: str
    name: str | None
    account: Account | None
    last_contact: datetime | None
    as_of: datetime | None
    score: float | None
    band: str
    breakdown: dict[str, float]
    raw_risk: float
    churned: bool
    signals: list[tuple[RiskSignal, float]]


def _latest(moment: datetime) -> Any:
    """Each customer's latest evaluation at or before ``moment`` (the (customer_id, as_of) index answers)."""
    return (
        select(HealthSnapshotRow.customer_id, func.max(HealthSnapshotRow.as_of).label("as_of"))
        .where(HealthSnapshotRow.as_of <= bindparam("moment", moment))
        .group_by(HealthSnapshotRow.customer_id)
        .subquery()
    )


@dataclass(frozen=True)
class HealthFilter:
    """What the at-risk list is narrowed to; None: no filter."""

    band: str | None = None
    owner: str | None = None


def health_rows(moment: datetime, wanted: HealthFilter) -> Select:
    """The list from the snapshots themselves, for a moment before some customer's current evaluation:
    (customer id, latest snapshot id at or before ``moment`` or None, then the order's keys)."""
    latest = _latest(moment)
    keys = snapshot_keys()
    query = (
        select(CustomerRow.id, HealthSnapshotRow.id, *keys)
        .outerjoin(latest, latest.c.customer_id == CustomerRow.id)
        .outerjoin(
            HealthSnapshotRow,
            and_(
                HealthSnapshotRow.customer_id == latest.c.customer_id,
                HealthSnapshotRow.as_of == latest.c.as_of,
            ),
        )
        .outerjoin(AccountRow, AccountRow.customer_id == CustomerRow.id)
        .where(or_(HealthSnapshotRow.churned.is_(None), HealthSnapshotRow.churned.is_(false())))
    )
    if wanted.band is not None:
        query = query.where(keys[0] == _band_param(wanted.band))
    if wanted.owner is None:
        return query
    return query.where(AccountRow.owner == _owner_param(wanted.owner))


# The list's statements name their values (the moment, the filter's, the page's), so that one built for a
# request's shape serves the next of that shape with its own values (models/risk_lines.py ``_statements``).
def _band_param(band: str) -> BindParameter[int]:
    return bindparam("band_rank", band_rank(band))


def _owner_param(owner: str) -> BindParameter[str]:
    return bindparam("owner", owner)


def snapshot_keys() -> tuple[Any, Any, Any, Any]:
    rank = case(BAND_RANK, value=HealthSnapshotRow.band, else_=UNKNOWN_RANK)
    arr = func.coalesce(AccountRow.arr, 0.0)
    return rank, arr, func.coalesce(HealthSnapshotRow.raw_risk, 0.0), CustomerRow.id


def current_rows(wanted: HealthFilter) -> Select:
    """The list from each customer's current-health row (models/current_health.py): (customer id, snapshot
    id or None, then the order's keys); in the at-risk order it is one range of ix_customer_health_order (or
    _owner, narrowed to an owner)."""
    h = CustomerHealthRow
    query = select(h.customer_id, h.snapshot_id, *current_keys()).where(h.churned == false())
    if wanted.band is not None:
        query = query.where(h.band_rank == _band_param(wanted.band))
    if wanted.owner is None:
        return query
    return query.where(h.owner == _owner_param(wanted.owner))


def current_keys() -> tuple[Any, Any, Any, Any]:
    h = CustomerHealthRow
    return h.band_rank, h.arr, h.raw_risk, h.customer_id


def at_risk_order(query: Select, keys: tuple[Any, Any, Any, Any]) -> Select:
    """risk.health.at_risk_key in SQL: band (red first, unknown last), ARR, raw risk (largest first), id."""
    rank, arr, raw_risk, customer_id = keys
    return query.order_by(rank, arr.desc(), raw_risk.desc(), customer_id)


# The page's own rows, read by prebuilt statements over an expanding list of ids: SQLAlchemy reuses a statement
# built once, where one built on each request costs it more than the reads (it matches the cached
# compilation's columns to the new statement's), and plain rows cost less than ORM objects.
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_ACCOUNT_COLUMNS = [c for c in AccountRow.__table__.columns if c.key != "updated_at"]
_WHO = (
    select(CustomerRow.id, CustomerRow.name, *_ACCOUNT_COLUMNS)
    .outerjoin(AccountRow, AccountRow.customer_id == CustomerRow.id)
    .where(CustomerRow.id.in_(_IDS))
)
_SNAPSHOTS = select(
    HealthSnapshotRow.id,
    HealthSnapshotRow.as_of,
    HealthSnapshotRow.score,
    HealthSnapshotRow.band,
    HealthSnapshotRow.breakdown,
    HealthSnapshotRow.raw_risk,
    HealthSnapshotRow.churned,
).where(HealthSnapshotRow.id.in_(_IDS))
_SIGNAL_FIELDS = list(RiskSignal.model_fields)
_SIGNALS = (
    select(*(getattr(RiskSignalRow, name) for name in _SIGNAL_FIELDS), RiskSignalRow.points)
    .where(RiskSignalRow.customer_id.in_(_IDS))
    .order_by(RiskSignalRow.id)
)
_LAST_CONTACTS = (
    select(InteractionRow.customer_id, func.max(InteractionRow.occurred_at))
    .where(InteractionRow.customer_id.in_(_IDS))
    .group_by(InteractionRow.customer_id)
)
Reader = (
    Session | Connection
)  # an ORM session or a plain connection (Store.reading): Core reads only


def _account(row: Any, name: str | None) -> Account | None:
    """The account of a ``_WHO`` row (customer id, name, then the account's columns), None when it has none."""
    if row is None or row[2] is None:
        return None
    columns = dict(zip((c.key for c in _ACCOUNT_COLUMNS), row[2:], strict=True))
    return Account.model_validate({**columns, "name": name})


def _signals(session: Reader, ids: list[str]) -> dict[str, list[tuple[RiskSignal, float]]]:
    """The stored signals of these customers' latest evaluation, largest contribution first (stored order)."""
    found: dict[str, list[tuple[RiskSignal, float]]] = {i: [] for i in ids}
    for *values, points in session.execute(_SIGNALS, {"ids": ids}).all():
        fields = dict(zip(_SIGNAL_FIELDS, values, strict=True))
        signal = RiskSignal.model_validate(
            fields
        )  # pydantic-core's validation: faster than model_construct
        found[signal.customer_id].append((signal, points or 0.0))
    return found


def _last_contacts(session: Reader, ids: list[str]) -> dict[str, datetime]:
    return {
        customer_id: moment
        for customer_id, moment in session.execute(_LAST_CONTACTS, {"ids": ids}).all()
    }


def _page_rows(session: Reader, keys: list[Any]) -> list[tuple[Any, ...]]:
    """(customer id, name, who row, snapshot row) of each key, in the keys' order: by primary key."""
    ids = [customer_id for customer_id, *_ in keys]
    who = {row[0]: row for row in session.execute(_WHO, {"ids": ids}).all()}
    wanted = [snapshot for _, snapshot, *_ in keys if snapshot is not None]
    snapshots = {row.id: row for row in session.execute(_SNAPSHOTS, {"ids": wanted}).all()}
    return [
        (c, who[c][1] if c in who else None, who.get(c), snapshots.get(h) if h else None)
        for c, h, *_ in keys
    ]


def _stored_health(
    row: Any, signals: dict[str, list[tuple[RiskSignal, float]]], last: dict[str, datetime]
) -> StoredHealth:
    customer_id, name, account, snapshot = row
    return StoredHealth(
        customer_id,
        name,
        _account(account, name),
        last.get(customer_id),
        snapshot.as_of if snapshot else None,
        snapshot.score if snapshot else None,
        snapshot.band if snapshot else "unknown",
        dict(snapshot.breakdown or {}) if snapshot else {},
        snapshot.raw_risk or 0.0 if snapshot else 0.0,
        bool(snapshot.churned) if snapshot else False,
        signals[customer_id] if snapshot else [],
    )


def page_cursor(keys: list[Any], limit: int | None) -> str | None:
    if limit is None or len(keys) < limit:
        return None
    rank, arr, raw_risk, customer_id = keys[-1][2:6]
    return Cursor(int(rank), float(arr), float(raw_risk), str(customer_id)).encode()


def health_page(
    store: Store,
    moment: datetime,
    wanted: HealthFilter | None = None,
    limit: int | None = None,
    offset: int = 0,
    cursor: Cursor | None = None,
    from_snapshots: bool = False,
) -> Slice[StoredHealth]:
    """The at-risk list from the stored health, riskiest first: each customer's latest evaluation at or before
    ``moment``, churned customers (outcomes) left out, customers never evaluated by then ``unknown`` and last.
    Read from the current-health rows (an index range) unless someone was evaluated after ``moment`` or
    ``from_snapshots`` asks for the snapshots themselves (the list before 0013: the benchmark's baseline). The
    page starts after ``cursor`` (a page's ``next_cursor``), then skips ``offset``; only its signals are read."""
    wanted = wanted or HealthFilter()
    from models.risk_lines import page_keys  # which imports this module

    with store.reading() as session:  # Core reads: no ORM session
        found = page_keys(session, moment, wanted, limit, offset, cursor, from_snapshots)
        rows = _page_rows(session, found.items)
        ids = [row[0] for row in rows]
        signals, last = _signals(session, ids), _last_contacts(session, ids)
        items = [_stored_health(row, signals, last) for row in rows]
        return Slice(found.total, items, found.next_cursor)


# -- C: one customer's stored health (issue 19; its history of evaluations: models/current_health.py) -----


def customer_health(store: Store, customer_id: str, moment: datetime) -> StoredHealth:
    """The customer's latest stored evaluation at or before ``moment`` with its signals, as a row of the
    at-risk list shows it (``unknown`` when none); by the (customer, as_of) index, nothing recomputed."""
    latest = (
        select(HealthSnapshotRow.id)
        .where(HealthSnapshotRow.customer_id == customer_id, HealthSnapshotRow.as_of <= moment)
        .order_by(HealthSnapshotRow.as_of.desc())
        .limit(1)
    )
    with store.reading() as session:
        rows = _page_rows(session, [(customer_id, session.scalar(latest))])
        signals, last = _signals(session, [customer_id]), _last_contacts(session, [customer_id])
        return _stored_health(rows[0], signals, last)
