"""Contact frequency over HTTP: the report, the rep table and a rep's drill-down (the CLI's `callintel contacts`).

    GET /api/contacts?as_of=&period=&rep=&customer=&limit=&offset=   admin, manager, crm
    GET /api/reps?as_of=&period=                                        admin, manager, crm
    GET /api/reps/{rep}?as_of=&period=&limit=                           admin, manager, crm

A bad date or period is a 422 naming the field, as is an unknown ``customer``; an unknown rep has no contacts
(zeros and empty lists), as in the CLI.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.exceptions import RequestValidationError

from api.auth import ApiToken
from api.deps import ServiceDep, allow
from api.moments import AsOf
from models.errors import NotFound
from portfolio.contact_records import ContactReport, Period, RepContacts, RepDetail

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["contacts"])
ContactReader = Annotated[ApiToken, Depends(allow("admin", "manager", "crm"))]
Rep = Annotated[str, Path(min_length=1, max_length=128)]


@router.get(
    "/contacts",
    response_model=ContactReport,
    summary="Contact frequency per channel, rep and customer (neglected first), against segment norms",
)
def contacts(
    callintel: ServiceDep,
    _: ContactReader,
    as_of: AsOf | None = None,
    period: Period | None = None,
    rep: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    customer: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    segment_by: Literal["account", "value"] = "account",
) -> ContactReport:
    moment = callintel.report_moment(as_of)
    segments = callintel.value_segments(moment) if segment_by == "value" else None
    try:
        return callintel.contacts(moment, period, rep, customer, limit, offset, segments)
    except NotFound:
        problem = {"loc": ("query", "customer"), "msg": "no such customer", "type": "value_error"}
        raise RequestValidationError([problem]) from None


@router.get("/reps", response_model=list[RepContacts], summary="Each rep's contacts, most first")
def reps(
    callintel: ServiceDep,
    _: ContactReader,
    as_of: AsOf | None = None,
    period: Period | None = None,
) -> list[RepContacts]:
    return callintel.contacts(callintel.report_moment(as_of), period, limit=1).reps


@router.get(
    "/reps/{rep}",
    response_model=RepDetail,
    summary="One rep: totals, their customers against their segment norms, their contacts",
)
def rep(
    rep: Rep,
    callintel: ServiceDep,
    _: ContactReader,
    as_of: AsOf | None = None,
    period: Period | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> RepDetail:
    return callintel.rep_contacts(rep, callintel.report_moment(as_of), period, limit)
