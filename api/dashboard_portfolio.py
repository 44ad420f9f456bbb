"""The dashboard's Portfolio pages (engineer C's; api/app.py registers the router):

    /dashboard/portfolio?month=&reason=   the churn-rate trend, the book by segment and health band, the top
                                          churn reasons (api/portfolio_charts.py) and contact frequency (only
                                          its summary read) as server-rendered SVG; every bar links to its rows:
                                          a month's churned customers, a reason's calls and tickets (on this
                                          page), a segment and band's customers
    /dashboard/segments                   the RFM segment list (filters: segment, band, owner, tag, renewal window)

Shown to admins, managers and CRM tokens, as the customers at risk are.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, field_validator

from api.dashboard import PAGE_SIZE, RiskViewer, templates
from api.dashboard_contacts import contact_charts
from api.deps import ServiceDep
from api.portfolio_charts import book_chart, reasons_chart, trend_chart
from portfolio.rfm import BANDS, SegmentFilter

__all__ = ["router"]

router = APIRouter(prefix="/dashboard", include_in_schema=False)


class _Form(BaseModel):
    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class PortfolioForm(_Form):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    reason: str | None = Field(None, max_length=200)


class SegmentsForm(_Form):
    segment: str | None = Field(None, max_length=64)
    band: str | None = Field(None, max_length=16)
    owner: str | None = Field(None, max_length=256)
    tag: str | None = Field(None, max_length=64)
    renewal_within: int | None = Field(None, ge=0, le=3650)
    page: int = Field(1, ge=1, le=40_000_000)

    def wanted(self) -> SegmentFilter:
        return SegmentFilter(self.segment, self.band, self.owner, self.tag, self.renewal_within)


def _render(request: Request, name: str, token: Any, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"token": token, **context})


@router.get("/portfolio")
def portfolio_page(
    request: Request,
    callintel: ServiceDep,
    token: RiskViewer,
    form: Annotated[PortfolioForm, Query()],
) -> HTMLResponse:
    moment = callintel.report_moment()
    view = callintel.portfolio(moment)
    chosen = next((r for r in view.reasons if r.reason == form.reason), None)
    by_segment, by_rep = contact_charts(callintel.contact_summary(moment))
    return _render(
        request,
        "portfolio.html",
        token,
        view=view,
        trend=trend_chart(view.months),
        book=book_chart(view),
        reasons=reasons_chart(view.reasons),
        contacts_by_segment=by_segment,
        contacts_by_rep=by_rep,
        form=form,
        churned=callintel.churned(moment, form.month) if form.month else None,
        reason=chosen,
        calls_visible=token.role != "crm",
    )


@router.get("/segments")
def segments_page(
    request: Request,
    callintel: ServiceDep,
    token: RiskViewer,
    form: Annotated[SegmentsForm, Query()],
) -> HTMLResponse:
    config = callintel.segments_config()
    start = (form.page - 1) * PAGE_SIZE
    page = callintel.segments(callintel.report_moment(), form.wanted(), PAGE_SIZE, start)
    return _render(
        request,
        "segments.html",
        token,
        form=form,
        config=config,
        bands=BANDS,
        rows=page.items,
        total=page.total,
        pages=max(1, -(-page.total // PAGE_SIZE)),
        labels={s.name: s.label for s in config.segments},
        tag_labels={t.name: t.label for t in config.tags},
    )
