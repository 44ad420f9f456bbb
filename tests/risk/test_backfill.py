"""`callintel alert backfill`'s set-based write (risk/refresh.py backfill_batch: one delete and one insert a
batch, models/risk_repo.py save_snapshots) stores exactly what saving each evaluation by itself
(models/risk_repo.py save_snapshot, what it did before) stores: the same snapshot rows and the same current
health, on a book evaluated at the backfill's moment and on one never evaluated (both backends); a re-run
stores the same rows again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.service import Callintel
from bench.make_portfolio import END, build
from models.history_repo import read_histories
from models.risk_repo import customer_ids_after, save_snapshot
from models.settings import Settings
from models.tables import CustomerHealthRow, HealthSnapshotRow
from risk.refresh import backfill, backfill_moments, backfill_records, windowed_usage
from tests.api.test_stored_reads import _fill

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]
WEEKS = 6


def _book(db_url: str, tmp_path: Path, evaluate: bool) -> Callintel:
    callintel = Callintel(Settings(database_url=db_url, upload_dir=tmp_path / "uploads"))
    _fill(callintel, build(24, seed=31).histories)
    if evaluate:
        callintel.evaluate(
            END
        )  # the refresh at the backfill's moment: its evaluation stays current
    return callintel


def _per_row(callintel: Callintel) -> None:
    """The backfill as it wrote before: each evaluation saved by itself, in one transaction."""
    config = callintel.risk_config()
    moments = backfill_moments(END, WEEKS)
    with callintel.store.transaction() as session:
        ids = customer_ids_after(session, "", 1000)
        usage = windowed_usage(config, moments[0], moments[-1])
        for history in read_histories(session, ids, usage):
            for record in backfill_records(history, moments, config):
                save_snapshot(session, record)


def _state(callintel: Callintel) -> tuple[list[Any], list[Any]]:
    """Every stored evaluation, and each customer's current health with its evaluation's moment (the ids
    a write gives differ)."""
    s, c = HealthSnapshotRow, CustomerHealthRow
    with callintel.store.transaction() as session:
        snapshots = session.execute(
            select(
                s.customer_id, s.as_of, s.score, s.band, s.breakdown, s.raw_risk, s.churned
            ).order_by(s.customer_id, s.as_of)
        ).all()
        current = session.execute(
            select(
                c.customer_id, c.as_of, c.band, c.band_rank, c.score, c.raw_risk, c.churned, s.as_of
            )
            .outerjoin(s, s.id == c.snapshot_id)
            .order_by(c.customer_id)
        ).all()
    return [tuple(r) for r in snapshots], [tuple(r) for r in current]


@pytest.mark.parametrize("evaluate", [True, False], ids=["evaluated", "never-evaluated"])
def test_the_set_based_write_stores_what_the_per_row_write_stored(
    db_url: str, tmp_path: Path, evaluate: bool
):
    with _book(db_url, tmp_path, evaluate) as callintel:
        before = _state(callintel)
        done = backfill(callintel.store, callintel.risk_config(), END, WEEKS, batch=5)
        assert done.customers == 24 and done.stored > 24 * 3
        stored = _state(callintel)
        assert len(stored[0]) == len(before[0]) + done.stored
        _per_row(callintel)  # replaces each of them by what the per-row write stores
        assert _state(callintel) == stored
        again = backfill(callintel.store, callintel.risk_config(), END, WEEKS, batch=7)
        assert again.stored == done.stored and _state(callintel) == stored
        current = {row[0]: row[1] for row in stored[1]}
        latest = backfill_moments(END, WEEKS)[-1]
        if evaluate:  # the refresh's evaluation at END stays current
            assert set(current.values()) == {END}
        else:  # never evaluated: the latest backfilled week becomes current
            assert latest in set(current.values()) <= {latest, None}
