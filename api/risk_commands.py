"""What `callintel customers`, `timeline` and `alerts` do, apart from their argument parsing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from api import render
from api.account_view import AccountSummary, account_summary
from models.errors import InputError, NotFound
from risk.health import Health

if TYPE_CHECKING:
    from api.queries import AtRisk
    from api.service import Callintel

__all__ = [
    "account_dict",
    "health_dict",
    "run_alerts",
    "run_customers",
    "run_timeline",
    "summary_dict",
]


def _json(value) -> None:
    print(json.dumps(value, default=str, indent=2))


def health_dict(h: Health) -> dict:
    """A Health as JSON-ready data: each signal with the points it takes off now."""
    return {
        "customer_id": h.customer_id,
        "as_of": h.as_of.isoformat(),
        "score": h.score,
        "band": h.band,
        "raw_risk": h.raw_risk,
        "breakdown": h.breakdown,
        "signals": [
            {**s.model_dump(mode="json"), "points": p}
            for s, p in zip(h.signals, h.points, strict=True)
        ],
    }


def account_dict(history: AtRisk) -> dict:
    """The customer's name and the account fields `callintel customers` shows (None where unknown)."""
    account = history.account
    return {
        "name": history.name,
        "owner": account.owner if account else None,
        "arr": account.arr if account else None,
        "currency": account.currency if account else None,
        "renewal_date": account.renewal_date.isoformat()
        if account and account.renewal_date
        else None,
        "lifecycle_status": account.status if account else None,
    }


def summary_dict(panel: AccountSummary) -> dict | None:
    """The account panel as JSON: the account's fields, contacts with their last login, invoices with their
    state, surveys and the recommended action (None when there is no account data at all)."""
    if panel.account is None and not (panel.contacts or panel.invoices or panel.surveys):
        return None
    return {
        **(panel.account.model_dump(mode="json") if panel.account else {}),
        "contacts": [
            {**c.contact.model_dump(mode="json"), "last_seen": c.last_seen} for c in panel.contacts
        ],
        "invoices": [{**i.model_dump(mode="json"), "state": state} for i, state in panel.invoices],
        "surveys": [s.model_dump(mode="json") for s in panel.surveys],
        "recommended_action": panel.recommended.action if panel.recommended else None,
        "recommendation": asdict(panel.recommendation) if panel.recommendation else None,
    }


@dataclass(frozen=True)
class CustomerFilter:
    """Which customers the list shows, as ``GET /api/customers``'s ``band`` and ``owner``."""

    band: str | None = None
    owner: str | None = None


def run_customers(
    callintel: Callintel,
    as_of: datetime,
    limit: int,
    as_json: bool,
    recompute: bool = True,
    wanted: CustomerFilter = CustomerFilter(),
) -> None:
    """The at-risk list: recomputed at ``as_of``, or (``recompute`` False) the stored health (api/queries.py)."""
    page = callintel.customers(
        as_of, wanted.band, limit=limit, recompute=recompute, owner=wanted.owner
    )
    rows = [(h, history) for history, h in page.items]
    if as_json:
        _json([{**health_dict(h), **account_dict(history)} for h, history in rows[:limit]])
        return
    render.stdout.print(
        render.risk_table(
            rows[:limit], title=f"Customers at risk as of {as_of:%Y-%m-%d} (riskiest first)"
        )
    )


def run_timeline(
    callintel: Callintel, customer_id: str, as_of: datetime, days: int, as_json: bool
) -> None:
    try:
        view = callintel.customer(customer_id, as_of, days)
    except NotFound:
        raise InputError(f"no customer {customer_id!r} (see 'callintel customers')") from None
    history, current, entries, moves = view.history, view.health, view.timeline, view.replay
    panel = account_summary(history, as_of, callintel.alerts(customer_id, 20), view.recommendation)
    if as_json:
        _json(
            {
                "health": health_dict(current),
                "replay": [{"as_of": p.as_of, "score": p.score, "band": p.band} for p in moves],
                "timeline": [asdict(e) for e in entries],
                "account": summary_dict(panel),
            }
        )
        return
    out = render.stdout
    out.rule(f"{customer_id}" + (f" ({history.name})" if history.name else ""))
    for part in render.account_panel(panel, as_of):
        out.print(part)
    out.print(render.breakdown_table(current))
    out.print(render.replay_table(moves, title=f"Health over the last {days} days (weekly)"))
    out.print(render.timeline_table(entries, title=f"Timeline, last {days} days"))


def run_alerts(
    callintel: Callintel,
    refresh: bool,
    as_of: datetime,
    customer_id: str | None,
    limit: int,
    status: str | None = None,
    owner: str | None = None,
    full: bool = False,
) -> int:
    new = 0
    if refresh and customer_id is None:  # H: the incremental refresh (risk/refresh.py)
        done = callintel.refresh_risk(as_of, full)
        new = len(done.alerts)
        how = "all" if full else "those changed or not yet evaluated that day"
        render.stdout.print(
            f"evaluated {done.evaluated} customers as of {as_of:%Y-%m-%d %H:%M} UTC: {new} new alerts "
            f"({how}; {done.seconds:.1f} s)",
            markup=False,
        )
    elif refresh:
        results = callintel.evaluate(as_of, customer_id)
        new = sum(len(r.alerts) for r in results)
        render.stdout.print(
            f"evaluated {len(results)} customers as of {as_of:%Y-%m-%d %H:%M} UTC: {new} new alerts",
            markup=False,
        )
    if refresh:
        _remind(callintel, as_of)  # E: follow-up task reminders
    page = callintel.alerts_page(status, owner, customer_id, limit)
    shown = f"{len(page.items)} of {page.total}" if page.total > len(page.items) else page.total
    render.stdout.print(render.alerts_table(page.items, title=f"Alerts, newest first ({shown})"))
    return new


# -- E: the follow-up task reminders `callintel alerts --refresh` raises (portfolio/tasks.py) --


def _remind(callintel: Callintel, as_of: datetime) -> None:
    reminders = callintel.raise_reminders(as_of)
    render.stdout.print(
        f"{len(reminders.reminded)} follow-up tasks newly overdue, their owners reminded "
        f"({reminders.reach_outs} reach-outs made for red customers left alone; see 'callintel tasks --overdue')",
        markup=False,
    )
