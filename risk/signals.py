"""Risk signals derived from a customer's history as of a moment: pure functions, nothing read after ``as_of``.

    tags        one signal per interaction and label (its strongest customer tag): cancellation and export
                intent, competitor mentions, price objections, billing complaints (billing tags said with
                negative sentiment); at the interaction's time
    sentiment   negative_sentiment: the customer's recent interactions mostly negative
    contact     no_contact: no call or ticket for silence_days; contact_drop: the recent rate of interactions
                against the customer's own baseline rate
    tickets     ticket_rise: complaint tickets (a negative customer message, or a risk tag) in the recent
                window against their baseline rate
    usage       usage_drop:<kind>: a usage kind's recent daily rate against its trailing baseline

Every explanation cites its evidence: the words and when they were said, or the numbers compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from models.clock import clock
from models.records import RiskSignal, label_name
from risk.config import RiskConfig
from risk.history import CustomerHistory, InteractionFacts, TagFact

__all__ = ["derive_signals", "signal_key"]


def signal_key(signal: RiskSignal) -> str:
    """A signal's identity: the same evidence gives the same key (alerts are deduplicated on it)."""
    anchor = signal.interaction_id or signal.occurred_at.date().isoformat()
    return f"{signal.customer_id}:{signal.kind}:{anchor}"


def _at(seconds: float | None) -> str:
    return f", at {clock(seconds)}" if seconds is not None else ""


def _where(facts: InteractionFacts) -> str:
    return f'{facts.kind} "{facts.title}"' if facts.title else facts.kind


def _tag_signals(
    history: CustomerHistory, facts: InteractionFacts, config: RiskConfig
) -> list[RiskSignal]:
    best: dict[str, TagFact] = {}
    for tag in facts.tags:
        rule = config.tags.get(tag.label)
        if rule is None or tag.role == "rep" or tag.score < rule.min_score:
            continue
        if rule.negative_only and tag.sentiment != "negative":
            continue
        if tag.label not in best or tag.score > best[tag.label].score:
            best[tag.label] = tag
    signals = []
    for label, tag in best.items():
        name = label_name(label) + (f" ({tag.entity})" if tag.entity else "")
        where = _where(facts)
        signals.append(
            RiskSignal(
                customer_id=history.customer_id,
                interaction_id=facts.id,
                kind=label,
                weight=config.tags[label].weight,
                occurred_at=facts.occurred_at,
                explanation=f'{name} in {where} on {facts.occurred_at:%Y-%m-%d}{_at(tag.start_s)}: "{tag.evidence}" '
                f'(the customer said: "{tag.text}")',
            )
        )
    return signals


def _sentiment_signal(
    history: CustomerHistory, seen: Sequence[InteractionFacts], config: RiskConfig
) -> RiskSignal | None:
    rule = config.sentiment
    recent = [f for f in seen if f.customer_sentiments][-rule.window :]
    if len(recent) < rule.min_interactions:
        return None
    labels = [label for f in recent for label in f.customer_sentiments]
    share = sum(label == "negative" for label in labels) / len(labels)
    if share < rule.negative_share:
        return None
    return RiskSignal(
        customer_id=history.customer_id,
        kind="negative_sentiment",
        weight=rule.weight,
        occurred_at=recent[-1].occurred_at,
        explanation=f"{share:.0%} of the customer's {len(labels)} utterances in their last {len(recent)} interactions "
        f"({recent[0].occurred_at:%Y-%m-%d} to {recent[-1].occurred_at:%Y-%m-%d}) were negative",
    )


def _rate_window(
    times: Sequence[datetime], as_of: datetime, recent_days: float, baseline_days: float
) -> tuple[int, int]:
    recent_start = as_of - timedelta(days=recent_days)
    baseline_start = recent_start - timedelta(days=baseline_days)
    recent = sum(recent_start < t <= as_of for t in times)
    baseline = sum(baseline_start < t <= recent_start for t in times)
    return recent, baseline


