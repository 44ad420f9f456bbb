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
from datetime import datetime
from datetime import time as clock

from models.analysis import Alert
from models.risk_repo import clear_dirty, customer_ids_after
from models.risk_repo import due_customers as stored_due
from models.store import Store
from risk.config import RiskConfig
from risk.engine import assess, last_snapshot, record
from risk.history import read_histories
from risk.playbooks import Playbooks
from risk.window import Window

__all__ = ["BATCH", "Refreshed", "due_customers", "evaluate_batch", "refresh"]

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
