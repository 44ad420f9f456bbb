"""Customers at risk, a customer's timeline and health, risk signals and alerts: what managers and CRMs read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import ApiToken
from api.deps import SettingsDep, StoreDep, allow
from api.schemas import CustomerRisk, ReplayPoint, SignalOut, TimelineEntryOut, TimelineOut
from models.analysis import Alert
from models.errors import SourceNotFound
from risk.config import load_config
from risk.engine import list_alerts
from risk.health import Health, health, replay
from risk.history import load_histories, load_history
from risk.timeline import timeline

router = APIRouter(prefix="/api", tags=["customers"])
RiskReader = Annotated[ApiToken, Depends(allow("admin", "manager", "crm"))]


def _as_of(value: datetime | None, settings) -> datetime:
    if value is None:
        return settings.risk_as_of or datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _risk(h: Health, name: str | None) -> CustomerRisk:
    signals = [SignalOut(kind=s.kind, weight=s.weight, points=p, occurred_at=s.occurred_at,
                         interaction_id=s.interaction_id, explanation=s.explanation)
               for s, p in zip(h.signals, h.points, strict=True)]
    return CustomerRisk(customer_id=h.customer_id, name=name, as_of=h.as_of, score=h.score, band=h.band,
                        breakdown=h.breakdown, signals=signals)


@router.get("/customers", response_model=list[CustomerRisk], summary="Customers by health score, riskiest first")
def customers(store: StoreDep, settings: SettingsDep, _: RiskReader, as_of: datetime | None = None,
              band: Annotated[str | None, Query(pattern="^(green|yellow|red)$")] = None) -> list[CustomerRisk]:
    moment, config = _as_of(as_of, settings), load_config(settings.risk_config)
    rows = [_risk(health(h, moment, config), h.name) for h in load_histories(store)]
    return sorted((r for r in rows if band is None or r.band == band), key=lambda r: (r.score, r.customer_id))


@router.get("/customers/{customer_id}/timeline", response_model=TimelineOut,
            summary="A customer's health breakdown, weekly replay and timeline")
def customer_timeline(customer_id: str, store: StoreDep, settings: SettingsDep, _: RiskReader,
                      as_of: datetime | None = None, days: Annotated[int, Query(ge=1, le=3650)] = 90) -> TimelineOut:
    history = load_history(store, customer_id)
    if history is None:
        raise SourceNotFound(customer_id)
    moment, config = _as_of(as_of, settings), load_config(settings.risk_config)
    current = _risk(health(history, moment, config), history.name)
    moves = [ReplayPoint(as_of=p.as_of, score=p.score, band=p.band)
             for p in replay(history, moment - timedelta(days=days), moment, config)]
    entries = [TimelineEntryOut(at=e.at, kind=e.kind, title=e.title, detail=e.detail, ref=e.ref)
               for e in timeline(history, moment, config, days)]
    return TimelineOut(health=current, replay=moves, timeline=entries)


@router.get("/alerts", response_model=list[Alert], summary="Stored alerts, newest first")
def alerts(store: StoreDep, _: RiskReader, customer: str | None = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[Alert]:
    return list_alerts(store, customer, limit)
