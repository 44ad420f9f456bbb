"""``GET /api/customers/{id}/timeline`` from the stored records (api/timeline_read.py) answers the same bytes
and headers as the view the route built before (api/queries.py ``customer_view``, then ``TimelineOut``), on a
generated, evaluated and backfilled portfolio (both backends); where the stored state does not give all of
it (a week with no stored evaluation, a window past the signals' horizon, an explicit moment) it is the
view's answer still."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

import api.routes_customers
from api.app import create_app
from api.service import Callintel
from api.timeline_read import TIMELINE, stored_timeline
from bench.make_portfolio import END, build
from models.settings import Settings
from risk.refresh import backfill
from tests.api.test_stored_reads import _fill
from tests.models.test_reads import _outside_a_transaction

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]


def _backfill(url: str, uploads: Path) -> None:
    with Callintel(Settings(database_url=url, upload_dir=uploads, risk_as_of=END)) as callintel:
        _fill(callintel, build(30, seed=23).histories)
        callintel.evaluate(END)
        backfill(callintel.store, callintel.risk_config(), END, 9, batch=8)


@pytest.fixture
def backfilled(built_store, tmp_path: Path) -> Callintel:
    """30 customers evaluated at END, their 9 weeks before it backfilled (a copy of a store built once)."""
    url = built_store("backfilled", lambda url: _backfill(url, tmp_path / "uploads"))
    return Callintel(Settings(database_url=url, upload_dir=tmp_path / "uploads", risk_as_of=END))


def _both(client: TestClient, monkeypatch, path: str, auth: dict[str, str]) -> tuple:
    """The route's answer (status, headers, bytes), then the view's (the stored records never read)."""
    new = client.get(path, headers=auth)
    with monkeypatch.context() as patched:
        patched.setattr(api.routes_customers, "stored_timeline", lambda *_: None)
        old = client.get(path, headers=auth)
    return (new.status_code, dict(new.headers), new.content), (
        old.status_code,
        dict(old.headers),
        old.content,
    )


def test_the_stored_records_answer_the_views_bytes(backfilled: Callintel, monkeypatch):
    with (
        backfilled as callintel,
        TestClient(create_app(callintel.settings, callintel.store)) as client,
    ):
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        config, answered = callintel.risk_config(), 0
        for who, _ in callintel.customers(END).items:
            lines = stored_timeline(callintel.store, config, who.customer_id, END, 60)
            answered += lines is not None
            path = f"/api/customers/{who.customer_id}/timeline?days=60"
            new, old = _both(client, monkeypatch, path, auth)
            assert new == old and new[0] == 200
            assert lines is None or TIMELINE.dump_json(lines) == new[2]
        assert answered >= 20  # the usual case: the records, not the view


def test_what_the_stored_state_does_not_give_is_the_views(backfilled: Callintel, monkeypatch):
    with (
        backfilled as callintel,
        TestClient(create_app(callintel.settings, callintel.store)) as client,
    ):
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        who = callintel.customers(END).items[0][0].customer_id
        config = callintel.risk_config()
        assert stored_timeline(callintel.store, config, who, END, 60) is not None
        assert stored_timeline(callintel.store, config, who, END, 120) is None  # weeks not stored
        assert stored_timeline(callintel.store, config, "nobody", END, 60) is None
        for query in ("days=120", "days=60&as_of=2026-10-20T00:00:00Z", "days=60&recompute=true"):
            new, old = _both(client, monkeypatch, f"/api/customers/{who}/timeline?{query}", auth)
            assert new == old and new[0] == 200
        new, old = _both(client, monkeypatch, "/api/customers/nobody/timeline?days=60", auth)
        assert new == old and new[0] == 404


def test_the_customer_page_and_timeline_read_in_few_statements_outside_a_transaction(
    backfilled: Callintel,
):
    """Each page's statements (the token's driver read aside) stay few, so that one more, or a read per
    contact or signal, fails here; on PostgreSQL each runs in autocommit (no BEGIN, no ROLLBACK)."""
    with (
        backfilled as callintel,
        TestClient(create_app(callintel.settings, callintel.store)) as client,
    ):
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        who = callintel.customers(END).items[0][0].customer_id
        seen: list[bool] = []

        def noted(connection, *_) -> None:
            seen.append(_outside_a_transaction(connection.connection.dbapi_connection))

        counted = {}
        for path, most in (
            (f"/api/customers/{who}", 4),
            (f"/api/customers/{who}/timeline?days=60", 5),
        ):
            assert client.get(path, headers=auth).status_code == 200  # the token's last use written
            event.listen(callintel.store.engine, "before_cursor_execute", noted)
            try:
                assert client.get(path, headers=auth).status_code == 200
            finally:
                event.remove(callintel.store.engine, "before_cursor_execute", noted)
            counted[path] = (len(seen), most)
            assert seen and all(seen), path
            seen.clear()
        assert all(0 < n <= most for n, most in counted.values()), counted