def _contact_signals(
    history: CustomerHistory, seen: Sequence[InteractionFacts], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule, signals = config.contact, []
    if not seen:
        return []
    last = seen[-1]
    quiet = (as_of - last.occurred_at).total_seconds() / 86400
    if quiet >= rule.silence_days:
        signals.append(
            RiskSignal(
                customer_id=history.customer_id,
                kind="no_contact",
                weight=rule.silence_weight,
                occurred_at=last.occurred_at + timedelta(days=rule.silence_days),
                explanation=f"No call or ticket for {quiet:.0f} days (the last: {_where(last)} on {last.occurred_at:%Y-%m-%d})",
            )
        )
    recent, baseline = _rate_window(
        [f.occurred_at for f in seen], as_of, rule.recent_days, rule.baseline_days
    )
    if (
        baseline >= rule.min_baseline
        and recent / rule.recent_days <= rule.drop_ratio * baseline / rule.baseline_days
    ):
        signals.append(
            RiskSignal(
                customer_id=history.customer_id,
                kind="contact_drop",
                weight=rule.drop_weight,
                occurred_at=as_of,
                explanation=f"{recent} interactions in the last {rule.recent_days:.0f} days against {baseline} in the "
                f"{rule.baseline_days:.0f} days before ({recent / rule.recent_days * 30:.1f} vs "
                f"{baseline / rule.baseline_days * 30:.1f} a month)",
            )
        )
    return signals


def _complaint(facts: InteractionFacts, config: RiskConfig) -> bool:
    return "negative" in facts.customer_sentiments or any(
        t.role != "rep" and t.label in config.tags for t in facts.tags
    )


def _ticket_signal(
    history: CustomerHistory, seen: Sequence[InteractionFacts], as_of: datetime, config: RiskConfig
) -> RiskSignal | None:
    rule = config.tickets
    complaints = [f.occurred_at for f in seen if f.kind == "ticket" and _complaint(f, config)]
    recent, baseline = _rate_window(complaints, as_of, rule.recent_days, rule.baseline_days)
    if (
        recent < rule.min_recent
        or recent / rule.recent_days < rule.rise_ratio * baseline / rule.baseline_days
    ):
        return None
    before = f"{baseline or 'none'} in the {rule.baseline_days:.0f} days before"
    return RiskSignal(
        customer_id=history.customer_id,
        kind="ticket_rise",
        weight=rule.weight,
        occurred_at=as_of,
        explanation=f"{recent} complaint tickets in the last {rule.recent_days:.0f} days against {before}",
    )


def _usage_signals(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule, signals = config.usage, []
    for kind, weight in config.usage.kinds.items():
        times = [u.at for u in history.usage if u.kind == kind and u.at <= as_of]
        recent, baseline = _rate_window(times, as_of, rule.recent_days, rule.baseline_days)
        if baseline < rule.min_baseline_events:
            continue
        recent_rate, baseline_rate = recent / rule.recent_days, baseline / rule.baseline_days
        if recent_rate > rule.drop_ratio * baseline_rate:
            continue
        signals.append(
            RiskSignal(
                customer_id=history.customer_id,
                kind=f"usage_drop:{kind}",
                weight=weight,
                occurred_at=as_of,
                explanation=f"{kind} events fell to {recent_rate * 7:.1f} a week over the last {rule.recent_days:.0f} days "
                f"from {baseline_rate * 7:.1f} a week over the {rule.baseline_days:.0f} days before "
                f"({recent_rate / baseline_rate - 1:+.0%})",
            )
        )
    return signals


def derive_signals(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    """Every signal the history supports as of ``as_of`` (later data is ignored), oldest first."""
    seen = [f for f in history.interactions if f.occurred_at <= as_of]
    signals = [s for facts in seen for s in _tag_signals(history, facts, config)]
    signals += [
        s
        for s in (
            _sentiment_signal(history, seen, config),
            _ticket_signal(history, seen, as_of, config),
        )
        if s
    ]
    signals += _contact_signals(history, seen, as_of, config) + _usage_signals(
        history, as_of, config
    )
    return sorted(signals, key=lambda s: (s.occurred_at, s.kind))
