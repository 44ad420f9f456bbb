"""The at-risk list read from the stored health gives exactly what recomputing every customer gives, on a
generated portfolio of 300 customers (both backends); customers never evaluated show as ``unknown``, last;
the API's pages have clean edges."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Callintel
from bench.make_portfolio import END, build
from models.accounts_repo import AccountBatch
from models.records import UsageEvent
from models.settings import Settings
from risk.history import CustomerHistory

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]
CUSTOMERS = 300
SOME = 40  # the edge tests' share of them
USAGE_EVERY = 4  # a quarter of each customer's usage: the same comparison, a quarter of the writing


@pytest.fixture(scope="module")
def histories() -> list[CustomerHistory]:
    return build(CUSTOMERS, seed=19).histories


def _fill(callintel: Callintel, histories: list[CustomerHistory]) -> None:
    """The portfolio's accounts and usage straight into the store (no pipeline: no calls to analyse)."""
    events = [
        UsageEvent(
            customer_id=h.customer_id, kind=u.kind, occurred_at=u.at, properties=u.properties
        )
        for h in histories
        for u in h.usage[::USAGE_EVERY]
    ]
    batch = AccountBatch(
        [h.account for h in histories if h.account is not None],
        [c for h in histories for c in h.contacts],
        [i for h in histories for i in h.invoices],
        [c for h in histories for c in h.commercial],
        [s for h in histories for s in h.surveys],
    )
    callintel.store.save_batch((), events, batch)


def _rows(page) -> list[tuple]:
    return [
        (
            who.customer_id,
            who.name,
            h.as_of,
            h.score,
            h.band,
            h.breakdown,
            h.raw_risk,
            [(s.model_dump(), p) for s, p in zip(h.signals, h.points, strict=True)],
        )
        for who, h in page.items
    ]


def _evaluated(db_url: str, tmp_path: Path, histories: list[CustomerHistory]) -> Callintel:
    callintel = Callintel(Settings(database_url=db_url, upload_dir=tmp_path / "uploads"))
    _fill(callintel, histories)
    callintel.evaluate(END)  # what `callintel alerts --refresh --as-of 2026-10-31T00:00Z` stores
    return callintel


@pytest.fixture
def evaluated(db_url: str, tmp_path: Path, histories) -> Callintel:
    """A few of the customers, evaluated: enough for the edges."""
    return _evaluated(db_url, tmp_path, histories[:SOME])


def test_the_stored_list_is_the_recomputed_list(db_url: str, tmp_path: Path, histories):
    with _evaluated(db_url, tmp_path, histories) as callintel:
        stored = callintel.customers(END)
        recomputed = callintel.customers(END, recompute=True)
        assert (
            stored.total == recomputed.total > CUSTOMERS * 0.7
        )  # the churned are outcomes, left out
        assert _rows(stored) == _rows(recomputed)
        assert (
            len({h.band for _, h in stored.items}) >= 2
        )  # an ordering across bands, not within one
        for band in ("red", "yellow", "green"):
            assert _rows(callintel.customers(END, band)) == _rows(
                callintel.customers(END, band, recompute=True)
            )
        pages = [callintel.customers(END, limit=37, offset=o) for o in range(0, stored.total, 37)]
        assert [row for page in pages for row in _rows(page)] == _rows(stored)


def test_a_customer_never_evaluated_is_unknown_and_last_until_evaluated(evaluated: Callintel):
    with evaluated as callintel:
        late = UsageEvent(customer_id="zz-late", kind="login", occurred_at=END)
        callintel.save_usage([late])
        stored = callintel.customers(END)
        who, last = stored.items[-1]
        assert (who.customer_id, last.band, last.score, last.signals) == (
            "zz-late",
            "unknown",
            None,
            [],
        )
        assert [h.customer_id for _, h in callintel.customers(END, "unknown").items] == ["zz-late"]
        callintel.evaluate(END, "zz-late")
        assert _rows(callintel.customers(END)) == _rows(callintel.customers(END, recompute=True))


def test_pages_past_the_end_and_bad_pages(evaluated: Callintel, tmp_path: Path):
    with (
        evaluated as callintel,
        TestClient(create_app(callintel.settings, callintel.store)) as client,
    ):
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        everyone = client.get("/api/customers", headers=auth)
        total = int(everyone.headers["X-Total-Count"])
        assert len(everyone.json()) == total
        last = client.get("/api/customers", params={"limit": 50, "offset": total - 3}, headers=auth)
        assert [r["customer_id"] for r in last.json()] == [
            r["customer_id"] for r in everyone.json()[-3:]
        ]
        empty = client.get("/api/customers", params={"offset": total}, headers=auth)
        assert empty.status_code == 200 and empty.json() == []
        assert empty.headers["X-Total-Count"] == str(total)
        for field, value in (("offset", "-1"), ("offset", "x"), ("limit", "0"), ("limit", "1001")):
            bad = client.get("/api/customers", params={field: value}, headers=auth)
            assert bad.status_code == 422 and bad.json()["message"].startswith(f"query.{field}")
