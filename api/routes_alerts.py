"""Alerts and their lifecycle over HTTP: list them (filtered, paged), read one, acknowledge it, resolve it.

    GET  /api/alerts?status=&owner=&customer_id=&limit=&offset=   admin, manager, crm
    GET  /api/alerts/{id}                                           admin, manager, crm
    POST /api/alerts/{id}/acknowledge                               admin, manager, crm (api/permissions.py)
    POST /api/alerts/{id}/resolve  {"outcome", "note"}              admin, manager, crm

An unknown id is 404; a step the alert's state forbids (resolving a resolved alert) is 409, both as the JSON
error body of every route. The token's name is recorded as who acted.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from api.auth import ApiToken
from api.deps import ServiceDep, allow, json_answer, sqlite_inline
from api.permissions import AlertActor
from api.schemas import Page
from models.analysis import Alert, AlertOutcome
from risk.alerts import MAX_NOTE

__all__ = ["AlertPage", "ResolveBody", "router"]

router = APIRouter(prefix="/api", tags=["alerts"])
AlertReader = Annotated[ApiToken, Depends(allow("admin", "manager", "crm"))]
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # the column is a 32-bit integer: beyond it, 422


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: AlertOutcome = Field(description="saved, churned or false_alarm")
    note: str | None = Field(None, max_length=MAX_NOTE, description="what was done, in a sentence")


class AlertPage(Page):
    items: list[Alert]


_ALERT_PAGE = TypeAdapter(AlertPage)  # its bytes, as FastAPI's response model would write them


@router.get(
    "/alerts", response_model=AlertPage, summary="Stored alerts, newest first, filtered and paged"
)
@sqlite_inline()
def alerts(
    callintel: ServiceDep,
    _: AlertReader,
    status: Literal["open", "acknowledged", "resolved"] | None = None,
    owner: Annotated[str | None, Query(max_length=256)] = None,
    customer_id: Annotated[str | None, Query(max_length=128)] = None,
    customer: Annotated[
        str | None, Query(max_length=128, description="the same as customer_id (the older name)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Response:
    page = callintel.alerts_page(status, owner, customer_id or customer, limit, offset)
    answer = AlertPage(total=page.total, limit=limit, offset=offset, items=page.items)
    return json_answer(_ALERT_PAGE, answer)


@router.get("/alerts/{alert_id}", response_model=Alert, summary="One alert with its lifecycle")
@sqlite_inline()
def alert(alert_id: AlertId, callintel: ServiceDep, _: AlertReader) -> Alert:
    return callintel.alert(alert_id)


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=Alert,
    summary="Acknowledge an alert (again: no change; a resolved one: 409)",
)
def acknowledge(alert_id: AlertId, callintel: ServiceDep, token: AlertActor) -> Alert:
    return callintel.acknowledge_alert(alert_id, token.name)


@router.post(
    "/alerts/{alert_id}/resolve",
    response_model=Alert,
    summary="Resolve an alert with its outcome (a resolved one: 409)",
)
def resolve(
    alert_id: AlertId, body: ResolveBody, callintel: ServiceDep, token: AlertActor
) -> Alert:
    return callintel.resolve_alert(alert_id, body.outcome, token.name, body.note)
