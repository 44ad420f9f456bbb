"""What `callintel customers`, `timeline` and `alerts` do, apart from their argument parsing."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta

from api import moments, render
from models.errors import InputError
from models.settings import Settings
from models.store import Store
from risk.config import load_config
from risk.engine import evaluate, list_alerts
from risk.health import Health, health, replay
from risk.history import load_histories, load_history
from risk.timeline import timeline

__all__ = ["health_dict", "parse_moment", "run_alerts", "run_customers", "run_timeline"]


def parse_moment(value: str | None, settings: Settings) -> datetime:
    """``--as-of``: an ISO date (its end) or date-time (UTC unless it says), years 1970-2999 (api/moments.py);
    else CALLINTEL_RISK_AS_OF, else now."""
    if value is None:
        return moments.configured_moment(settings)
    return moments.parse_moment(value, "--as-of")


def _json(value) -> None:
    print(json.dumps(value, default=str, indent=2))


def health_dict(h: Health) -> dict:
    """A Health as JSON-ready data: each signal with the points it takes off now."""
    return {
        "customer_id": h.customer_id,
        "as_of": h.as_of.isoformat(),
        "score": h.score,
        "band": h.band,
        "breakdown": h.breakdown,
        "signals": [
            {**s.model_dump(mode="json"), "points": p}
            for s, p in zip(h.signals, h.points, strict=True)
        ],
    }


def run_customers(
    store: Store, settings: Settings, as_of: datetime, limit: int, as_json: bool
) -> None:
    config = load_config(settings.risk_config)
    rows = [(health(h, as_of, config), h) for h in load_histories(store)]
    rows.sort(key=lambda r: (r[0].score, r[0].customer_id))
    if as_json:
        _json([{**health_dict(h), "name": history.name} for h, history in rows[:limit]])
        return
    render.stdout.print(
        render.risk_table(
            rows[:limit], title=f"Customers at risk as of {as_of:%Y-%m-%d} (riskiest first)"
        )
    )


def run_timeline(
    store: Store, settings: Settings, customer_id: str, as_of: datetime, days: int, as_json: bool
) -> None:
    history = load_history(store, customer_id)
    if history is None:
        raise InputError(f"no customer {customer_id!r} (see 'callintel customers')")
    config = load_config(settings.risk_config)
    current = health(history, as_of, config)
    entries = timeline(history, as_of, config, days)
    moves = replay(history, as_of - timedelta(days=days), as_of, config)
    if as_json:
        _json(
            {
                "health": health_dict(current),
                "replay": [{"as_of": p.as_of, "score": p.score, "band": p.band} for p in moves],
                "timeline": [asdict(e) for e in entries],
            }
        )
        return
    out = render.stdout
    out.rule(f"{customer_id}" + (f" ({history.name})" if history.name else ""))
    out.print(render.breakdown_table(current))
    out.print(render.replay_table(moves, title=f"Health over the last {days} days (weekly)"))
    out.print(render.timeline_table(entries, title=f"Timeline, last {days} days"))


def run_alerts(
    store: Store,
    settings: Settings,
    refresh: bool,
    as_of: datetime,
    customer_id: str | None,
    limit: int,
) -> int:
    new = 0
    if refresh:
        results = evaluate(
            store, load_config(settings.risk_config), as_of, [customer_id] if customer_id else None
        )
        new = sum(len(r.alerts) for r in results)
        render.stdout.print(
            f"evaluated {len(results)} customers as of {as_of:%Y-%m-%d %H:%M} UTC: {new} new alerts",
            markup=False,
        )
    render.stdout.print(render.alerts_table(list_alerts(store, customer_id, limit)))
    return new
