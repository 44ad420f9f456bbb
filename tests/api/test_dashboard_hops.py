"""The dashboard's read pages run on the event loop on SQLite, as the JSON reads do (api/deps.py
``sqlite_inline``), and in the thread pool on PostgreSQL; the queue, which may re-rank in a write, and the forms'
POSTs still hop on both."""

from __future__ import annotations

import pytest

from tests.api.test_deps import _count_hops, _manager_client

READS = [  # (page, its route's name)
    ("/dashboard/search?q=gong", "search"),
    ("/dashboard/customers?limit=5", "at_risk"),
    ("/dashboard/customers/nobody", "customer_page"),
    ("/dashboard/calls/int_nope", "call_page"),
    ("/dashboard/alerts", "alerts_page"),
    ("/dashboard/tasks", "tasks_page"),
]


@pytest.mark.both_backends
def test_the_read_pages_hop_on_postgresql_only(
    backend, db_url, tmp_path, migrated_copy, monkeypatch
):
    with _manager_client(migrated_copy(db_url), tmp_path) as (client, headers):
        secret = headers["Authorization"].removeprefix("Bearer ")
        signed = client.post(
            "/dashboard/login",
            data={"token": secret},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        client.get("/dashboard/alerts")  # the session's first use
        hopped = _count_hops(monkeypatch)
        for path, route in READS:
            hopped.clear()
            assert client.get(path).status_code in (200, 404), path
            assert hopped == ([route] if backend == "postgresql" else []), path
        hopped.clear()
        assert client.get("/dashboard/").status_code == 200
        assert hopped == ["_run_sync_endpoint"]  # the queue: a sync route on both
