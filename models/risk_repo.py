"""Risk: the health snapshots, the signals behind the latest one, the alerts and the change markers.

Functions over the caller's Session (risk/engine.py records an assessment in one transaction per customer,
risk/refresh.py a batch of them); what a health is, when an alert is raised and how an alert's lifecycle goes is
risk/'s: these functions read and write the rows, and hand back typed records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from models.analysis import Alert
from models.current_health import set_current
from models.database import rowcount
from models.errors import NotFound
from models.pages import page_and_total
from models.records import RiskSignal
from models.tables import (
    AccountRow,
    AlertRow,
    CustomerHealthRow,
    CustomerRow,
    HealthSnapshotRow,
    RiskDirtyRow,
    RiskSignalRow,
)

__all__ = [
    "AlertFilter",
    "HealthRecord",
    "Snapshot",
    "add_alerts",
    "alert_owners",
    "alert_where",
    "alerts_page",
    "change_alert",
    "clear_dirty",
    "customer_ids_after",
    "due_customers",
    "get_alert",
    "known_alert_keys",
    "last_snapshot",
    "replace_signals",
    "save_snapshot",
    "save_snapshots",
    "signal_identities",
]


@dataclass(frozen=True)
class Snapshot:
    """A stored evaluation, as the next one compares with it."""

    as_of: datetime
    score: float
    band: str
    kinds: frozenset[str] = frozenset()  # the signal kinds in its breakdown


@dataclass(frozen=True)
class HealthRecord:
    """An evaluation to store: the customer's health at ``as_of``."""

    customer_id: str
    as_of: datetime
    score: float
    band: str
    breakdown: dict[str, float]
    raw_risk: float
    churned: bool


@dataclass(frozen=True)
class AlertFilter:
    """What an alert list is narrowed to; None: no filter."""

    customer_id: str | None = None
    status: str | None = None
    owner: str | None = None


# -- snapshots and signals -----------------------------------------------------------------------------------


def last_snapshot(session: Session, customer_id: str, before: datetime) -> Snapshot | None:
    """The latest evaluation at or before ``before`` (one at the same moment is the previous state of knowledge)."""
    row = session.scalars(
        select(HealthSnapshotRow)
        .where(HealthSnapshotRow.customer_id == customer_id, HealthSnapshotRow.as_of <= before)
        .order_by(HealthSnapshotRow.as_of.desc())
        .limit(1)
    ).first()
    return Snapshot(row.as_of, row.score, row.band, frozenset(row.breakdown or {})) if row else None


def signal_identities(session: Session, customer_id: str) -> set[tuple[str, str | None]]:
    """(kind, interaction id) of each signal stored at the customer's last evaluation."""
    rows = session.execute(
        select(RiskSignalRow.kind, RiskSignalRow.interaction_id).where(
            RiskSignalRow.customer_id == customer_id
        )
    )
    return {(kind, interaction_id) for kind, interaction_id in rows}


def replace_signals(
    session: Session, customer_id: str, counted: Iterable[tuple[RiskSignal, str, float]]
) -> None:
    """The customer's signals become ``counted``: each signal with its key and the points it took off."""
    session.execute(delete(RiskSignalRow).where(RiskSignalRow.customer_id == customer_id))
    session.add_all(
        RiskSignalRow(**signal.model_dump(), key=key, points=points)
        for signal, key, points in counted
    )


def save_snapshot(session: Session, health: HealthRecord) -> None:
    """Store the evaluation (replacing one at the same moment) and make it the customer's current health
    (models/current_health.py) unless a later one is."""
    session.execute(
        delete(HealthSnapshotRow).where(
            HealthSnapshotRow.customer_id == health.customer_id,
            HealthSnapshotRow.as_of == health.as_of,
        )
    )
    snapshot = HealthSnapshotRow(
        customer_id=health.customer_id,
        as_of=health.as_of,
        score=health.score,
        band=health.band,
        breakdown=health.breakdown,
        raw_risk=health.raw_risk,  # the at-risk list orders and filters in SQL on these (0011)
        churned=health.churned,
    )
    session.add(snapshot)
    session.flush()
    set_current(session, snapshot)


def save_snapshots(
    session: Session, ids: list[str], moments: list[datetime], records: list[HealthRecord]
) -> None:
    """``save_snapshot`` of each of ``records`` (evaluations of the customers ``ids`` at ``moments``, each
    customer's oldest first), set-based: one delete of every evaluation of these customers at these
    moments, one insert, and the current health moved only for a customer whose current one is not later
    than their latest record (what the records saved one by one leave)."""
    row = HealthSnapshotRow
    session.execute(
        delete(row)
        .where(row.customer_id.in_(ids), row.as_of.in_(moments))
        .execution_options(synchronize_session=False)
    )
    if not records:
        return
    session.execute(insert(row), [asdict(r) for r in records])
    latest = {
        r.customer_id: r.as_of for r in records
    }  # each customer's last: records go oldest first
    for snapshot in _overtaken(session, latest):
        set_current(session, snapshot)


