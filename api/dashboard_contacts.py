"""The dashboard's contact-frequency pages (the same reads as GET /api/contacts and /api/reps/{rep}):

    /dashboard/contacts             bar charts of contacts per period by segment (the segment median) and by rep,
                                    each bar a link to the rows behind it; the rep table; the cross-analysis by
                                    segment and health band; the customers (filters: segment, band, status)
    /dashboard/contacts/reps/{rep}  a rep's totals, their customers against their segment norms, their contacts

Server-rendered SVG like the customer page's health chart: no script, no inline style.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.auth import ApiToken
from api.charts import Chart, Column, columns, link, round_top
from api.dashboard import templates
from api.deps import ServiceDep, viewer
from portfolio.contact_records import ContactSummary, Period
from portfolio.contact_report import CustomerFilter

__all__ = ["contact_charts", "router"]

router = APIRouter(prefix="/dashboard", include_in_schema=False)
ContactViewer = Annotated[ApiToken, Depends(viewer("admin", "manager", "crm"))]
SHOWN = 200  # customers listed on the page; the API pages through all of them


def _link(**query: str) -> str:
    return link("/dashboard/contacts", "customers", **query)


def _bars(items: list[Column]) -> Chart:
    """Vertical bars over a round maximum, ticks at 0, half and the top; each value drawn above its bar."""
    peak = round_top(max((c.value for c in items), default=0.0) or 1.0)
    return columns(items, peak, [0, peak / 2, peak], "{:g}".format, "count")


def _column(label: str, value: float, href: str) -> Column:
    return Column(label, value, href, f"{label}: {value:.2f}", f"{value:.2f}")


def contact_charts(summary: ContactSummary) -> tuple[Chart, Chart]:
    """(median contacts per period by segment, contacts per period by rep): each bar links to its rows."""
    by_segment = [
        _column(c.segment, c.median_per_period, _link(segment=c.segment)) for c in summary.segments
    ]
    by_rep = [
        _column(r.rep, r.per_period, f"/dashboard/contacts/reps/{quote(r.rep)}")
        for r in summary.reps
        if r.rep
    ]
    return _bars(by_segment), _bars(by_rep)


@router.get("/contacts")
def contacts_page(
    request: Request,
    callintel: ServiceDep,
    token: ContactViewer,
    period: Period | None = None,
    segment: Annotated[str, Query(max_length=128)] = "",
    band: Annotated[str, Query(max_length=16)] = "",
    status: Literal["over", "neglected", "normal", ""] = "",
) -> HTMLResponse:
    wanted = CustomerFilter(segment or None, band or None, status or None)
    report = callintel.contacts(callintel.report_moment(), period, limit=SHOWN, wanted=wanted)
    by_segment, by_rep = contact_charts(report.summary())
    context = {
        "token": token,
        "report": report,
        "by_segment": by_segment,
        "by_rep": by_rep,
        "customers": report.customers,
        "matched": report.total,
        "filters": {"segment": segment, "band": band, "status": status},
        "link": _link,
    }
    return templates.TemplateResponse(request, "contacts.html", context)


@router.get("/contacts/reps/{rep}")
def rep_page(
    rep: str,
    request: Request,
    callintel: ServiceDep,
    token: ContactViewer,
    period: Period | None = None,
) -> HTMLResponse:
    detail = callintel.rep_contacts(rep, callintel.report_moment(), period)
    context = {"token": token, "detail": detail, "link": _link}
    return templates.TemplateResponse(request, "contacts_rep.html", context)
