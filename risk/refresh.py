"""The risk refresh: every customer's health, signals and alerts kept current, in bounded batches.

A **full** refresh evaluates every customer. An **incremental** one (the default of ``callintel alerts
--refresh`` and of serve's hourly refresh) evaluates only

- the customers whose data changed since their last evaluation: the database marks them itself (migration
  0012: triggers on every table the engine reads add the customer to ``risk_dirty``), and
- the customers not evaluated yet on ``as_of``'s day (UTC): the time-driven signals (silence, an overdue
  invoice, a usage window sliding on) move with the clock, so the first refresh of a day re-evaluates
  everyone, and the later ones only who changed.

An incremental refresh therefore records exactly what a full one at the same moment would (tests/risk/
test_refresh.py). Customers go in batches of ``batch``, each in one transaction that deletes the batch's
markers, reads the histories through the bounded usage window (risk/window.py), and records each assessment
(risk.engine.record): memory is bounded by the batch, and a marker set by a write that commits meanwhile
stays for the next run. A crash loses nothing: the batch's markers come back with its rollback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock

from sqlalchemy.orm import Session

from models.analysis import Alert
from models.history_repo import CustomerHistory, UsageFact, UsageReader, usage_between
from models.history_repo import read_histories as read_with
from models.risk_repo import HealthRecord, clear_dirty, customer_ids_after, save_snapshots
from models.risk_repo import due_customers as stored_due
from models.store import Store
from risk.config import RiskConfig
from risk.engine import assess, last_snapshot, record
from risk.health import health
from risk.history import read_histories
from risk.playbooks import Playbooks
from risk.window import Window

__all__ = [
    "BATCH",
    "WEEK",
    "Backfilled",
    "Refreshed",
    "backfill",
    "backfill_batch",
    "backfill_moments",
    "backfill_records",
    "due_customers",
    "evaluate_batch",
    "refresh",
    "windowed_usage",
]

BATCH = 200  # customers per transaction


@dataclass(frozen=True)
class Refreshed:
    evaluated: int  # customers assessed
    recorded: int  # of which a health was recorded (the others have no data yet)
    full: bool
    seconds: float
    alerts: list[Alert] = field(default_factory=list)  # the new ones


def _day_start(as_of: datetime) -> datetime:
    return datetime.combine(as_of.date(), clock(), as_of.tzinfo)


def due_customers(store: Store, as_of: datetime) -> list[str]:
    """The customers an incremental refresh at ``as_of`` evaluates: marked changed, or not evaluated on
    ``as_of``'s day yet; in id order."""
    with store.transaction() as session:
        return stored_due(session, _day_start(as_of), as_of)


def _all_customers(store: Store, batch: int) -> Iterator[list[str]]:
    """Every customer id, in id order, a batch at a time (keyset paging: no list of the whole book)."""
    last = ""
    while True:
        with store.transaction() as session:
            ids = customer_ids_after(session, last, batch)
        if not ids:
            return
        yield ids
        last = ids[-1]


def evaluate_batch(
    store: Store,
    config: RiskConfig,
    as_of: datetime,
    ids: list[str],
    playbooks: Playbooks | None = None,
) -> tuple[int, list[Alert]]:
    """Assess and record these customers in one transaction (their change markers go with it); how many
    were recorded, and the new alerts."""
    recorded, fresh = 0, []
    with store.transaction() as session:
        clear_dirty(session, ids)
        for history in read_histories(session, ids, Window.for_config(config, as_of)):
            previous = last_snapshot(session, history.customer_id, as_of)
            assessment = assess(history, as_of, config, previous, playbooks)
            if assessment.health.score is None:
                continue  # no data by as_of: nothing to record
            fresh += record(session, assessment)
            recorded += 1
    return recorded, fresh


