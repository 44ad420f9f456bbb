"""Risk signals derived from a customer's history as of a moment: pure functions, nothing read after ``as_of``.

Conversations (this module):
    tags        one signal per interaction and label (its strongest customer tag): cancellation and export
                intent, competitor mentions, price objections, billing complaints (billing tags said with
                negative sentiment), ...; at the interaction's time. A label under ``positive.tags``
                (expansion_interest) gives points back instead
    sentiment   negative_sentiment: the customer's recent interactions mostly negative
    contact     contact_drop: the recent rate of interactions against the customer's own baseline rate (not
                while the no_contact silence fires: that covers it)
    tickets     ticket_rise: complaint tickets in the recent window against their baseline rate
    topics      topic_shift: recent tickets mostly about leaving (export, billing cycle, notice period: the
                configured tags and cue words) where earlier ones were how-to questions
Usage and silence: risk.activity. Payments, surveys, seats, purchases, lifecycle: risk.commercial. The
weighted-indicator model: risk.indicators.

Every explanation cites its evidence: the words and when they were said, or the numbers compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from models.clock import clock
from models.records import RiskSignal, label_name
from risk.activity import activity_signals
from risk.commercial import commercial_signals
from risk.config import RiskConfig, TagRule
from risk.history import CustomerHistory, InteractionFacts, TagFact
from risk.indicators import indicator_signals
from risk.kinds import signal

__all__ = ["derive_signals", "signal_key"]


def signal_key(signal: RiskSignal) -> str:
    """A signal's identity: the same evidence gives the same key (alerts are deduplicated on it)."""
    anchor = signal.interaction_id or signal.occurred_at.date().isoformat()
    return f"{signal.customer_id}:{signal.kind}:{anchor}"


def _at(seconds: float | None) -> str:
    return f", at {clock(seconds)}" if seconds is not None else ""


def _where(facts: InteractionFacts) -> str:
    return f'{facts.kind} "{facts.title}"' if facts.title else facts.kind


def _tag_rule(label: str, config: RiskConfig) -> TagRule | None:
    """The rule for a tag label: its risk weight, or (a positive label) its weight given back, as negative."""
    if label in config.positive.tags:
        return TagRule.model_construct(
            weight=-config.positive.tags[label], min_score=0.5, negative_only=False
        )
    return config.tags.get(label)


def _in_context(tag: TagFact, facts: InteractionFacts, rule: TagRule) -> tuple[float, str]:
    """What ``tag`` weighs in its conversation, and the words that say why: with ``alone_weight`` set, the full
    weight only when the customer said one of ``stronger_with`` in the same utterance."""
    if rule.alone_weight is None:
        return rule.weight, ""
    partner = next(
        (
            t
            for t in facts.tags
            if t.role != "rep"
            and t.utterance_index == tag.utterance_index
            and t.label in rule.stronger_with
        ),
        None,
    )
    if partner is not None:
        return (
            rule.weight,
            f', alongside {label_name(partner.label).lower()} ("{partner.evidence}")',
        )
    names = [label_name(label).lower() for label in rule.stronger_with]
    named = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    return rule.alone_weight, f", in passing (said with no {named})"


def _tag_signals(
    history: CustomerHistory, facts: InteractionFacts, config: RiskConfig
) -> list[RiskSignal]:
    best: dict[str, tuple[TagFact, float, str]] = {}
    for tag in facts.tags:
        rule = _tag_rule(tag.label, config)
        if rule is None or tag.role == "rep" or tag.score < rule.min_score:
            continue
        if rule.negative_only and tag.sentiment != "negative":
            continue
        weight, context = _in_context(tag, facts, rule)
        held = best.get(tag.label)
        if held is None or (abs(weight), tag.score) > (abs(held[1]), held[0].score):
            best[tag.label] = (tag, weight, context)
    signals = []
    for label, (tag, weight, context) in best.items():
        name = label_name(label) + (f" ({tag.entity})" if tag.entity else "")
        why = (
            f'{name} in {_where(facts)} on {facts.occurred_at:%Y-%m-%d}{_at(tag.start_s)}: "{tag.evidence}"'
            f'{context} (the customer said: "{tag.text}")'
        )
        signals.append(signal(history.customer_id, label, weight, facts.occurred_at, why, facts.id))
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
    history: CustomerHistory,
    seen: Sequence[InteractionFacts],
    as_of: datetime,
    config: RiskConfig,
    silent: bool,
) -> list[RiskSignal]:
    rule = config.contact
    if not seen or silent:
        return []
    recent, baseline = _rate_window(
        [f.occurred_at for f in seen], as_of, rule.recent_days, rule.baseline_days
    )
    if (
        baseline < rule.min_baseline
        or recent / rule.recent_days > rule.drop_ratio * baseline / rule.baseline_days
    ):
        return []
    why = (
        f"{recent} interactions in the last {rule.recent_days:.0f} days against {baseline} in the "
        f"{rule.baseline_days:.0f} days before ({recent / rule.recent_days * 30:.1f} vs "
        f"{baseline / rule.baseline_days * 30:.1f} a month)"
    )
    return [signal(history.customer_id, "contact_drop", rule.drop_weight, as_of, why)]


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


def _topic(facts: InteractionFacts, config: RiskConfig) -> tuple[bool, bool]:
    """(about leaving, a how-to question) for a ticket: its customer tags, title and tagged words."""
    rule = config.topics
    customer = [t for t in facts.tags if t.role != "rep"]
    text = " ".join([facts.title or "", *(t.text for t in customer)]).lower()
    leaving = any(t.label in rule.exit_tags for t in customer) or any(
        c in text for c in rule.exit_cues
    )
    return leaving, not leaving and any(c in text for c in rule.howto_cues)


def _topic_signal(
    history: CustomerHistory, seen: Sequence[InteractionFacts], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule = config.topics
    start = as_of - timedelta(days=rule.recent_days)
    tickets = [(f, *_topic(f, config)) for f in seen if f.kind == "ticket"]
    recent = [t for t in tickets if t[0].occurred_at > start]
    earlier = [t for t in tickets if t[0].occurred_at <= start]
    leaving = [f for f, exit_, _ in recent if exit_]
    before_howto = sum(h for _, _, h in earlier)
    before_exit = sum(e for _, e, _ in earlier)
    if len(recent) < rule.min_recent or len(leaving) < rule.min_leaving:
        return []
    if len(leaving) / len(recent) < rule.exit_share:
        return []
    if before_howto <= before_exit:
        return []  # no shift: they were not asking how-to questions before
    titles = "; ".join(f'"{f.title or f.kind}" ({f.occurred_at:%Y-%m-%d})' for f in leaving[:3])
    why = (
        f"Tickets turned from how-to questions ({before_howto} of {len(earlier)} before) to leaving "
        f"questions ({len(leaving)} of {len(recent)} in the last {rule.recent_days:.0f} days: {titles})"
    )
    last = leaving[-1]
    return [signal(history.customer_id, "topic_shift", rule.weight, last.occurred_at, why, last.id)]


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
    signals += activity_signals(history, as_of, config)
    silent = any(s.kind == "no_contact" for s in signals)
    signals += _contact_signals(history, seen, as_of, config, silent)
    signals += _topic_signal(history, seen, as_of, config)
    signals += commercial_signals(history, as_of, config) + indicator_signals(
        history, as_of, config
    )
    return sorted(signals, key=lambda s: (s.occurred_at, s.kind))
