"""The at-risk list's kept totals (migration 0017) are a fresh count of the current-health rows whatever
writes them: the risk engine's evaluations and refreshes, an account's owner, a band or churned flag written
straight, a customer added or deleted, the migration's backfill; and the list's ``X-Total-Count`` for each
filter is that count (both backends)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete, false, func, insert, select, update

from api.service import Callintel
from bench.make_portfolio import END, build
from models.accounts import Account
from models.current_health import BAND_RANK
from models.settings import Settings
from models.tables import CustomerHealthRow, CustomerRow, HealthCountRow
from tests.api.test_stored_reads import _evaluated

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]
H = CustomerHealthRow
BANDS = (*BAND_RANK, "unknown")


@pytest.fixture
def book(built_store, tmp_path: Path) -> Iterator[Callintel]:
    """30 customers evaluated at END."""

    def fill(url: str) -> None:
        _evaluated(url, tmp_path, build(30, seed=31).histories).close()

    url = built_store("health-counts", fill)
    with Callintel(Settings(database_url=url, upload_dir=tmp_path / "uploads")) as callintel:
        yield callintel


def _fresh(callintel: Callintel) -> Counter:
    """(band rank, owner): how many current-health rows not churned, counted now."""
    counted = select(H.band_rank, H.owner, func.count()).where(H.churned == false())
    with callintel.store.reading() as session:
        rows = session.execute(counted.group_by(H.band_rank, H.owner)).all()
    return Counter({(rank, owner): n for rank, owner, n in rows})


def _kept(callintel: Callintel) -> Counter:
    c = HealthCountRow
    summed = select(c.band_rank, c.owner, func.sum(c.n)).group_by(c.band_rank, c.owner)
    with callintel.store.reading() as session:
        rows = session.execute(summed).all()
    return Counter({(rank, owner): int(n) for rank, owner, n in rows if n})


def _check(callintel: Callintel, moment=END) -> None:
    """The kept counts are the fresh ones, and so is the list's total for each band and owner."""
    fresh = _fresh(callintel)
    assert _kept(callintel) == fresh
    owners = sorted({owner for _, owner in fresh if owner is not None})
    assert owners, "the book has owners"
    asks = [(band, owner) for band in (None, *BANDS) for owner in (None, "nobody", *owners)]
    for band, owner in asks:
        want = sum(
            n
            for (rank, who), n in fresh.items()
            if (band is None or rank == BANDS.index(band)) and (owner is None or who == owner)
        )
        assert callintel.risk_lines(moment, band, 1, 0, owner).total == want, (band, owner)


def test_the_kept_totals_follow_evaluations_refreshes_and_owners(book: Callintel):
    _check(book)
    later = END + timedelta(days=14)
    book.evaluate(later)  # a refresh: bands move
    _check(book, later)
    owned = [who for who, _ in book.customers(later).items if who.account]
    for n, who in enumerate(owned[:4]):  # an owner changes, or a new one appears
        book.update_account(Account(customer_id=who.customer_id, owner=f"zed{n % 2}"))
    _check(book, later)


def test_the_kept_totals_follow_bands_churn_and_customers_written_straight(book: Callintel):
    ids = [who.customer_id for who, _ in book.customers(END).items]
    with book.store.transaction() as session:
        session.execute(update(H).where(H.customer_id == ids[0]).values(band="red", band_rank=0))
        session.execute(update(H).where(H.customer_id.in_(ids[1:4])).values(churned=True))
        session.execute(update(H).where(H.customer_id == ids[1]).values(band_rank=1))
        session.execute(insert(CustomerRow), [{"id": "zz-new", "name": "New"}])  # unknown
    _check(book)
    with book.store.transaction() as session:
        session.execute(update(H).where(H.customer_id.in_(ids[1:3])).values(churned=False))
        session.execute(delete(CustomerRow).where(CustomerRow.id == "zz-new"))
        session.execute(delete(H).where(H.customer_id.in_(ids[5:7])))
    _check(book)


def test_the_migration_backfills_the_kept_totals(book: Callintel):
    book.update_account(Account(customer_id=book.customers(END).items[0][0].customer_id, owner="x"))
    before = _kept(book)
    command.downgrade(book.store.alembic_config(), "0016")
    book.store.migrate()
    assert _kept(book) == before
    _check(book)