def _overtaken(session: Session, latest: dict[str, datetime]) -> list[HealthSnapshotRow]:
    """The stored evaluations at ``latest`` (customer -> moment) of the customers whose current health is
    none or not later than it: those that become current."""
    current = session.execute(
        select(CustomerHealthRow.customer_id, CustomerHealthRow.as_of).where(
            CustomerHealthRow.customer_id.in_(list(latest))
        )
    )
    behind = [c for c, at in current if at is None or at <= latest[c]]
    if not behind:
        return []
    query = select(HealthSnapshotRow).where(
        HealthSnapshotRow.customer_id.in_(behind),
        HealthSnapshotRow.as_of.in_(set(latest.values())),
    )
    return [s for s in session.scalars(query) if s.as_of == latest[s.customer_id]]


# -- alerts --------------------------------------------------------------------------------------------------


def known_alert_keys(session: Session, keys: list[str]) -> set[str]:
    """The keys among ``keys`` that an alert is stored under."""
    if not keys:
        return set()
    return set(session.scalars(select(AlertRow.key).where(AlertRow.key.in_(keys))))


def add_alerts(session: Session, customer_id: str, alerts: list[Alert]) -> list[Alert]:
    """Store new alerts, each with the account's owner where it names none; the alerts with their ids."""
    owner = session.scalar(select(AccountRow.owner).where(AccountRow.customer_id == customer_id))
    rows = [AlertRow(**{**a.model_dump(exclude={"id"}), "owner": a.owner or owner}) for a in alerts]
    session.add_all(rows)
    session.flush()
    return [Alert.model_validate(row, from_attributes=True) for row in rows]


def alert_where(wanted: AlertFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of an alert list narrowed as ``wanted`` says."""
    found = [
        AlertRow.customer_id == wanted.customer_id if wanted.customer_id else None,
        AlertRow.status == wanted.status if wanted.status else None,
        AlertRow.owner == wanted.owner if wanted.owner else None,
    ]
    return [clause for clause in found if clause is not None]


def alerts_page(
    session: Session, wanted: AlertFilter, limit: int, offset: int
) -> tuple[int, list[Alert]]:
    """Stored alerts narrowed by customer, status and owner, newest first: the total and one page (in one
    statement: models/pages.py ``page_and_total``), validated as ``Alert`` from their columns (no ORM
    objects)."""
    where = alert_where(wanted)
    query = (
        select(*_ALERT_COLUMNS)
        .where(*where)
        .order_by(AlertRow.occurred_at.desc(), AlertRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = select(func.count()).select_from(AlertRow).where(*where)
    rows, counted = page_and_total(session.connection(), query, total)
    return counted, [
        Alert.model_validate(dict(zip(_ALERT_FIELDS, row, strict=True))) for row in rows
    ]


_ALERT_FIELDS = tuple(Alert.model_fields)
_ALERT_COLUMNS = tuple(
    AlertRow.__table__.c[name] for name in _ALERT_FIELDS
)  # Alert's fields' columns


def alert_owners(session: Session) -> list[str]:
    """The owners named on stored alerts, sorted."""
    query = select(AlertRow.owner).where(AlertRow.owner.is_not(None)).distinct()
    return sorted(o for o in session.scalars(query) if o)


def get_alert(session: Session, alert_id: int) -> Alert:
    """One stored alert; NotFound if there is none with this id."""
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise NotFound("alert", str(alert_id))
    return Alert.model_validate(row, from_attributes=True)


def change_alert(session: Session, alert_id: int, status: str, values: Mapping[str, Any]) -> bool:
    """Write ``values`` to the alert if its status is still ``status`` (a compare-and-set); whether it was."""
    changed = session.execute(
        update(AlertRow).where(AlertRow.id == alert_id, AlertRow.status == status).values(values)
    )
    return rowcount(changed) == 1


# -- the refresh's change markers ----------------------------------------------------------------------------


def due_customers(session: Session, day_start: datetime, as_of: datetime) -> list[str]:
    """The customers marked changed (``risk_dirty``) or not evaluated in [day_start, as_of]; in id order."""
    evaluated = exists().where(
        HealthSnapshotRow.customer_id == CustomerRow.id,
        HealthSnapshotRow.as_of >= day_start,
        HealthSnapshotRow.as_of <= as_of,
    )
    stale = set(session.scalars(select(CustomerRow.id).where(~evaluated)))
    marked = set(session.scalars(select(RiskDirtyRow.customer_id).distinct()))
    return sorted(stale | marked)


def customer_ids_after(session: Session, last: str, limit: int) -> list[str]:
    """Up to ``limit`` customer ids after ``last``, in id order (keyset paging)."""
    query = select(CustomerRow.id).where(CustomerRow.id > last).order_by(CustomerRow.id)
    return list(session.scalars(query.limit(limit)))


def clear_dirty(session: Session, ids: list[str]) -> None:
    """Drop the change markers of these customers (they are being evaluated in this transaction)."""
    session.execute(delete(RiskDirtyRow).where(RiskDirtyRow.customer_id.in_(ids)))
