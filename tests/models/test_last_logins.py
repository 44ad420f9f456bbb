"""The contacts' last logins by index seeks (models/history_repo.py last_usage_by_user, migration 0016) give
what a scan of the customer's events gives: each user's latest event by the moment (by time, then the last
stored), in unicode, for users seen only after the moment (none), for a customer with no usage and for
one with no such customer (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.history_repo import last_usage_by_user
from models.records import UsageEvent
from models.store import Store

pytestmark = pytest.mark.both_backends
END = datetime(2026, 10, 31, tzinfo=UTC)
EVENTS: list[tuple[str, str, datetime, dict[str, Any]]] = [
    ("c1", "login", END - timedelta(days=9), {"user": "Zoë@x.example"}),
    ("c1", "feature_used", END - timedelta(days=2), {"user": "Zoë@x.example"}),
    ("c1", "page_visit", END - timedelta(days=2), {"user": "Zoë@x.example"}),  # stored last then
    ("c1", "login", END - timedelta(days=1), {"user": "東京"}),
    ("c1", "login", END + timedelta(days=1), {"user": "東京"}),  # after the moment
    ("c1", "login", END + timedelta(days=3), {"user": "later"}),  # only after the moment
    ("c1", "login", END - timedelta(days=4), {"user": 7}),  # not a name
    ("c1", "login", END - timedelta(days=4), {"feature": "x"}),  # nobody's
    ("c2", "login", END - timedelta(days=5), {"user": "Zoë@x.example"}),  # another customer's
]


def _scan(customer_id: str, until: datetime) -> list[tuple[str, str, datetime]]:
    """Each string user's latest event by ``until``, the last stored of its moment: the events in order."""
    latest: dict[str, tuple[str, str, datetime]] = {}
    for customer, kind, at, properties in EVENTS:
        user = properties.get("user")
        if customer == customer_id and isinstance(user, str) and at <= until:
            if user not in latest or at >= latest[user][2]:
                latest[user] = (user, kind, at)
    return sorted(latest.values())


@pytest.mark.parametrize("days", [0, 2, 3, 30])
def test_the_seeks_give_each_users_latest_event_by_the_moment(store: Store, days: int):
    for customer, kind, at, properties in EVENTS:  # one by one: the stored order is this order
        event = UsageEvent(customer_id=customer, kind=kind, occurred_at=at, properties=properties)
        store.save_usage_events([event])
    until = END - timedelta(days=days)
    with store.transaction() as session:
        for customer in ("c1", "c2", "nobody"):
            found = sorted(last_usage_by_user(session, customer, until))
            assert found == _scan(customer, until), customer
    if days == 0:
        assert _scan("c1", END) == [
            ("Zoë@x.example", "page_visit", END - timedelta(days=2)),
            ("東京", "login", END - timedelta(days=1)),
        ]
