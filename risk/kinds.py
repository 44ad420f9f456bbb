"""The signal kinds the engine derives, grouped the way the score and the playbooks read them.

    indicators    the weighted-indicator model's shortfalls (dated as_of: the state now, never decayed)
    positive      signals that give points back (their weight is negative)
    events        every other risk signal: conversations, silence, usage, payments, surveys, lifecycle

A kind with a suffix (``usage_drop:login``) belongs to its family (``usage_drop``): one playbook, one kind in
the combination count.
"""

from __future__ import annotations

from datetime import datetime

from models.records import RiskSignal
from risk.config import RiskConfig

__all__ = [
    "EVENT_KINDS",
    "INDICATOR_KINDS",
    "POSITIVE_KINDS",
    "family",
    "is_positive",
    "known_kinds",
    "signal",
]

INDICATOR_KINDS: tuple[str, ...] = (
    "login_frequency",
    "core_feature_depth",
    "ticket_sentiment",
    "feature_adoption",
    "page_visits",
)
POSITIVE_KINDS: tuple[str, ...] = ("promoter_nps", "deep_core_use")
EVENT_KINDS: tuple[str, ...] = (
    "negative_sentiment",
    "no_contact",
    "contact_drop",
    "ticket_rise",
    "topic_shift",
    "no_login",
    "usage_drop",
    "key_person_inactive",
    "core_feature_abandoned",
    "cancel_page_visit",
    "payment_failed",
    "late_payment",
    "overdue_payment",
    "nps_detractor",
    "nps_falling",
    "csat_falling",
    "seat_reduction",
    "purchase_slowdown",
    "cancel_requested",
    "several_warnings",
)


def family(kind: str) -> str:
    """``usage_drop:login`` -> ``usage_drop``; any other kind is its own family."""
    return kind.split(":", 1)[0]


def is_positive(kind: str, config: RiskConfig) -> bool:
    return kind in POSITIVE_KINDS or kind in config.positive.tags


def known_kinds(config: RiskConfig) -> frozenset[str]:
    """Every signal family ``config`` can give rise to (the playbooks must cover each)."""
    return frozenset(
        (*INDICATOR_KINDS, *POSITIVE_KINDS, *EVENT_KINDS, *config.tags, *config.positive.tags)
    )


def signal(
    customer_id: str,
    kind: str,
    weight: float,
    at: datetime,
    explanation: str,
    interaction_id: str | None = None,
) -> RiskSignal:
    return RiskSignal(
        customer_id=customer_id,
        interaction_id=interaction_id,
        kind=kind,
        weight=round(weight, 2),
        occurred_at=at,
        explanation=explanation,
    )
