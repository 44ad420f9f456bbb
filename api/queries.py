"""Reads shared by the JSON API and the dashboard: the filtered flagged queue, customers' health, one customer.

Both front ends call these, so a filter or a health figure means the same thing on a page and in a response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, cast

from api.auth import ApiToken
from models.accounts import Account
from models.current_health import Cursor, Evaluation, band_rank, evaluations
from models.errors import Forbidden, NotFound
from models.pages import (
    HealthFilter,
    Slice,
    StoredHealth,
    customer_health,
    health_page,
)
from models.records import Interaction
from models.store import Store, StoredInteraction
from risk.config import RiskConfig
from risk.health import Band, Health, at_risk, health, replay, replay_moments
from risk.history import CustomerHistory, load_histories, load_history
from risk.playbooks import Playbooks, Recommendation, recommend
from risk.timeline import TimelineEntry, timeline

if TYPE_CHECKING:
    from api.service import Callintel

__all__ = [
    "AtRisk",
    "CustomerView",
    "customer_view",
    "customers_by_risk",
    "recomputed_page",
    "public_interaction",
    "readable_interaction",
    "rep_scope",
    "stored_customers",
    "stored_health",
    "stored_replay",
]


def rep_scope(token: ApiToken, rep: str | None) -> str | None:
    """A rep token sees only its own rep's interactions, whatever filter it asks for (another rep's: 403)."""
    if token.role != "rep":
        return rep
    if rep is not None and rep != token.rep:
        raise Forbidden(f"a rep token sees only {token.rep}'s calls")
    return token.rep


def readable_interaction(
    callintel: Callintel, token: ApiToken, interaction_id: str
) -> StoredInteraction:
    """The interaction if it exists and the token may read it; else 404, the same either way (a rep does not
    learn that another rep's interaction exists)."""
    stored = callintel.interaction(interaction_id)
    if stored is None or (token.role == "rep" and stored.interaction.rep != token.rep):
        raise NotFound("interaction", interaction_id)
    return stored


def public_interaction(interaction: Interaction) -> Interaction:
    """The interaction as the HTTP API shows it: its file's name, never where the file lies on the server."""
    meta = dict(interaction.metadata)
    if isinstance(meta.get("audio_path"), str):
        meta["audio_path"] = PurePath(meta["audio_path"]).name
    return interaction.model_copy(
        update={"source": PurePath(interaction.source).name, "metadata": meta}
    )


@dataclass(frozen=True)
class AtRisk:
    """Who a row of the at-risk list is: the customer, their account and when they were last contacted."""

    customer_id: str
    name: str | None = None
    account: Account | None = None
    last_contact: datetime | None = None


def customers_by_risk(
    store: Store, moment: datetime, config: RiskConfig, wanted: HealthFilter | None = None
) -> list[tuple[AtRisk, Health]]:
    """Every customer's health recomputed at ``moment`` from their whole history, riskiest first
    (risk.health.at_risk: by band, then ARR, then raw risk); churned customers are outcomes and left out.
    What an explicit ``as_of`` asks for; the stored list (stored_customers) is the fast read."""
    wanted = wanted or HealthFilter()
    rated = at_risk((h, health(h, moment, config)) for h in load_histories(store))
    return [
        (_who(history), h)
        for history, h in rated
        if (wanted.band is None or h.band == wanted.band)
        and (wanted.owner is None or (history.account and history.account.owner) == wanted.owner)
    ]


def _who(history: CustomerHistory) -> AtRisk:
    last = history.interactions[-1].occurred_at if history.interactions else None
    return AtRisk(history.customer_id, history.name, history.account, last)


def _place(row: tuple[AtRisk, Health]) -> Cursor:
    """A row's place in the at-risk order, as the stored list's cursor names it."""
    who, rated = row
    arr = (who.account.arr if who.account else None) or 0.0
    return Cursor(band_rank(rated.band), float(arr), rated.raw_risk, who.customer_id)


def _key(place: Cursor) -> tuple[int, float, float, str]:
    return place.band_rank, -place.arr, -place.raw_risk, place.customer_id


def recomputed_page(
    rated: list[tuple[AtRisk, Health]], limit: int | None, offset: int, cursor: Cursor | None
) -> Slice[tuple[AtRisk, Health]]:
    """A page of the recomputed list, cut as the stored list cuts its pages (after ``cursor``, then
    ``offset``), with the cursor of its last row when it is full."""
    after = [r for r in rated if cursor is None or _key(_place(r)) > _key(cursor)]
    items = after[offset:] if limit is None else after[offset : offset + limit]
    full = limit is not None and items and len(items) == limit
    return Slice(len(rated), items, _place(items[-1]).encode() if full else None)


def stored_customers(
    store: Store,
    moment: datetime,
    wanted: HealthFilter | None = None,
    limit: int | None = None,
    offset: int = 0,
    cursor: Cursor | None = None,
) -> Slice[tuple[AtRisk, Health]]:
    """The at-risk list read from the stored health (models.pages.health_page): each customer's latest
    evaluation at or before ``moment``, its ``as_of`` the evaluation's; never evaluated: ``unknown``, last."""
    page = health_page(store, moment, wanted, limit, offset, cursor)
    return Slice(page.total, [_stored(row, moment) for row in page.items], page.next_cursor)


def _stored(row: StoredHealth, moment: datetime) -> tuple[AtRisk, Health]:
    who = AtRisk(row.customer_id, row.name, row.account, row.last_contact)
    band = cast(Band, row.band)
    signals, points = [s for s, _ in row.signals], [p for _, p in row.signals]
    rated = Health(
        row.customer_id,
        row.as_of or moment,
        row.score,
        band,
        row.breakdown,
        signals,
        points,
        row.raw_risk,
        row.churned,
    )
    return who, rated


@dataclass(frozen=True)
class CustomerView:
    history: CustomerHistory
    health: Health
    replay: list[Health]
    timeline: list[TimelineEntry]
    recommendation: Recommendation | None = None  # the playbooks' intervention for the health now


def customer_view(
    store: Store,
    config: RiskConfig,
    customer_id: str,
    moment: datetime,
    days: int,
    playbooks: Playbooks,
    recompute: bool = True,
) -> CustomerView:
    """One customer's health now, weekly health over ``days`` and the timeline of those days: recomputed
    from the history, or (``recompute`` False) read from the stored evaluations (stored_health) where the
    customer has one by ``moment`` (a customer never evaluated yet is recomputed: their page is not blank
    until the next refresh)."""
    history = load_history(store, customer_id)
    if history is None:
        raise NotFound("customer", customer_id)
    start = moment - timedelta(days=days)
    now = None if recompute else stored_health(store, customer_id, moment)
    if now is None or now.score is None:  # asked, or never evaluated: one customer, recomputed
        now, moves = health(history, moment, config), replay(history, start, moment, config)
    else:
        moves = stored_replay(store, history, start, moment, config)
    return CustomerView(
        history,
        now,
        moves,
        timeline(history, moment, config, days),
        recommend(now, history, playbooks, config),
    )


def stored_health(store: Store, customer_id: str, moment: datetime) -> Health:
    """The customer's latest stored evaluation at or before ``moment`` (``unknown`` when none), as the stored
    at-risk list shows it."""
    return _stored(customer_health(store, customer_id, moment), moment)[1]


def stored_replay(
    store: Store,
    history: CustomerHistory,
    start: datetime,
    end: datetime,
    config: RiskConfig,
    step: timedelta = timedelta(days=7),
) -> list[Health]:
    """risk.health.replay's points (``start``, every ``step`` after it, ``end``), each the customer's latest
    stored evaluation in the step up to it; a point with none (no refresh ran in that week) is recomputed from
    the history, so the chart has its points whether the refresh ran regularly or not."""
    stored = evaluations(store, history.customer_id, start - step, end)
    points = []
    for moment in replay_moments(start, end, step):
        known = [e for e in stored if moment - step < e.as_of <= moment]
        if known:
            points.append(_evaluated(history.customer_id, known[-1]))
        else:
            points.append(health(history, moment, config))
    return points


def _evaluated(customer_id: str, e: Evaluation) -> Health:
    band = cast(Band, e.band)
    return Health(customer_id, e.as_of, e.score, band, e.breakdown, [], [], e.raw_risk, e.churned)
