"""Reads shared by the JSON API and the dashboard: the filtered flagged queue, customers' health, one customer.

Both front ends call these, so a filter or a health figure means the same thing on a page and in a response.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from api.account_view import AccountView, ContactLine, account_view, contact_lines_of
from api.auth import ApiToken
from models.accounts import Account
from models.current_health import Cursor, Evaluation, band_rank, current_as_of, evaluations
from models.errors import Forbidden, NotFound
from models.health_pages import HealthFilter, StoredHealth, customer_health, health_page
from models.history_repo import (
    UsageFact,
    account_history,
    account_read,
    first_usage_at,
    interactions_between,
    last_usage_by_user,
    read_histories,
    usage_at,
    usage_between,
    usage_by_day,
)
from models.pages import InteractionLine, Slice
from models.records import Interaction, RiskSignal
from models.risk_lines import RiskLine, customer_line
from models.store import Store, StoredInteraction
from risk.config import RiskConfig
from risk.health import Band, Health, at_risk, health, replay, replay_moments
from risk.history import CustomerHistory, load_histories, load_history
from risk.playbooks import Playbooks, Recommendation, recommend
from risk.signals import derive_signals
from risk.timeline import TimelineEntry, timeline, timeline_of
from risk.window import Window

if TYPE_CHECKING:
    from api.service import Callintel

__all__ = [
    "AtRisk",
    "CustomerView",
    "contacts_in",
    "contacts_seen",
    "customer_view",
    "customers_by_risk",
    "recomputed_page",
    "public_interaction",
    "public_line",
    "public_name",
    "readable_interaction",
    "rep_scope",
    "stored_customers",
    "StoredAccount",
    "stored_account",
    "stored_health",
    "stored_view",
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


def public_name(path: str) -> str:
    """A file's name as ``PurePath(path).name`` gives it, without building the path where the text after the
    last ``/`` is that name (not empty, not ``.``: those ``PurePath`` normalises first)."""
    name = path.rpartition("/")[2]
    return name if name not in ("", ".") else PurePath(path).name


def _public_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    meta = dict(metadata)
    if isinstance(meta.get("audio_path"), str):
        meta["audio_path"] = public_name(meta["audio_path"])
    return meta


def public_interaction(interaction: Interaction) -> Interaction:
    """The interaction as the HTTP API shows it: its file's name, never where the file lies on the server."""
    return interaction.model_copy(
        update={
            "source": public_name(interaction.source),
            "metadata": _public_metadata(interaction.metadata),
        }
    )


def public_line(line: InteractionLine) -> InteractionLine:
    """``public_interaction`` of a list's record."""
    return replace(line, source=public_name(line.source), metadata=_public_metadata(line.metadata))


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
    """The at-risk list read from the stored health (models.health_pages.health_page): each customer's latest
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
    history: CustomerHistory  # from the stored evaluation: the account data and the window's interactions
    health: Health
    replay: list[Health]
    timeline: list[TimelineEntry]
    recommendation: Recommendation | None = None  # the playbooks' intervention for the health now
    whole_usage: bool = (
        True  # history.usage is every event up to the moment (not a window, not none)
    )


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
    from the history, or (``recompute`` False) read from the stored evaluation (stored_view) where the
    customer has one by ``moment`` (a customer never evaluated yet is recomputed: their page is not blank
    until the next refresh)."""
    now = None if recompute else stored_health(store, customer_id, moment)
    if now is not None and now.score is not None:
        return stored_view(store, config, now, moment, days, playbooks)
    history = load_history(store, customer_id)
    if history is None:
        raise NotFound("customer", customer_id)
    now = health(history, moment, config)
    return CustomerView(
        history,
        now,
        replay(history, moment - timedelta(days=days), moment, config),
        timeline(history, moment, config, days),
        recommend(now, history, playbooks, config),
    )


STEP = timedelta(days=7)  # risk.health.replay's


def stored_view(
    store: Store,
    config: RiskConfig,
    now: Health,
    moment: datetime,
    days: int,
    playbooks: Playbooks,
) -> CustomerView:
    """The page from the stored evaluation ``now``: its signals on the timeline, the replay's stored points,
    and from the database only the window's interactions, its usage counted per day in SQL and the account
    data. What only a recomputation gives is recomputed from a windowed history (replay_history): a replay
    point no stored evaluation covers, and the signals when the stored ones are not this evaluation's or
    the window reaches past their horizon."""
    customer_id, start = now.customer_id, moment - timedelta(days=days)
    points = _stored_points(store, customer_id, start, moment)
    missing = [p for p in points if isinstance(p, datetime)]
    usage, whole = None, False  # the history's own usage where one is read: it reaches the moment
    with store.reads() as session:
        current = current_as_of(session, customer_id) == now.as_of
        derived = not current or start < now.as_of - timedelta(days=config.horizon_days)
        if missing or derived:
            history, whole = replay_history(session, config, customer_id, missing, moment)
        else:
            history = known_history(account_history(session, customer_id), customer_id)
            history = replace(
                history, interactions=interactions_between(session, customer_id, start, moment)
            )
            usage = usage_by_day(session, customer_id, start, moment)
    signals = derive_signals(history, moment, config) if derived else _timeline_signals(now)
    moves = [p if isinstance(p, Health) else health(history, p, config) for p in points]
    entries = timeline_of(history, usage, signals, moment, config, days)
    advice = recommend(now, history, playbooks, config)
    return CustomerView(history, now, moves, entries, advice, whole)


