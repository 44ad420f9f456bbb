"""The alert lifecycle: the pure transition rules, and stored alerts (SQLite and PostgreSQL) with their webhook
events, their owner from the account, and the list's filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select

from models.analysis import ALERT_OUTCOMES, Alert
from models.errors import Conflict, InputError, NotFound
from models.settings import get_settings
from models.tables import AccountRow, AlertRow, CustomerRow, WebhookDeliveryRow
from pipeline.webhooks import add_subscription
from risk.alerts import acknowledge, acknowledge_alert, resolve, resolve_alert
from risk.config import load_config
from risk.engine import AlertFilter, alerts_page, evaluate, list_alerts
from tests.risk.test_engine import store_call

T = datetime(2026, 10, 31, 12, tzinfo=UTC)
OPEN = Alert(
    id=7,
    key="acme:band:green->red:2026-10-31",
    customer_id="acme",
    kind="band_changed",
    occurred_at=T,
    reason="Health fell to 20.0 (red)",
    band="red",
    score=20.0,
    owner="dana",
    action="Executive visit",
)


# the rules, pure


def test_open_then_acknowledged_then_resolved():
    seen = acknowledge(OPEN, "maria", T + timedelta(hours=1))
    assert (seen.status, seen.acknowledged_by, seen.acknowledged_at) == (
        "acknowledged",
        "maria",
        T + timedelta(hours=1),
    )
    done = resolve(seen, "saved", "dana", T + timedelta(days=3), note="  Renewed after a QBR. ")
    assert (done.status, done.outcome, done.resolved_by, done.resolution_note) == (
        "resolved",
        "saved",
        "dana",
        "Renewed after a QBR.",
    )
    assert done.acknowledged_by == "maria" and done.acknowledged_at == T + timedelta(hours=1)
    assert OPEN.status == "open"  # the input is never changed


def test_acknowledging_twice_changes_nothing_and_resolving_an_open_alert_acknowledges_it():
    seen = acknowledge(OPEN, "maria", T)
    assert acknowledge(seen, "dana", T + timedelta(days=1)) == seen
    done = resolve(OPEN, "false_alarm", "dana", T)
    assert (
        done.acknowledged_by == "dana"
        and done.acknowledged_at == T
        and done.resolution_note is None
    )


def test_a_resolved_alert_is_final():
    done = resolve(OPEN, "churned", "dana", T)
    with pytest.raises(Conflict, match="alert 7 is already resolved \\(churned, by dana"):
        resolve(done, "saved", "maria", T + timedelta(days=1))
    with pytest.raises(Conflict, match="cannot be acknowledged"):
        acknowledge(done, "maria", T + timedelta(days=1))
    assert Conflict("x").http_status == 409


def test_a_bad_outcome_actor_or_note_names_the_field():
    with pytest.raises(InputError, match="^outcome: expected one of saved, churned, false_alarm"):
        resolve(OPEN, "won", "dana", T)
    with pytest.raises(InputError, match="^by: "):
        acknowledge(OPEN, "  ", T)
    with pytest.raises(InputError, match="^note: at most 2000 characters"):
        resolve(OPEN, "saved", "dana", T, note="x" * 2001)


@given(
    steps=st.lists(
        st.sampled_from(["ack", *ALERT_OUTCOMES]),
        max_size=6,
    )
)
def test_any_sequence_of_steps_keeps_the_lifecycle_consistent(steps):
    alert, resolved = OPEN, False
    for i, step in enumerate(steps):
        at = T + timedelta(hours=i)
        try:
            alert = acknowledge(alert, "u", at) if step == "ack" else resolve(alert, step, "u", at)
        except Conflict:
            assert resolved  # only a resolved alert refuses a step
            continue
        resolved = resolved or step != "ack"
    assert alert.status == ("resolved" if resolved else "acknowledged" if steps else "open")
    if alert.status != "open":
        assert alert.acknowledged_at is not None and alert.acknowledged_by == "u"
    if resolved:
        first = next(s for s in steps if s != "ack")
        assert alert.outcome == first and alert.resolved_at is not None


# stored


def _alert(store, customer="acme", key="k1", owner="dana", occurred=T) -> int:
    with store.transaction() as session:
        if session.get(CustomerRow, customer) is None:
            session.add(CustomerRow(id=customer))
            session.flush()
        row = AlertRow(
            key=key,
            customer_id=customer,
            kind="band_changed",
            occurred_at=occurred,
            reason="Health fell",
            band="red",
            score=20.0,
            owner=owner,
            action="Executive visit",
        )
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def subscribed(store, monkeypatch):
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    add_subscription(
        store,
        "http://127.0.0.1:9/hook",
        ["alert.acknowledged", "alert.resolved"],
        "s" * 32,
        settings=get_settings(),
    )
    return store


def _deliveries(store) -> list[tuple[str, str, dict]]:
    with store.transaction() as session:
        rows = session.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id))
        return [(r.event_type, r.event_id, r.payload["data"]) for r in rows]


@pytest.mark.both_backends
def test_a_stored_alert_goes_through_its_lifecycle_with_a_webhook_each_step(subscribed):
    store = subscribed
    alert_id = _alert(store)
    seen = acknowledge_alert(store, alert_id, "maria", T + timedelta(hours=1))
    assert acknowledge_alert(store, alert_id, "maria") == seen  # again: no change, no event
    done = resolve_alert(store, alert_id, "saved", "dana", "Renewed", T + timedelta(days=2))
    (stored,) = list_alerts(store, "acme")
    assert stored == done and stored.status == "resolved" and stored.resolution_note == "Renewed"
    assert stored.acknowledged_at == T + timedelta(hours=1) and stored.outcome == "saved"
    events = _deliveries(store)
    assert [(kind, event_id) for kind, event_id, _ in events] == [
        ("alert.acknowledged", f"alert.acknowledged:{alert_id}"),
        ("alert.resolved", f"alert.resolved:{alert_id}"),
    ]
    for _, _, data in events:
        assert data["owner"] == "dana" and data["action"] == "Executive visit"
        assert data["id"] == alert_id and data["customer_id"] == "acme"
    assert events[1][2]["outcome"] == "saved" and events[1][2]["resolved_by"] == "dana"


@pytest.mark.both_backends
def test_a_refused_step_writes_nothing(subscribed):
    store = subscribed
    alert_id = _alert(store)
    resolve_alert(store, alert_id, "churned", "dana")
    with pytest.raises(Conflict):
        resolve_alert(store, alert_id, "saved", "maria")
    with pytest.raises(Conflict):
        acknowledge_alert(store, alert_id, "maria")
    with pytest.raises(NotFound, match="no alert with id '999'"):
        resolve_alert(store, 999, "saved", "maria")
    (stored,) = list_alerts(store)
    assert stored.outcome == "churned" and stored.resolved_by == "dana"
    assert [kind for kind, _, _ in _deliveries(store)] == ["alert.resolved"]


@pytest.mark.both_backends
def test_a_step_that_lost_a_race_is_a_conflict_and_writes_nothing(subscribed, monkeypatch):
    """Two people act at once: both read the alert open; the second's update finds it resolved."""
    import risk.alerts

    store = subscribed
    alert_id = _alert(store)
    stale = risk.alerts.get_alert(store, alert_id)
    resolve_alert(store, alert_id, "saved", "dana")
    monkeypatch.setattr(risk.alerts, "_read", lambda session, _: stale)
    with pytest.raises(Conflict, match="was changed by someone else meanwhile"):
        resolve_alert(store, alert_id, "churned", "maria")
    monkeypatch.undo()
    (stored,) = list_alerts(store)
    assert (stored.outcome, stored.resolved_by) == ("saved", "dana")
    assert [kind for kind, _, _ in _deliveries(store)] == ["alert.resolved"]


