"""Customers at risk, a customer's timeline and health, risk signals and alerts: what managers and CRMs read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import TypeAdapter

from api.account_view import AccountView
from api.auth import ApiToken
from api.deps import CursorParam, ServiceDep, allow, keyset_cursor, sqlite_inline
from api.moments import AsOf
from api.queries import StoredAccount
from api.routes_accounts import contact_out
from api.schemas import (
    ContactOut,
    CustomerDetail,
    CustomerRisk,
    ReplayPoint,
    SignalOut,
    SurveyResponseOut,
    TimelineEntryOut,
    TimelineOut,
)
from api.timeline_read import TIMELINE, stored_timeline
from models.accounts import Account, CommercialEvent, Invoice
from models.current_health import Cursor
from models.errors import NotFound
from models.pages import Slice
from models.risk_lines import RiskLine
from risk.health import Health

router = APIRouter(prefix="/api", tags=["customers"])
RiskReader = Annotated[ApiToken, Depends(allow("admin", "manager", "crm"))]
Recompute = Annotated[
    bool,
    Query(description="Recompute the health from the history (implied by as_of; slow at size)"),
]


def recomputed(arguments: dict[str, Any]) -> bool:
    """Whether a read of the stored health recomputes it instead (``as_of`` or ``recompute``): a long request,
    served from the thread pool (``sqlite_inline``)."""
    return bool(arguments.get("recompute")) or arguments.get("as_of") is not None


def _risk(h: Health, name: str | None) -> CustomerRisk:
    signals = [
        SignalOut(
            kind=s.kind,
            weight=s.weight,
            points=p,
            occurred_at=s.occurred_at,
            interaction_id=s.interaction_id,
            explanation=s.explanation,
        )
        for s, p in zip(h.signals, h.points, strict=True)
    ]
    return CustomerRisk(
        customer_id=h.customer_id,
        name=name,
        as_of=h.as_of,
        score=h.score,
        band=h.band,
        raw_risk=h.raw_risk,
        breakdown=h.breakdown,
        signals=signals,
    )


_RISKS = TypeAdapter(list[CustomerRisk])
_LINES = TypeAdapter(
    list[RiskLine]
)  # the same JSON (models/risk_lines.py): the records as they are


def _listed(body: bytes, page: Slice[Any]) -> Response:
    """The JSON as FastAPI would answer it, with the page's ``X-Total-Count`` and ``X-Next-Cursor``."""
    response = Response(body, media_type="application/json")
    response.headers["X-Total-Count"] = str(page.total)
    if page.next_cursor is not None:
        response.headers["X-Next-Cursor"] = page.next_cursor
    return response


@router.get(
    "/customers",
    response_model=list[CustomerRisk],
    summary="Customers by health score, riskiest first",
)
@sqlite_inline(recomputed)
def customers(
    callintel: ServiceDep,
    _: RiskReader,
    as_of: AsOf | None = None,
    band: Annotated[str | None, Query(pattern="^(green|yellow|red|unknown)$")] = None,
    owner: Annotated[
        str | None, Query(max_length=256, pattern="^[^\x00]*$", description="Only this owner's")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="At most this many")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    cursor: CursorParam = None,
    recompute: Recompute = False,
) -> Response:
    """The stored health of each customer's latest evaluation (the risk stage, ``alerts --refresh``), paged
    in SQL; with ``as_of`` or ``recompute``, recomputed at that moment. ``X-Total-Count``: how many match;
    ``X-Next-Cursor`` (a full page only): pass it as ``cursor`` for the next page (keyset paging). The
    stored list is serialised from its records as they are (models/risk_lines.py), not validated again."""
    moment = callintel.as_of(as_of)
    after = keyset_cursor(cursor, Cursor.decode)
    if not recompute and as_of is None:
        lines = callintel.risk_lines(moment, band, limit, offset, owner, after)
        return _listed(_LINES.dump_json(lines.items), lines)
    page = callintel.customers(moment, band, limit, offset, True, owner, after)
    return _listed(_RISKS.dump_json([_risk(h, who.name) for who, h in page.items]), page)