def _batches(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def refresh(
    store: Store,
    config: RiskConfig,
    as_of: datetime,
    full: bool = False,
    batch: int = BATCH,
    playbooks: Playbooks | None = None,
    customers: list[str] | None = None,
) -> Refreshed:
    """Evaluate every customer (``full``), those due (``due_customers``), or the ``customers`` named, as of
    ``as_of``."""
    started = time.perf_counter()
    if customers is not None:
        batches = _batches(sorted(set(customers)), batch)
    elif full:
        batches = _all_customers(store, batch)
    else:
        batches = _batches(due_customers(store, as_of), batch)
    evaluated = recorded = 0
    alerts: list[Alert] = []
    for ids in batches:
        done, fresh = evaluate_batch(store, config, as_of, ids, playbooks)
        evaluated, recorded = evaluated + len(ids), recorded + done
        alerts += fresh
    return Refreshed(evaluated, recorded, full, time.perf_counter() - started, alerts)


# -- the timeline's past weeks (issue 19): one stored evaluation a week before the first refresh -----------------

WEEK = timedelta(
    days=7
)  # api/queries.py STEP: the timeline plots the latest stored evaluation of each week


@dataclass(frozen=True)
class Backfilled:
    customers: int  # customers read
    stored: int  # evaluations stored (a customer with no data by a week stores none for it)
    seconds: float


def backfill_moments(as_of: datetime, weeks: int) -> list[datetime]:
    """``as_of`` less one week, two weeks, ... ``weeks`` weeks, oldest first."""
    return [as_of - k * WEEK for k in range(weeks, 0, -1)]


def windowed_usage(config: RiskConfig, first: datetime, until: datetime) -> UsageReader:
    """The usage an assessment at ``first`` or any later moment up to ``until`` reads: the bounded window
    at ``first`` (risk/window.py), then every event after it (a later moment's window starts no earlier)."""
    window = Window.for_config(config, first)

    def usage(session: Session, ids: list[str]) -> dict[str, list[UsageFact]]:
        before, after = window.usage(session, ids), usage_between(session, ids, first, until)
        return {c: before.get(c, []) + after.get(c, []) for c in ids}

    return usage


def backfill_batch(
    store: Store, config: RiskConfig, moments: list[datetime], ids: list[str]
) -> int:
    """Store these customers' health at each of ``moments`` (snapshots only: no signals, no alerts, and the
    current health stays the latest evaluation), in one transaction: one read of their histories, then one
    delete and one insert (models/risk_repo.py save_snapshots); how many were stored. Re-runnable: an
    evaluation replaces one stored at the same moment."""
    usage = windowed_usage(config, moments[0], moments[-1])
    with store.transaction() as session:
        records = [
            record
            for history in read_with(session, ids, usage)
            for record in backfill_records(history, moments, config)
        ]
        save_snapshots(session, ids, moments, records)
    return len(records)


def backfill_records(
    history: CustomerHistory, moments: list[datetime], config: RiskConfig
) -> list[HealthRecord]:
    """The customer's health at each of ``moments`` with data by then, as records to store."""
    rated = (health(history, moment, config) for moment in moments)
    return [
        HealthRecord(h.customer_id, h.as_of, h.score, h.band, h.breakdown, h.raw_risk, h.churned)
        for h in rated
        if h.score is not None  # no data by then
    ]


def backfill(
    store: Store, config: RiskConfig, as_of: datetime, weeks: int, batch: int = BATCH
) -> Backfilled:
    """Every customer's health ``weeks`` weekly moments back from ``as_of`` (backfill_moments), stored as
    evaluations, so that the timeline reads its weekly points instead of recomputing them (a book imported
    or built has only its last refresh's). Batches of ``batch`` customers, each one transaction."""
    started = time.perf_counter()
    moments = backfill_moments(as_of, weeks)
    customers = stored = 0
    for ids in _all_customers(store, batch) if moments else iter(()):
        stored += backfill_batch(store, config, moments, ids)
        customers += len(ids)
    return Backfilled(customers, stored, time.perf_counter() - started)