def _stored_points(
    store: Store, customer_id: str, start: datetime, end: datetime
) -> list[Health | datetime]:
    """risk.health.replay's points (``start``, every week after it, ``end``), each the customer's latest
    stored evaluation in the week up to it, or the moment itself where there is none (no refresh ran in
    that week: recomputed, so the chart has its points whether the refresh ran regularly or not)."""
    return points_of(customer_id, evaluations(store, customer_id, start - STEP, end), start, end)


def points_of(
    customer_id: str, stored: list[Evaluation], start: datetime, end: datetime
) -> list[Health | datetime]:
    """``_stored_points`` from the evaluations ``stored`` (from the last one by ``start`` less a week, to
    ``end``, oldest first)."""
    points: list[Health | datetime] = []
    for at in replay_moments(start, end, STEP):
        known = [e for e in stored if at - STEP < e.as_of <= at]
        points.append(_evaluated(customer_id, known[-1]) if known else at)
    return points


def _timeline_signals(now: Health) -> list[RiskSignal]:
    """The stored evaluation's signals as the timeline shows them: those the history gave, without the
    health's own combination of them (``several_warnings``, in the breakdown)."""
    return [s for s in now.signals if s.kind != "several_warnings"]


def known_history(history: CustomerHistory | None, customer_id: str) -> CustomerHistory:
    if history is None:
        raise NotFound("customer", customer_id)
    return history


def replay_history(
    session: Session,
    config: RiskConfig,
    customer_id: str,
    moments: list[datetime],
    until: datetime,
) -> tuple[CustomerHistory, bool]:
    """The customer's history as an assessment at any of ``moments`` or at ``until`` (the latest) reads it:
    every interaction and the account data, and only the usage risk.window.Window reads at the earliest
    moment, then every event after it up to ``until`` (a later moment's window starts no earlier). With
    whether its usage is every event up to ``until`` (where the window would reach before the first)."""
    first = min([*moments, until])
    window = Window.for_config(config, first)
    reach = first - 2 * window.span  # the window's read starts at or before it
    began = first_usage_at(session, customer_id)
    whole = began is None or began > reach  # the window would read every event: read them plainly

    def usage(session: Session, ids: list[str]) -> dict[str, list[UsageFact]]:
        if whole:
            return usage_between(session, ids, reach, until)
        before, after = window.usage(session, ids), usage_between(session, ids, first, until)
        return {c: before.get(c, []) + after.get(c, []) for c in ids}

    found = read_histories(session, [customer_id], usage)
    return known_history(found[0] if found else None, customer_id), whole


def stored_health(store: Store, customer_id: str, moment: datetime) -> Health:
    """The customer's latest stored evaluation at or before ``moment`` (``unknown`` when none), as the stored
    at-risk list shows it."""
    return _stored(customer_health(store, customer_id, moment), moment)[1]


def _evaluated(customer_id: str, e: Evaluation) -> Health:
    band = cast(Band, e.band)
    return Health(customer_id, e.as_of, e.score, band, e.breakdown, [], [], e.raw_risk, e.churned)


@dataclass(frozen=True)
class StoredAccount:
    """A customer's page from stored state: the stored evaluation as the at-risk list's record (what the API
    serialises as it is) and the account data (its ``health`` None)."""

    health: RiskLine
    view: AccountView


def stored_account(store: Store, customer_id: str, moment: datetime) -> StoredAccount | None:
    """``GET /api/customers/{id}`` from stored state, in one transaction: the stored evaluation by ``moment``
    (models/risk_lines.py customer_line: its row and its signals), the account data with its surveys'
    tickets (models/history_repo.py account_read) and each contact's last login (one grouped query); None
    when the customer has no stored evaluation by then (their health is recomputed: api/service.py
    ``account_view``)."""
    with store.reads() as session:
        rated = customer_line(session, customer_id, moment)
        if rated is None or rated.score is None:
            return None
        found = account_read(session, customer_id)
        history = known_history(found.history if found else None, customer_id)
        contacts = contacts_in(session, history, moment)
    links = found.survey_links if found else {}  # found: known_history raised otherwise
    return StoredAccount(rated, account_view(history, links, None, moment, contacts))


def contacts_seen(store: Store, history: CustomerHistory, moment: datetime) -> list[ContactLine]:
    """``history``'s contacts with their last login by ``moment`` (api/account_view.py contact_lines), by
    one grouped query instead of a scan of their usage (which ``history`` may not hold)."""
    with store.reads() as session:
        return contacts_in(session, history, moment)


def contacts_in(session: Session, history: CustomerHistory, moment: datetime) -> list[ContactLine]:
    """``contacts_seen`` in the caller's transaction."""
    customer_id = history.customer_id
    return contact_lines_of(
        history.contacts,
        last_usage_by_user(session, customer_id, moment),
        lambda at: usage_at(session, customer_id, at),
    )