@pytest.mark.both_backends
def test_the_alert_list_filters_by_status_owner_and_customer_and_pages(store):
    ids = [
        _alert(store, "acme", "a1", "dana", T - timedelta(days=3)),
        _alert(store, "acme", "a2", "lee", T - timedelta(days=2)),
        _alert(store, "globex", "g1", "dana", T - timedelta(days=1)),
    ]
    acknowledge_alert(store, ids[0], "dana")
    keys = lambda page: [a.key for a in page.items]  # noqa: E731
    assert keys(alerts_page(store, AlertFilter())) == ["g1", "a2", "a1"]
    assert keys(alerts_page(store, AlertFilter(owner="dana"))) == ["g1", "a1"]
    assert keys(alerts_page(store, AlertFilter(status="open"))) == ["g1", "a2"]
    assert keys(alerts_page(store, AlertFilter("acme", "acknowledged", "dana"))) == ["a1"]
    page = alerts_page(store, AlertFilter(), limit=1, offset=1)
    assert page.total == 3 and keys(page) == ["a2"]
    past = alerts_page(store, AlertFilter(owner="dana"), limit=5, offset=2)  # counted alone
    assert (past.total, keys(past)) == (2, [])
    assert alerts_page(store, AlertFilter(customer_id="nobody")).total == 0


@pytest.mark.both_backends
def test_an_alert_page_and_its_total_are_one_statement(store):
    for n, day in enumerate((3, 2, 1)):
        _alert(store, "acme", f"a{n}", "dana", T - timedelta(days=day))
    seen: list[str] = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(store.engine, "before_cursor_execute", listen)
    try:
        page = alerts_page(store, AlertFilter(owner="dana"), limit=2)
    finally:
        event.remove(store.engine, "before_cursor_execute", listen)
    assert page.total == 3 and [a.key for a in page.items] == ["a2", "a1"]
    assert len(seen) == 1, seen


@pytest.mark.both_backends
def test_a_raised_alert_carries_the_account_owner_and_its_id(store, monkeypatch):
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    add_subscription(
        store, "http://127.0.0.1:9/hook", ["health.band_changed"], "s" * 32, settings=get_settings()
    )
    for days in (50, 35, 20):
        store_call(store, "acme", days, "All good.")
    with store.transaction() as session:
        session.add(AccountRow(customer_id="acme", owner="dana", renewal_date=date(2027, 1, 1)))
    config = load_config()
    evaluate(store, config, T)
    store_call(
        store, "acme", 1, "We are terminating the contract.", "cancellation_intent", "terminating"
    )
    (result,) = evaluate(store, config, T + timedelta(hours=1), ["acme"])
    assert result.alerts and all(a.owner == "dana" and a.id for a in result.alerts)
    assert {a.id for a in result.alerts} == {a.id for a in list_alerts(store, owner="dana")}
    ((kind, _, data),) = _deliveries(store)
    assert kind == "health.band_changed" and data["owner"] == "dana" and data["status"] == "open"
    assert data["id"] == next(a.id for a in result.alerts if a.kind == "band_changed")
