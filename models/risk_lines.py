"""The stored health as the HTTP API shows it (issue 19): a page of the at-risk list and one customer's latest
evaluation as plain records, read in two statements (the page's rows with their evaluations, then their
signals) and serialised as they are (api/routes_customers.py), without the Health, RiskSignal and response
models that the dashboard's rows (models/pages.py health_page) are built of.

The records' fields are the JSON's: ``RiskLine`` is ``api.schemas.CustomerRisk``'s, ``SignalLine``
``SignalOut``'s, in the same order, with the values the models' validation would give (floats as floats, the
times aware UTC), so that the same serialiser writes the same bytes (tests/api/test_risk_lines.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.sql.elements import BindParameter

from models.current_health import Cursor
from models.pages import EVALUATION, HealthFilter, Reader, Slice, page_keys
from models.store import Store
from models.tables import CustomerRow, HealthSnapshotRow, RiskSignalRow

__all__ = ["RiskLine", "SignalLine", "customer_line", "risk_page"]


@dataclass(frozen=True, slots=True)
class SignalLine:
    """A signal of a stored evaluation and the points it took off (``api.schemas.SignalOut``)."""

    kind: str
    weight: float
    points: float | None
    occurred_at: datetime
    interaction_id: str | None
    explanation: str


@dataclass(frozen=True, slots=True)
class RiskLine:
    """A customer's latest stored evaluation by a moment (``api.schemas.CustomerRisk``): band ``unknown``, no
    score and ``as_of`` the moment itself when there is none."""

    customer_id: str
    name: str | None
    as_of: datetime
    score: float | None
    band: str
    raw_risk: float
    breakdown: dict[str, float]
    signals: list[SignalLine]


_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_S = RiskSignalRow
_SIGNALS = (
    select(
        _S.customer_id,
        _S.kind,
        _S.weight,
        _S.points,
        _S.occurred_at,
        _S.interaction_id,
        _S.explanation,
    )
    .where(_S.customer_id.in_(_IDS))
    .order_by(_S.id)
)  # built once: a statement built per request costs SQLAlchemy more than the read
_H = HealthSnapshotRow
_LATEST = (
    select(_H.id, *EVALUATION)
    .join(CustomerRow, CustomerRow.id == _H.customer_id)
    .where(_H.customer_id == bindparam("customer_id"), _H.as_of <= bindparam("moment"))
    .order_by(_H.as_of.desc())
    .limit(1)
)
_NAME = select(CustomerRow.name).where(CustomerRow.id == bindparam("customer_id"))


def _signals(session: Reader, ids: list[str]) -> dict[str, list[SignalLine]]:
    """The signals risk_signals holds for these customers (their current evaluation's), in stored order
    (largest contribution first)."""
    found: dict[str, list[SignalLine]] = {i: [] for i in ids}
    for customer_id, kind, weight, points, at, interaction_id, why in session.execute(
        _SIGNALS, {"ids": ids}
    ):
        found[customer_id].append(
            SignalLine(kind, float(weight), float(points or 0.0), at, interaction_id, why)
        )
    return found


def _line(
    customer_id: str, evaluation: Any, signals: dict[str, list[SignalLine]], moment: datetime
) -> RiskLine:
    """The record of ``evaluation`` (the ``EVALUATION`` columns: the name, then the snapshot's, None where
    there is none)."""
    name, as_of, score, band, breakdown, raw_risk = evaluation
    if as_of is None:
        return RiskLine(customer_id, name, moment, None, "unknown", 0.0, {}, [])
    return RiskLine(
        customer_id,
        name,
        as_of,
        None if score is None else float(score),
        band,
        float(raw_risk or 0.0),
        {kind: float(points) for kind, points in (breakdown or {}).items()},
        signals.get(customer_id, []),
    )


def risk_page(
    store: Store,
    moment: datetime,
    wanted: HealthFilter | None = None,
    limit: int | None = None,
    offset: int = 0,
    cursor: Cursor | None = None,
) -> Slice[RiskLine]:
    """The page of the at-risk list that models/pages.py health_page reads (the same rows, order, total and
    cursor), as records: the page with its evaluations in one statement, their signals in a second."""
    with store.reading() as session:
        page = page_keys(
            session, moment, wanted or HealthFilter(), limit, offset, cursor, evaluation=True
        )
        evaluated = [row[0] for row in page.items if row[1] is not None]
        signals = _signals(session, evaluated) if evaluated else {}
        items = [_line(row[0], row[6:], signals, moment) for row in page.items]
        return Slice(page.total, items, page.next_cursor)


def customer_line(session: Reader, customer_id: str, moment: datetime) -> RiskLine | None:
    """The customer's latest stored evaluation at or before ``moment`` with its signals (as a row of
    ``risk_page`` shows it); ``unknown`` when none; None when there is no such customer."""
    latest = session.execute(_LATEST, {"customer_id": customer_id, "moment": moment}).first()
    if latest is None:
        named = session.execute(_NAME, {"customer_id": customer_id}).first()
        if named is None:
            return None
        return _line(customer_id, (named[0], None, None, None, None, None), {}, moment)
    return _line(customer_id, latest[1:], _signals(session, [customer_id]), moment)
