"""The stored health as the HTTP API shows it (issue 19): a page of the at-risk list and one customer's latest
evaluation as plain records, read in two statements (the page's rows with their evaluations, its total and the
check that the current-health rows serve it; then their signals) and serialised as they are
(api/routes_customers.py), without the Health, RiskSignal and response models that the dashboard's rows
(models/pages.py health_page) are built of.

The records' fields are the JSON's: ``RiskLine`` is ``api.schemas.CustomerRisk``'s, ``SignalLine``
``SignalOut``'s, in the same order, with the values the models' validation would give (floats as floats, the
times aware UTC), so that the same serialiser writes the same bytes (tests/api/test_risk_lines.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, any_, bindparam, func, select

from models.current_health import Cursor, band_rank, current_as_of
from models.database import among, dialect_of
from models.health_pages import (
    HealthFilter,
    Reader,
    at_risk_order,
    current_keys,
    current_rows,
    health_rows,
    page_cursor,
    snapshot_keys,
)
from models.pages import Slice
from models.store import Store
from models.tables import (
    CustomerHealthRow,
    CustomerRow,
    HealthCountRow,
    HealthSnapshotRow,
    RiskSignalRow,
)

__all__ = [
    "EVALUATION",
    "RiskLine",
    "SignalLine",
    "customer_line",
    "customer_state",
    "page_keys",
    "risk_page",
]


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


# -- the page's rows: statements built once a shape of request -------------------------------------------

# What ``page_keys`` adds to each row with ``evaluation``: the name, then the stored evaluation's columns.
EVALUATION = (
    CustomerRow.name,
    HealthSnapshotRow.as_of,
    HealthSnapshotRow.score,
    HealthSnapshotRow.band,
    HealthSnapshotRow.breakdown,
    HealthSnapshotRow.raw_risk,
)


def _with_evaluation(page: Select, name: Any) -> Select:
    """``page``'s rows with the ``EVALUATION`` columns after their own: the customer's ``name`` (a column of
    the table the page is cut from: the current-health row's copy, or the customers row itself), then the
    evaluation's, joined by primary key to the page once it is cut (not to each row an offset skips: SQLite
    computes the rows it skips), in its order. Not joined to customers for the name: with the page's size a
    parameter (a generic plan guesses a tenth of the rows for it), PostgreSQL hashed the whole customers and
    health_snapshots tables instead of 50 index lookups (9 ms against 0.3 ms for a page of 50)."""
    rows = page.add_columns(name).subquery()
    customer_id, snapshot_id, *keys, named = rows.c
    joined = select(*rows.c, *EVALUATION[1:]).join_from(
        rows, HealthSnapshotRow, HealthSnapshotRow.id == snapshot_id, isouter=True
    )
    return at_risk_order(joined, (keys[0], keys[1], keys[2], keys[3]))


def _skipped_by_index(page: Select) -> Select:
    """PostgreSQL: a page of the current-health rows that skips rows (an offset, or a cursor's place inside a
    band) as its customer ids read from the order's index alone (``ix_customer_health_order``/``_owner``
    hold every column the order and the filters name: an index-only scan), then their rows looked up by
    primary key, in the order, at most the page's size (written into the SQL, as the page's own limit). Read
    whole, each row skipped is fetched from the table (4,013 of them: 3 ms of the server's CPU on the 10k
    book, where the ids read 1 ms with half the table's pages marked all-visible)."""
    h = CustomerHealthRow
    ids = page.with_only_columns(h.customer_id).scalar_subquery()
    rows = select(h.customer_id, h.snapshot_id, *current_keys())
    rows = at_risk_order(rows.where(h.customer_id == any_(func.array(ids))), current_keys())
    return rows.limit(bindparam("limit", type_=Integer, literal_execute=True))


@dataclass(frozen=True)
class _Ask:
    """What a page of the list asks for; its shape (which of them are given) picks the statements."""

    moment: datetime
    wanted: HealthFilter
    limit: int | None
    offset: int
    cursor: Cursor | None
    dialect: str = "sqlite"

    def shape(self, current: bool, evaluation: bool) -> tuple[bool, ...]:
        given = (self.wanted.band, self.wanted.owner, self.cursor, self.limit)
        return current, evaluation, self.skips(), *(value is not None for value in given)

    def skips(self) -> bool:
        """Whether the page skips rows (an offset, or a cursor's place) on PostgreSQL: ``_skipped_by_index``."""
        skipping = self.offset > 0 or self.cursor is not None
        return skipping and self.limit is not None and self.dialect == "postgresql"

    def bound(self) -> dict[str, Any]:
        """The values of the statements' named parameters."""
        band = self.wanted.band
        values = {"moment": self.moment, "owner": self.wanted.owner, "offset": self.offset}
        values |= {"band_rank": band_rank(band) if band else None, "limit": self.limit}
        return values | (self.cursor.params() if self.cursor else {})


_STATEMENTS: dict[
    tuple[bool, ...], tuple[Select, Select]
] = {}  # a shape's (page, count): see _statements


def _kept_total(wanted: HealthFilter) -> tuple[Any, Any]:
    """The latest evaluation the current-health rows hold (None when none: if it is after the moment, some
    customer's current health is not their latest evaluation at or before it; usually it is not) and how
    many customers they list for ``wanted``, summed from the kept counts (migration 0017): two scalar
    subqueries, the columns of one statement (an empty page's) or the last two of the page's. A max of an
    indexed column reads the index's last entry under any plan (``as_of > :moment LIMIT 1`` could be planned,
    without the moment's value, as a scan of the table)."""
    latest = select(func.max(CustomerHealthRow.as_of))
    c = HealthCountRow
    total = select(func.coalesce(func.sum(c.n), 0))
    if wanted.band is not None:
        total = total.where(c.band_rank == bindparam("band_rank"))
    if wanted.owner is not None:
        total = total.where(c.owner == bindparam("owner"))
    return latest.scalar_subquery(), total.scalar_subquery()


def _statements(ask: _Ask, current: bool, evaluation: bool) -> tuple[Select, Select]:
    """The page's statement and its count's for the ask's shape, built the first time (with that ask's
    values, which ``_Ask.bound`` replaces on each execution): a statement built on each request costs
    SQLAlchemy more than the read. The current-health rows' count is the kept one (``_kept_total``)."""
    shape = ask.shape(current, evaluation)
    if shape not in _STATEMENTS:
        query = current_rows(ask.wanted) if current else health_rows(ask.moment, ask.wanted)
        keys = current_keys() if current else snapshot_keys()
        page = at_risk_order(query, keys).offset(bindparam("offset", ask.offset))
        if ask.cursor is not None:
            page = page.where(ask.cursor.after(*keys))
        # the limit is written into the SQL (see _with_evaluation): every plan knows the page's size
        if ask.limit is not None:
            page = page.limit(bindparam("limit", ask.limit, literal_execute=True))
        if current and ask.skips():
            page = _skipped_by_index(page)
        if evaluation:
            page = _with_evaluation(page, CustomerHealthRow.name if current else CustomerRow.name)
        if current:  # the page with the kept check and total as its last two columns; alone for an empty page
            kept = _kept_total(ask.wanted)
            page, count = page.add_columns(*kept), select(*kept)
        else:
            count = select(func.count()).select_from(query.subquery())
        _STATEMENTS[shape] = page, count
    return _STATEMENTS[shape]


def page_keys(
    session: Reader,
    moment: datetime,
    wanted: HealthFilter,
    limit: int | None = None,
    offset: int = 0,
    cursor: Cursor | None = None,
    from_snapshots: bool = False,
    evaluation: bool = False,
) -> Slice[Any]:
    """A page of the at-risk list as rows (customer id, snapshot id or None, the order's four keys, then with
    ``evaluation`` the ``EVALUATION`` columns), with how many match and the next page's cursor: health_page's
    read, which says where it is read from: the current-health rows, with their kept total, unless someone
    was evaluated after ``moment`` or ``from_snapshots``. The current rows' page is read with that check and
    the kept total in one statement (both alone for an empty page); when the check fails, it is read again
    from the snapshots, with their count."""
    ask = _Ask(moment, wanted, limit, offset, cursor, dialect_of(session))
    bound = ask.bound()
    if not from_snapshots:
        checked, kept = _statements(ask, True, evaluation)
        rows = session.execute(checked, bound).all()
        latest, total = rows[0][-2:] if rows else session.execute(kept, bound).one()
        if latest is None or latest <= moment:
            found = [row[:-2] for row in rows]
            return Slice(int(total), found, page_cursor(found, limit))
    page, count = _statements(ask, False, evaluation)
    found = list(session.execute(page, bound))
    total = session.scalar(count, bound) or 0
    return Slice(int(total), found, page_cursor(found, limit))


# -- the records ------------------------------------------------------------------------------------------

_S = RiskSignalRow
_SIGNAL_COLUMNS = (
    _S.customer_id,
    _S.kind,
    _S.weight,
    _S.points,
    _S.occurred_at,
    _S.interaction_id,
    _S.explanation,
)


@cache
def _signals_of(dialect: str) -> Select:
    """The signals of the customers ``ids``, in stored order: built once a dialect (a statement built per
    request costs SQLAlchemy more than the read; the ids one array on PostgreSQL: models/database.py
    ``among``)."""
    return select(*_SIGNAL_COLUMNS).where(among(_S.customer_id, "ids", dialect)).order_by(_S.id)


_H = HealthSnapshotRow
_LATEST = (
    select(_H.id, *EVALUATION)
    .join(CustomerRow, CustomerRow.id == _H.customer_id)
    .where(_H.customer_id == bindparam("customer_id"), _H.as_of <= bindparam("moment"))
    .order_by(_H.as_of.desc())
    .limit(1)
)
_NAME = select(CustomerRow.name).where(CustomerRow.id == bindparam("customer_id"))
_LATEST_ONE = _LATEST.subquery()
# the latest evaluation, the moment of the current one and the signals risk_signals holds, in one statement:
# a row a signal (the evaluation's columns repeated), one row with null signal columns when there is none
_LINE = (
    select(
        *list(_LATEST_ONE.c)[1:],
        select(CustomerHealthRow.as_of)
        .where(CustomerHealthRow.customer_id == bindparam("customer_id"))
        .scalar_subquery(),
        *_SIGNAL_COLUMNS[1:],
    )
    .select_from(_LATEST_ONE.outerjoin(_S, _S.customer_id == bindparam("customer_id")))
    .order_by(_S.id)
)  # built once, like the others


def _signals(session: Reader, ids: list[str]) -> dict[str, list[SignalLine]]:
    """The signals risk_signals holds for these customers (their current evaluation's), in stored order
    (largest contribution first)."""
    found: dict[str, list[SignalLine]] = {i: [] for i in ids}
    statement = _signals_of(dialect_of(session))
    rows = session.execute(statement, {"ids": ids}).all()  # one fetchall, not a fetch a row
    for row in rows:
        found[row[0]].append(_signal_line(row[1:]))
    return found


def _signal_line(row: Any) -> SignalLine:
    """A signal from its columns (``_SIGNALS``' after the customer's)."""
    kind, weight, points, at, interaction_id, why = row
    return SignalLine(kind, float(weight), float(points or 0.0), at, interaction_id, why)


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
    found = customer_state(session, customer_id, moment)
    return None if found is None else found[0]


def customer_state(
    session: Reader, customer_id: str, moment: datetime
) -> tuple[RiskLine, datetime | None] | None:
    """``customer_line`` and the moment of the customer's current evaluation (``current_as_of``: whether
    the signals are the line's), in one statement where there is an evaluation by ``moment`` (``_LINE``);
    None when there is no such customer."""
    rows = session.execute(_LINE, {"customer_id": customer_id, "moment": moment}).all()
    if not rows:
        named = session.execute(_NAME, {"customer_id": customer_id}).first()
        if named is None:
            return None
        line = _line(customer_id, (named[0], None, None, None, None, None), {}, moment)
        return line, current_as_of(session, customer_id)
    signals = [_signal_line(row[7:]) for row in rows if row[7] is not None]
    return _line(customer_id, rows[0][:6], {customer_id: signals}, moment), rows[0][6]
