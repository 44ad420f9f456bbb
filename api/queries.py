"""Reads shared by the JSON API and the dashboard: the filtered flagged queue, customers' health, one customer.

Both front ends call these, so a filter or a health figure means the same thing on a page and in a response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from api.auth import ApiToken
from models.errors import Forbidden, NotFound
from models.records import Interaction
from models.store import Store, StoredInteraction
from risk.config import RiskConfig
from risk.health import Health, at_risk, health, replay
from risk.history import CustomerHistory, load_histories, load_history
from risk.playbooks import Recommendation, configured_playbooks, recommend
from risk.timeline import TimelineEntry, timeline

if TYPE_CHECKING:
    from api.service import Callintel

__all__ = [
    "CustomerView",
    "customer_view",
    "customers_by_risk",
    "public_interaction",
    "readable_interaction",
    "rep_scope",
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


def customers_by_risk(
    store: Store, moment: datetime, config: RiskConfig
) -> list[tuple[CustomerHistory, Health]]:
    """The customers at risk at ``moment``, riskiest first (risk.health.at_risk: by band, then ARR, then raw
    risk); churned customers are outcomes and left out."""
    return at_risk((h, health(h, moment, config)) for h in load_histories(store))


@dataclass(frozen=True)
class CustomerView:
    history: CustomerHistory
    health: Health
    replay: list[Health]
    timeline: list[TimelineEntry]
    recommendation: Recommendation | None = None  # the playbooks' intervention for the health now


def customer_view(
    store: Store, config: RiskConfig, customer_id: str, moment: datetime, days: int
) -> CustomerView:
    """One customer's health now, weekly health over ``days`` and the timeline of those days."""
    history = load_history(store, customer_id)
    if history is None:
        raise NotFound("customer", customer_id)
    now = health(history, moment, config)
    return CustomerView(
        history,
        now,
        replay(history, moment - timedelta(days=days), moment, config),
        timeline(history, moment, config, days),
        recommend(now, history, configured_playbooks(config), config),
    )
