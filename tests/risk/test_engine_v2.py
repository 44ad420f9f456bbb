"""assess()/evaluate() in risk v2: alerts carry the owner and the action; unknown customers record nothing;
a state (a cancel request, silence) alerts once while it lasts."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models.tables import AccountRow, CustomerRow, HealthSnapshotRow, UsageEventRow
from risk.config import load_config
from risk.engine import Snapshot, assess, evaluate
from tests.helpers import known
from tests.risk.histories import AS_OF, account, ago, call, full, invoice, tag, team

CONFIG = load_config()


def test_alerts_carry_the_owner_and_the_recommended_action():
    asked = account(
        "x",
        owner="dana@us.com",
        status="cancel_requested",
        status_at=ago(1),
        start_date=date(2024, 1, 1),
    )
    h = full("x", [call(d) for d in (5, 25, 45)], team(), account=asked)
    result = assess(h, AS_OF, CONFIG, None)
    kinds = sorted(a.kind for a in result.alerts)
    assert kinds == ["band_changed", "high_weight_signal"]
    for alert in result.alerts:
        assert alert.owner == "dana@us.com"
        action = known(alert.action)
        assert action.startswith("Executive visit to diagnose what changed")
        assert "Cancellation requested on 2026-10-30" in action  # the reason comes with it


def test_a_state_alerts_once_while_it_lasts_and_indicators_never_alone():
    h = full("x", [call(d) for d in (5, 25, 45)], team(120, 40))  # no login for 40 days
    first = assess(h, AS_OF, CONFIG, None)
    assert "no_login" in {
        a.reason.split(" for ")[0].replace("No login", "no_login") for a in first.alerts
    }
    before = Snapshot(
        AS_OF, known(first.health.score), first.health.band, frozenset(first.health.breakdown)
    )
    later = assess(h, AS_OF + timedelta(days=1), CONFIG, before)
    assert later.alerts == []  # the same silence, the same band: nothing new
    assert all(
        not a.reason.startswith(("Login frequency", "Core feature depth")) for a in first.alerts
    )


def test_unknown_and_churned_customers_raise_nothing():
    assert assess(full("nobody"), AS_OF, CONFIG, None).alerts == []
    gone = full(
        "g",
        [call(5, tag("cancellation_intent"))],
        team(),
        account=account("g", status="churned", status_at=ago(2)),
    )
    assert assess(gone, AS_OF, CONFIG, None).alerts == []


@pytest.mark.both_backends
def test_evaluate_records_nothing_for_an_unknown_customer_and_the_owner_for_others(store):
    with store.transaction() as session:
        session.add_all(
            [CustomerRow(id="empty", name="Empty"), CustomerRow(id="acme", name="Acme")]
        )
        session.flush()
        session.add(
            AccountRow(
                customer_id="acme",
                owner="dana",
                arr=1000.0,
                status="cancel_requested",
                status_at=datetime(2026, 10, 1, tzinfo=UTC),
            )
        )
        session.add_all(
            UsageEventRow(
                customer_id="acme",
                kind="login",
                occurred_at=AS_OF - timedelta(days=d),
                properties={"user": "u1"},
                dedup_key=f"k{d}",
            )
            for d in range(0, 60, 2)
        )
    results = {r.health.customer_id: r for r in evaluate(store, CONFIG, AS_OF)}
    assert results["empty"].health.band == "unknown" and results["empty"].alerts == []
    assert results["acme"].health.band == "red"
    assert {a.owner for a in results["acme"].alerts} == {"dana"}
    with store.transaction() as session:
        stored = list(session.scalars(select(HealthSnapshotRow.customer_id)))
        assert stored == ["acme"]
        assert session.scalar(select(func.count()).select_from(HealthSnapshotRow)) == 1


@pytest.mark.both_backends
def test_two_signals_sharing_a_key_raise_one_alert_and_store_cleanly(store):
    """Two invoices failing on the same day give two payment_failed signals with one key: one alert (the demo's
    summary stage failed on the alerts table's unique key before)."""
    from models.analysis import Alert
    from risk.engine import record

    h = full(
        "acme",
        [call(d) for d in (5, 25, 45)],
        team(),
        invoices=(invoice("acme", 1, 10, None, failed=2), invoice("acme", 2, 10, None, failed=3)),
    )
    # failed payments that weigh enough for an alert each (whatever the bundled weight)
    payments = CONFIG.payments.model_copy(update={"failed_weight": 30, "max_failed_weight": 40})
    result = assess(h, AS_OF, CONFIG.model_copy(update={"payments": payments}), None)
    keys = [a.key for a in result.alerts]
    assert len(keys) == len(set(keys))
    assert sum(a.key.startswith("signal:acme:payment_failed") for a in result.alerts) == 1
    with store.transaction() as session:
        session.add(CustomerRow(id="acme"))
        session.flush()
        stored = record(session, result)
    assert {a.key for a in stored} == set(keys)
    assert all(isinstance(a, Alert) for a in stored)