@dataclass(frozen=True, slots=True)
class _Detail(RiskLine):
    """``CustomerDetail``'s fields in its order (the list's record's, then the account data's): its JSON."""

    account: Account | None
    contacts: list[ContactOut]
    invoices: list[Invoice]
    commercial_events: list[CommercialEvent]
    surveys: list[SurveyResponseOut]


_DETAIL = TypeAdapter(_Detail)
_DETAILS = TypeAdapter(CustomerDetail)


def _account_parts(view: AccountView) -> dict[str, Any]:
    """The account data of ``CustomerDetail`` as its fields."""
    return {
        "account": view.account,
        "contacts": [contact_out(c.contact, c.last_seen) for c in view.contacts],
        "invoices": list(view.invoices),
        "commercial_events": list(view.commercial),
        "surveys": [
            SurveyResponseOut(**s.response.model_dump(), interaction_id=s.interaction_id)
            for s in view.surveys
        ],
    }


@router.get(
    "/customers/{customer_id}",
    response_model=CustomerDetail,
    summary="A customer's health and account data: account, contacts with their last login, invoices, "
    "commercial events, survey responses",
)
@sqlite_inline(recomputed)
def customer(
    customer_id: str,
    callintel: ServiceDep,
    _: RiskReader,
    as_of: AsOf | None = None,
    recompute: Recompute = False,
) -> Response:
    """The health is the stored evaluation's (as in the list, serialised from its record), the contacts'
    last logins one grouped query; with ``as_of`` or ``recompute``, recomputed from the history."""
    recomputed = recompute or as_of is not None
    found = callintel.customer_detail(customer_id, callintel.as_of(as_of), recomputed)
    if isinstance(found, StoredAccount):
        line = found.health
        fields = {name: getattr(line, name) for name in RiskLine.__dataclass_fields__}
        body = _DETAIL.dump_json(_Detail(**fields, **_account_parts(found.view)))
        return Response(body, media_type="application/json")
    if found.health is None:  # never: it was asked for at a moment
        raise NotFound("customer health", customer_id)
    risk = _risk(found.health, found.name).model_dump()
    detail = CustomerDetail(**risk, **_account_parts(found))
    return Response(_DETAILS.dump_json(detail), media_type="application/json")


@router.get(
    "/customers/{customer_id}/timeline",
    response_model=TimelineOut,
    summary="A customer's health breakdown, weekly replay and timeline",
)
@sqlite_inline(recomputed)
def customer_timeline(
    customer_id: str,
    callintel: ServiceDep,
    _: RiskReader,
    as_of: AsOf | None = None,
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
    recompute: Recompute = False,
) -> Response | TimelineOut:
    """The health and the weekly replay from the stored evaluations (each point the latest by then), read
    and serialised as plain records where stored state gives all of it (api/timeline_read.py); with
    ``as_of`` or ``recompute``, recomputed from the history."""
    recomputed = recompute or as_of is not None
    moment = callintel.as_of(as_of)
    if not recomputed:
        config = callintel.risk_config()
        lines = stored_timeline(callintel.store, config, customer_id, moment, days)
        if lines is not None:
            return Response(TIMELINE.dump_json(lines), media_type="application/json")
    view = callintel.customer(customer_id, moment, days, recomputed)
    moves = [
        ReplayPoint(as_of=p.as_of, score=p.score, band=p.band, breakdown=p.breakdown)
        for p in view.replay
    ]
    entries = [
        TimelineEntryOut(at=e.at, kind=e.kind, title=e.title, detail=e.detail, ref=e.ref)
        for e in view.timeline
    ]
    return TimelineOut(health=_risk(view.health, view.history.name), replay=moves, timeline=entries)
