"""Evaluating customers: health now, the signals behind it, and alerts, stored in one transaction per customer.

``assess`` is pure: a history, a moment, the last stored snapshot -> the health, its signals and the alerts to
raise. An alert is raised when the band gets worse than at the last evaluation (a customer never evaluated
before counts as green), and for every risk event of at least ``alerts.high_weight`` (not the indicators of
the weighted model, not several_warnings, not positive signals); each alert has a key, and a key already stored is not raised
again. A signal dated ``as_of`` describes a state (silence, an overdue invoice, a cancel request): it raises
its alert when it first appears, not again at each evaluation while it lasts. Each alert carries the
account's owner and the recommended action (risk.playbooks) with its reason. An unknown customer (no data)
or a churned one (an outcome) raises none. ``record`` writes an assessment; ``evaluate`` does both for
customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from models.analysis import Alert
from models.outbox import emit
from models.pages import Slice
from models.risk_repo import (
    AlertFilter,
    HealthRecord,
    Snapshot,
    add_alerts,
    known_alert_keys,
    last_snapshot,
    replace_signals,
    save_snapshot,
    signal_identities,
)
from models.risk_repo import alert_owners as stored_owners
from models.risk_repo import alerts_page as stored_page
from models.store import Store
from risk.config import RiskConfig
from risk.health import BAND_ORDER, Health, health
from risk.history import CustomerHistory, load_histories
from risk.kinds import INDICATOR_KINDS, is_positive
from risk.playbooks import Playbooks, Recommendation, load_playbooks, recommend
from risk.signals import signal_key

__all__ = [
    "AlertFilter",
    "Assessment",
    "Snapshot",
    "alert_owners",
    "alerts_page",
    "assess",
    "evaluate",
    "last_snapshot",
    "list_alerts",
    "record",
]


@dataclass(frozen=True)
class Assessment:
    health: Health
    alerts: list[Alert]


def _top_reasons(current: Health, count: int = 2) -> str:
    top = sorted(current.signals, key=lambda s: -current.breakdown.get(s.kind, 0.0))
    seen: set[str] = set()
    reasons: list[str] = []
    for signal in top:
        if signal.kind not in seen and len(reasons) < count:
            seen.add(signal.kind)
            reasons.append(f"{signal.explanation} (-{current.breakdown[signal.kind]:.0f})")
    return "; ".join(reasons)


DERIVED = frozenset((*INDICATOR_KINDS, "several_warnings"))


def _action(recommendation: Recommendation | None) -> str | None:
    if recommendation is None:
        return None
    return f"{recommendation.action} (because: {recommendation.reason})"


def _band_alert(
    history: CustomerHistory, current: Health, as_of: datetime, previous: Snapshot | None
) -> list[Alert]:
    before = previous.band if previous else "green"
    if current.score is None or BAND_ORDER[current.band] <= BAND_ORDER.get(before, 0):
        return []
    was = (
        f"{previous.score:.1f} ({previous.band}) on {previous.as_of:%Y-%m-%d}"
        if previous
        else "green (first evaluation)"
    )
    return [
        Alert(
            key=f"{history.customer_id}:band:{before}->{current.band}:{as_of:%Y-%m-%d}",
            customer_id=history.customer_id,
            kind="band_changed",
            occurred_at=as_of,
            band=current.band,
            score=current.score,
            reason=f"Health fell to {current.score:.1f} ({current.band}) from {was}: {_top_reasons(current)}",
        )
    ]


def assess(
    history: CustomerHistory,
    as_of: datetime,
    config: RiskConfig,
    previous: Snapshot | None,
    playbooks: Playbooks | None = None,
) -> Assessment:
    """Health at ``as_of`` and the alerts to raise, each with the account owner and the recommended action
    (``playbooks``: the bundled ones when None; the facade passes CALLINTEL_RISK_PLAYBOOKS's)."""
    current = health(history, as_of, config)
    if current.score is None or current.churned:
        return Assessment(current, [])
    alerts = _band_alert(history, current, as_of, previous)
    for signal in current.signals:
        if signal.kind in DERIVED or is_positive(signal.kind, config):
            continue  # the weighted model's indicators and the combination speak through the band
        ongoing = signal.occurred_at == as_of and previous and signal.kind in previous.kinds
        if signal.weight >= config.alerts.high_weight and not ongoing:
            alerts.append(
                Alert(
                    key=f"signal:{signal_key(signal)}",
                    customer_id=history.customer_id,
                    kind="high_weight_signal",
                    occurred_at=signal.occurred_at,
                    band=current.band,
                    score=current.score,
                    interaction_id=signal.interaction_id,
                    reason=signal.explanation,
                )
            )
    owner = history.account.owner if history.account else None
    action = _action(recommend(current, history, playbooks or load_playbooks(None, config), config))
    by_key: dict[str, Alert] = {}
    for alert in (
        alerts
    ):  # two signals of a kind on one day (two key people gone quiet) share a key: one alert
        by_key.setdefault(alert.key, alert.model_copy(update={"owner": owner, "action": action}))
    return Assessment(current, list(by_key.values()))


def _announce_new_signals(session: Session, h: Health) -> None:
    """A ``risk_signal.created`` event for each signal that was not there at the last evaluation."""
    before = {(kind, found or "") for kind, found in signal_identities(session, h.customer_id)}
    for signal in h.signals:
        if (signal.kind, signal.interaction_id or "") not in before:
            emit(
                session,
                "risk_signal.created",
                f"risk_signal.created:{signal_key(signal)}",
                {
                    **signal.model_dump(mode="json"),
                    "key": signal_key(signal),
                    "health": h.score,
                    "band": h.band,
                },
            )


def record(session: Session, assessment: Assessment) -> list[Alert]:
    """Store the signals (replacing the customer's), the snapshot (replacing one at the same moment) and the new
    alerts; returns the alerts that were new."""
    h = assessment.health
    if h.score is None:
        raise ValueError(f"{h.customer_id}: an unknown health is not recorded")
    _announce_new_signals(session, h)
    replace_signals(  # F: with the points each took off, which the at-risk list shows (api/queries.py)
        session,
        h.customer_id,
        ((s, signal_key(s), p) for s, p in zip(h.signals, h.points, strict=True)),
    )
    save_snapshot(  # C: with the customer's current-health row (0013)
        session,
        HealthRecord(h.customer_id, h.as_of, h.score, h.band, h.breakdown, h.raw_risk, h.churned),
    )
    known = known_alert_keys(session, [a.key for a in assessment.alerts])
    fresh = add_alerts(session, h.customer_id, [a for a in assessment.alerts if a.key not in known])
    for alert in fresh:
        if alert.kind == "band_changed":
            emit(
                session,
                "health.band_changed",
                f"health.band_changed:{alert.key}",
                alert.model_dump(mode="json"),
            )
    session.flush()
    return fresh


def evaluate(
    store: Store,
    config: RiskConfig,
    as_of: datetime,
    customer_ids: list[str] | None = None,
    playbooks: Playbooks | None = None,
) -> list[Assessment]:
    """Assess and record each customer (all when ``customer_ids`` is None); the new alerts are in each result.
    A customer whose health is unknown (no data yet) is assessed but nothing is recorded for them."""
    results = []
    for history in load_histories(store, customer_ids):
        with store.transaction() as session:
            assessment = assess(
                history,
                as_of,
                config,
                last_snapshot(session, history.customer_id, as_of),
                playbooks,
            )
            if assessment.health.score is None:
                results.append(assessment)
                continue
            fresh = record(session, assessment)
        results.append(Assessment(assessment.health, fresh))
    return results


def alerts_page(
    store: Store, wanted: AlertFilter, limit: int = 100, offset: int = 0
) -> Slice[Alert]:
    """Stored alerts narrowed by customer, status and owner, newest first: the total and one page."""
    with store.reads() as session:
        total, items = stored_page(session, wanted, limit, offset)
    return Slice(total, items)


def alert_owners(store: Store) -> list[str]:
    """The owners named on stored alerts, sorted (what an owner filter offers)."""
    with store.reads() as session:
        return stored_owners(session)


def list_alerts(
    store: Store,
    customer_id: str | None = None,
    limit: int = 100,
    status: str | None = None,
    owner: str | None = None,
) -> list[Alert]:
    """Stored alerts, newest first (only the customer's, in the status, of the owner, where given)."""
    return alerts_page(store, AlertFilter(customer_id, status, owner), limit).items
