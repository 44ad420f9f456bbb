"""Each customer's current health in one row (``customer_health``, migration 0013): what the at-risk list
pages through as one range of an index, and the keyset cursor that marks a place in that order.

The row holds the customer's latest stored evaluation (the snapshot with the latest ``as_of``) and copies of
the account fields the list orders and filters by. ``set_current`` writes the evaluation's columns in the
transaction that stores the snapshot (risk.engine.record: the risk stage, the refresh and ``alerts
--refresh`` all write through it); the database's triggers (0013) add the row when a customer is created and
copy the name and the account's ARR, owner, renewal and status whenever they change, whoever writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from models import keyset
from models.store import Store
from models.tables import CustomerHealthRow, HealthSnapshotRow

__all__ = [
    "BAND_RANK",
    "UNKNOWN_RANK",
    "Cursor",
    "Evaluation",
    "band_rank",
    "current_as_of",
    "evaluations",
    "evaluations_in",
    "set_current",
]

BAND_RANK = {"red": 0, "yellow": 1, "green": 2}  # risk.health.AT_RISK_ORDER
UNKNOWN_RANK = len(BAND_RANK)  # no evaluation: after every evaluated customer


def band_rank(band: str) -> int:
    return BAND_RANK.get(band, UNKNOWN_RANK)


def set_current(session: Session, snapshot: HealthSnapshotRow) -> None:
    """Make ``snapshot`` (flushed: it has its id) the customer's current health, unless a later evaluation is
    current already (one at the same moment is the one it replaces)."""
    row = CustomerHealthRow
    session.execute(
        update(row)
        .where(
            row.customer_id == snapshot.customer_id,
            or_(row.as_of.is_(None), row.as_of <= snapshot.as_of),
        )
        .values(
            snapshot_id=snapshot.id,
            as_of=snapshot.as_of,
            band=snapshot.band,
            band_rank=band_rank(snapshot.band),
            score=snapshot.score,
            raw_risk=snapshot.raw_risk or 0.0,
            churned=bool(snapshot.churned),
        )
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Cursor:
    """A place in the at-risk order: the last row of a page (its band rank, ARR, raw risk and id); the next
    page starts after it. Opaque to clients (models/keyset.py)."""

    band_rank: int
    arr: float
    raw_risk: float
    customer_id: str

    def encode(self) -> str:
        return keyset.encode([self.band_rank, self.arr, self.raw_risk, self.customer_id])

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor a page gave; ValueError for anything else."""
        rank, arr, raw_risk, customer_id = keyset.decode(token, (int, float, float, str))
        return cls(rank, arr, raw_risk, customer_id)

    def after(self, rank: Any, arr: Any, raw_risk: Any, customer_id: Any) -> ColumnElement[bool]:
        """The rows after this place in the order (band, ARR desc, raw risk desc, id) given as these
        columns: from its band on, so that an index in that order is entered at the band. Its values are
        parameters named as ``params`` names them (a statement built once takes another cursor's)."""
        place: dict[str, Any] = {n: bindparam(n, value) for n, value in self.params().items()}
        return keyset.after(
            [
                (rank, place["after_rank"], False),
                (arr, place["after_arr"], True),
                (raw_risk, place["after_raw_risk"], True),
                (customer_id, place["after_id"], False),
            ]
        )

    def params(self) -> dict[str, Any]:
        """This place's values by the names of ``after``'s parameters."""
        return {
            "after_rank": self.band_rank,
            "after_arr": self.arr,
            "after_raw_risk": self.raw_risk,
            "after_id": self.customer_id,
        }


@dataclass(frozen=True)
class Evaluation:
    """A stored evaluation of a customer's health, without its signals (what a replay plots)."""

    as_of: datetime
    score: float
    band: str
    breakdown: dict[str, float]
    raw_risk: float
    churned: bool


_CUSTOMER: BindParameter[str] = bindparam("customer_id")
_H = HealthSnapshotRow
_SINCE = select(func.max(_H.as_of)).where(
    _H.customer_id == _CUSTOMER, _H.as_of <= bindparam("start")
)
_EVALUATIONS = (
    select(_H.as_of, _H.score, _H.band, _H.breakdown, _H.raw_risk, _H.churned)
    .where(
        _H.customer_id == _CUSTOMER,
        _H.as_of
        >= func.coalesce(_SINCE.scalar_subquery(), bindparam("start", type_=_H.as_of.type)),
        _H.as_of <= bindparam("end"),
    )
    .order_by(_H.as_of)
)  # built once (B, issue 19): a statement built per request costs SQLAlchemy more than the read; the last
# evaluation by the start found in the same statement (a round trip less)


def evaluations(store: Store, customer_id: str, start: datetime, end: datetime) -> list[Evaluation]:
    """The customer's stored evaluations from the last one at or before ``start`` to ``end``, oldest first."""
    with store.transaction() as session:
        return evaluations_in(session, customer_id, start, end)


def evaluations_in(
    session: Session | Connection, customer_id: str, start: datetime, end: datetime
) -> list[Evaluation]:
    """``evaluations`` in the caller's transaction."""
    found = session.execute(_EVALUATIONS, {"customer_id": customer_id, "start": start, "end": end})
    return [
        Evaluation(at, score, band, dict(breakdown or {}), raw or 0.0, bool(churned))
        for at, score, band, breakdown, raw, churned in found
    ]


# -- B: whose signals risk_signals holds (issue 19: the customer page reads them) ------------------------------


def current_as_of(session: Session | Connection, customer_id: str) -> datetime | None:
    """The moment of the customer's current evaluation (its signals are the ones risk_signals holds); None
    when never evaluated."""
    return session.scalar(_CURRENT_AS_OF, {"customer_id": customer_id})


_CURRENT_AS_OF = select(CustomerHealthRow.as_of).where(CustomerHealthRow.customer_id == _CUSTOMER)
