"""The dashboard's contact-frequency pages (the same reads as GET /api/contacts and /api/reps/{rep}):

    /dashboard/contacts             bar charts of contacts per period by segment (the segment median) and by rep,
                                    each bar a link to the rows behind it; the rep table; the cross-analysis by
                                    segment and health band; the customers (filters: segment, band, status)
    /dashboard/contacts/reps/{rep}  a rep's totals, their customers against their segment norms, their contacts

Server-rendered SVG like the customer page's health chart: no script, no inline style.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.auth import ApiToken
from api.dashboard import templates
from api.deps import ServiceDep, viewer
from portfolio.contact_records import ContactReport, Period
from portfolio.contact_report import CustomerFilter

__all__ = ["Bar", "BarChart", "bar_chart", "contact_charts", "router"]

router = APIRouter(prefix="/dashboard", include_in_schema=False)
ContactViewer = Annotated[ApiToken, Depends(viewer("admin", "manager", "crm"))]
SHOWN = 200  # customers listed on the page; the API pages through all of them


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    base: float  # the y of the zero line
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label) of the value axis


def _top(largest: float) -> float:
    """A round axis maximum at or above ``largest`` (> 0): 1, 2 or 5 times a power of ten."""
    magnitude = 10.0 ** math.floor(math.log10(largest))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= largest)


def bar_chart(items: list[tuple[str, float, str]], width: int = 560, height: int = 220) -> BarChart:
    """Vertical bars of (label, value, link), scaled to a round maximum, labels under the bars."""
    left, top, bottom = 44, 12, 40
    plot_w, plot_h = width - left - 12, height - top - bottom
    peak = _top(max((v for _, v, _ in items), default=0.0) or 1.0)
    slot = plot_w / max(1, len(items))
    bars = []
    for n, (label, value, href) in enumerate(items):
        h = value / peak * plot_h
        x = left + n * slot + slot * 0.15
        bars.append(Bar(label, value, href, x, top + plot_h - h, slot * 0.7, h))
    ticks = [(top + plot_h * (1 - f), f"{peak * f:g}") for f in (0, 0.5, 1)]
    return BarChart(width, height, left, top + plot_h, bars, ticks)


def _link(**query: str) -> str:
    return "/dashboard/contacts?" + urlencode({k: v for k, v in query.items() if v}) + "#customers"


def contact_charts(report: ContactReport) -> tuple[BarChart, BarChart]:
    """(median contacts per period by segment, contacts per period by rep): each bar links to its rows."""
    by_segment = bar_chart(
        [(c.segment, c.median_per_period, _link(segment=c.segment)) for c in report.segments]
    )
    by_rep = bar_chart(
        [
            (r.rep or "(no rep)", r.stats.per_period, f"/dashboard/contacts/reps/{quote(r.rep)}")
            for r in report.reps
            if r.rep
        ]
    )
    return by_segment, by_rep


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
    report = callintel.contacts(callintel.as_of(), period, limit=SHOWN, wanted=wanted)
    by_segment, by_rep = contact_charts(report)
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
    detail = callintel.rep_contacts(rep, callintel.as_of(), period)
    context = {"token": token, "detail": detail, "link": _link}
    return templates.TemplateResponse(request, "contacts_rep.html", context)
