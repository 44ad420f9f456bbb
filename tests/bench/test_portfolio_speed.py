"""bench/portfolio_speed.py on a small book: it fills an empty store with the scaled synthetic portfolio, and
the views it times answer over it (the figures are the bench's; here only that it runs and what it stores)."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.make_portfolio import END
from bench.portfolio_speed import fill, time_book
from models.store import Store
from models.tables import AccountRow, HealthSnapshotRow
from portfolio.segments import load_segments
from portfolio.view import portfolio_view


def test_the_bench_scales_the_synthetic_book_and_times_the_views(tmp_path, migrated_copy):
    with Store(migrated_copy(f"sqlite:///{tmp_path / 'book.db'}")) as store:
        fill(store, customers=30, base=10)
        with store.transaction() as session:
            accounts = session.execute(select(func.count()).select_from(AccountRow)).scalar_one()
            snapshots = session.execute(
                select(func.count()).select_from(HealthSnapshotRow)
            ).scalar_one()
            churned = session.execute(
                select(func.count()).select_from(AccountRow).where(AccountRow.status == "churned")
            ).scalar_one()
            view = portfolio_view(session, load_segments(), END)
        assert accounts == 30 and snapshots > 0
        assert view.active == 30 - churned  # every live account is in the book once
        times = time_book(store, runs=1)
    assert set(times) >= {"portfolio_view_s", "portfolio_view_ratio", "segments_page_s"}
    assert all(value > 0 for value in times.values())
