"""`callintel portfolio` (the book at a glance) and `callintel segments` (the RFM segment list and its filters);
api/cli.py registers both. They call the ``Callintel`` facade, as `GET /api/portfolio` and `GET /api/segments`
do, and print the same JSON with ``--json``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api import render
from api.commands import DATABASE_HELP
from api.portfolio_schemas import CustomerSegmentBody, PortfolioBody, SegmentPage
from api.service import Callintel

if TYPE_CHECKING:
    from models.pages import Slice
    from portfolio.churn import ChurnPeriod, ChurnReason
    from portfolio.rfm import CustomerSegment
    from portfolio.view import PortfolioView

__all__ = [
    "portfolio_command",
    "print_portfolio",
    "portfolio_body",
    "segments_body",
    "segments_command",
]

AS_OF_HELP = "Judge as of this date (its end) or date-time (default: CALLINTEL_RISK_AS_OF or now)."
BANDS = ("green", "yellow", "red", "unknown")


def _rate(period: ChurnPeriod) -> str:
    return "–" if period.rate is None else f"{period.rate:.1%}"


def churn_table(periods: list[ChurnPeriod], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("Period", "Active at start", "Churned", "Churn rate", "ARR churned"):
        table.add_column(name, justify="left" if name == "Period" else "right")
    for p in periods:
        arr = render.money(p.arr_churned) if p.arr_churned else "–"
        table.add_row(p.period.label, str(p.active_at_start), str(p.churned), _rate(p), arr)
    return table


def book_table(view: PortfolioView) -> Table:
    table = Table(title="Active customers by segment and health band", title_justify="left")
    table.add_column("Segment")
    for band in BANDS:
        table.add_column(band, justify="right")
    table.add_column("Customers", justify="right")
    table.add_column("ARR", justify="right")
    for name, label in view.segments:
        cells = [c for c in view.cells if c.segment == name]
        counts = {c.band: c.customers for c in cells}
        table.add_row(
            label,
            *(str(counts.get(band, 0) or "–") for band in BANDS),
            str(sum(counts.values())),
            render.money(sum(c.arr for c in cells)) if cells else "–",
        )
    return table


def reasons_table(reasons: list[ChurnReason]) -> Table:
    lost = reasons[0].lost if reasons else 0
    table = Table(
        title=f"Top churn reasons ({lost} customers lost; their last 90 days)", title_justify="left"
    )
    for name in ("Reason", "Customers", "Latest evidence"):
        table.add_column(name, justify="right" if name == "Customers" else "left")
    for r in reasons:
        latest = r.evidence[0] if r.evidence else None
        said = (
            f"{latest.customer_id} {latest.occurred_at:%Y-%m-%d}: {latest.text}" if latest else ""
        )
        table.add_row(r.label, f"{r.customers} of {r.lost}", said)
    return table


def print_portfolio(view: PortfolioView) -> None:
    out = render.stdout
    out.print(
        f"Portfolio as of {view.as_of:%Y-%m-%d %H:%M} UTC: {view.active} active customers, "
        f"ARR {render.money(view.arr) or 0}",
        markup=False,
    )
    out.print(churn_table(view.months, "Churn by month"))
    out.print(churn_table(view.quarters, "Churn by quarter"))
    out.print(book_table(view))
    if view.reasons:
        out.print(reasons_table(view.reasons))
    else:
        out.print("No churn reasons: no customer was lost in this span.", markup=False)


def segments_body(page: Slice[CustomerSegment], limit: int, offset: int) -> SegmentPage:
    """The segment list as `callintel segments --json` and `GET /api/segments` give it."""
    items = [CustomerSegmentBody.model_validate(row.as_dict()) for row in page.items]
    return SegmentPage(total=page.total, limit=limit, offset=offset, items=items)


def portfolio_body(view: PortfolioView) -> PortfolioBody:
    """The view as `callintel portfolio --json` and `GET /api/portfolio` give it."""
    from portfolio.view import view_dict

    return PortfolioBody.model_validate(view_dict(view))


def segments_table(page: Slice[CustomerSegment], labels: dict[str, str]) -> Table:
    shown = f"{len(page.items)} of {page.total}" if len(page.items) < page.total else page.total
    table = Table(title=f"Customers by RFM segment ({shown})", title_justify="left")
    for name in ("Customer", "Segment", "R F M", "Band", "Owner", "ARR", "Renewal", "Tags"):
        table.add_column(name)
    for row in page.items:
        table.add_row(
            escape(row.name or row.customer_id),
            labels.get(row.segment or "", "–"),
            f"{row.r} {row.f} {row.m}",
            row.band or "–",
            escape(row.owner or "–"),
            render.money(row.arr, row.currency) or "–",
            row.renewal_date.isoformat() if row.renewal_date else "–",
            escape(", ".join(row.tags)) or "–",
        )
    return table


def portfolio_command(
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    months: Annotated[int, typer.Option(min=1, max=120, help="Months of churn trend.")] = 12,
    json_output: Annotated[bool, typer.Option("--json", help="The view as JSON.")] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """The book at a glance: churn rate by month and quarter, active customers by segment and health band, the
    top churn reasons."""
    with Callintel.open(database_url) as callintel:
        view = callintel.portfolio(callintel.as_of(as_of), months)
    if json_output:
        print(portfolio_body(view).model_dump_json(indent=2))
    else:
        print_portfolio(view)


def segments_command(
    segment: Annotated[
        str | None, typer.Option(help="Only this segment (see segments.yaml).")
    ] = None,
    band: Annotated[
        str | None, typer.Option(help="Only this health band: green, yellow, red.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this account owner's customers.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only customers with this behaviour tag.")] = None,
    renewal_within: Annotated[
        int | None, typer.Option(min=0, max=3650, help="Only customers renewing within DAYS.")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Show at most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
    json_output: Annotated[bool, typer.Option("--json", help="The page as JSON.")] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Active customers with their RFM scores (1-5 by quintile), segment, health band and behaviour tags, most
    valuable first."""
    from portfolio.rfm import SegmentFilter

    wanted = SegmentFilter(segment, band, owner, tag, renewal_within)
    with Callintel.open(database_url) as callintel:
        page = callintel.segments(callintel.as_of(as_of), wanted, limit, offset)
        labels = {s.name: s.label for s in callintel.segments_config().segments}
    if json_output:
        print(segments_body(page, limit, offset).model_dump_json(indent=2))
    else:
        render.stdout.print(segments_table(page, labels))
