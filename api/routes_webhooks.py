"""Webhook subscriptions and their delivery log over HTTP (admin tokens only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from api.auth import ApiToken
from api.deps import ServiceDep, allow
from models.outbox import EventType
from pipeline.webhooks import Delivery, Subscription

ROW_ID_MAX = 2**63 - 1  # the largest id a database row can have (SQLite and PostgreSQL BIGINT)
RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
Admin = Annotated[ApiToken, Depends(allow("admin"))]


class SubscriptionIn(BaseModel):
    url: str = Field(
        pattern=r"^https?://\S+$", max_length=2000, description="where events are POSTed"
    )
    events: list[EventType] = Field(min_length=1)
    secret: str | None = Field(
        None, min_length=16, max_length=128, description="signing secret (default: a new one)"
    )


class SubscriptionCreated(BaseModel):
    id: int
    url: str
    events: list[str]
    secret: str = Field(description="the signing secret: shown this once")


@router.get("", response_model=list[Subscription], summary="Live webhook subscriptions")
def subscriptions(callintel: ServiceDep, _: Admin) -> list[Subscription]:
    return callintel.webhooks()


@router.post(
    "", response_model=SubscriptionCreated, status_code=201, summary="Subscribe a URL to events"
)
def subscribe(body: SubscriptionIn, callintel: ServiceDep, _: Admin) -> SubscriptionCreated:
    subscription_id, secret = callintel.add_webhook(body.url, list(body.events), body.secret)
    return SubscriptionCreated(
        id=subscription_id, url=body.url, events=sorted(set(body.events)), secret=secret
    )


@router.delete(
    "/{subscription_id}",
    status_code=204,
    summary="Stop sending to a subscription (its log is kept)",
)
def unsubscribe(subscription_id: RowId, callintel: ServiceDep, _: Admin) -> Response:
    callintel.remove_webhook(subscription_id)
    return Response(status_code=204)


@router.get("/deliveries", response_model=list[Delivery], summary="The delivery log, newest first")
def deliveries(
    callintel: ServiceDep,
    _: Admin,
    status: Literal["pending", "delivered", "failed"] | None = None,
    subscription_id: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[Delivery]:
    return callintel.deliveries(status, subscription_id, limit)


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=Delivery,
    summary="Try a failed delivery again",
)
def retry(delivery_id: RowId, callintel: ServiceDep, _: Admin) -> Delivery:
    return callintel.retry_delivery(delivery_id)
