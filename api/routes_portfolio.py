"""The portfolio over HTTP: the book at a glance and the RFM segment list, the same answers as `callintel
portfolio --json` and `callintel segments --json` (both call the ``Callintel`` facade).

    GET /api/portfolio?as_of=&months=                                               admin, manager, crm
    GET /api/segments?segment=&band=&owner=&tag=&renewal_within=&as_of=&limit=&offset=   admin, manager, crm

A segment, band or tag the segments configuration does not know, or a bad date, is a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError

from api.auth import ApiToken
from api.deps import ServiceDep, allow
from api.moments import AsOf
from api.portfolio_commands import portfolio_body, segments_body
from api.portfolio_schemas import PortfolioBody, SegmentPage
from portfolio.rfm import SegmentFilter

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["portfolio"])
BookReader = Annotated[ApiToken, Depends(allow("admin", "manager", "crm"))]


@router.get(
    "/portfolio",
    response_model=PortfolioBody,
    summary="Churn trend, the book by segment and health band, top churn reasons",
)
def portfolio(
    callintel: ServiceDep,
    _: BookReader,
    as_of: AsOf | None = None,
    months: Annotated[int, Query(ge=1, le=120)] = 12,
) -> PortfolioBody:
    return portfolio_body(callintel.portfolio(callintel.report_moment(as_of), months))


@router.get(
    "/segments",
    response_model=SegmentPage,
    summary="Active customers by RFM segment, most valuable first, filtered and paged",
)
def segments(
    callintel: ServiceDep,
    _: BookReader,
    segment: Annotated[str | None, Query(max_length=64)] = None,
    band: Annotated[str | None, Query(max_length=16)] = None,
    owner: Annotated[str | None, Query(max_length=256)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    renewal_within: Annotated[int | None, Query(ge=0, le=3650, description="days")] = None,
    as_of: AsOf | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> SegmentPage:
    wanted = SegmentFilter(segment, band, owner, tag, renewal_within)
    problems = wanted.problems(callintel.segments_config())
    if problems:
        raise RequestValidationError(
            [
                {"loc": ("query", field), "msg": problem, "type": "value_error"}
                for field, problem in problems
            ]
        )
    page = callintel.segments(callintel.report_moment(as_of), wanted, limit, offset)
    return segments_body(page, limit, offset)
