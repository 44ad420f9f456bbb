"""The seed's weighted-indicator model: five indicators, each earning full, half or no credit.

    login_frequency      logins per active user per week (active users: the distinct ``properties.user`` of
                         the window's logins, at least one)
    core_feature_depth   the share of ``core_features`` used in the window (measured once the customer has
                         used one of them: other feature names mean another product's configuration)
    ticket_sentiment     the share of negative customer utterances in the window's tickets
    feature_adoption     the share of ``new_features`` tried in the window
    page_visits          pricing or cancel page visits (``pages.patterns``) in the window

An indicator that misses credit is a signal of its own kind, dated ``as_of``, taking off its weight times the
credit missed; its explanation gives the figure and the thresholds. An indicator is only measured when its
source exists for the customer (they send logins, feature events, page visits; they have had tickets), over
its window or, for a newer customer, since their first usage event (first interaction, for tickets) when
that is at least ``indicators.min_days`` ago, and when its window holds at least the indicator's
``min_events`` (core-feature depth is not judged on a handful of feature uses); one not measured takes
nothing off. That count is also taken over the window that ends at the source's last event for the
customer (their last usage event, their last ticket): a customer who falls silent after being judged stays
judged as their figures fall, so a longer silence never lifts the health by dropping an indicator that was
taking points off. ``deep_core_use`` (positive): every core feature in use, at least
``positive.deep_per_user_week`` times per active user a week.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from models.records import RiskSignal
from risk.activity import matches, since, usage_until
from risk.config import Indicator, RiskConfig
from risk.history import CustomerHistory, UsageFact
from risk.kinds import signal

__all__ = ["credit", "indicator_signals"]

DAY = 86400.0
# the figure, what it is in words, and how many events it stands on
Measure = tuple[float, str, int]


def credit(rule: Indicator, value: float) -> float:
    """1 (full), 0.5 (half) or 0 (none) for ``value``."""
    if rule.better == "higher":
        return 1.0 if value > rule.full else 0.5 if value >= rule.half else 0.0
    return 1.0 if value <= rule.full else 0.5 if value <= rule.half else 0.0


def _span(
    first: datetime | None, as_of: datetime, rule: Indicator, min_days: float
) -> float | None:
    """The days the indicator is measured over: its window, or less for a newer customer; None when too new."""
    if first is None:
        return None
    days = min(rule.window_days, (as_of - first).total_seconds() / DAY)
    return days if days >= min_days else None


def _window(usage: list[UsageFact], as_of: datetime, days: float) -> list[UsageFact]:
    return since(usage, as_of - timedelta(days=days))


def _features(usage: list[UsageFact]) -> list[UsageFact]:
    return [u for u in usage if u.kind == "feature_used" and u.properties.get("feature")]


def _users(events: list[UsageFact]) -> int:
    return max(
        1, len({u.properties["user"] for u in events if isinstance(u.properties.get("user"), str)})
    )


def _logins(usage: list[UsageFact], as_of: datetime, days: float) -> Measure:
    logins = [u for u in _window(usage, as_of, days) if u.kind == "login"]
    users = _users(logins)
    rate = len(logins) / users / (days / 7)
    why = f"{rate:.1f} logins per active user a week ({len(logins)} logins, {users} user(s))"
    return rate, why, len(logins)


def _share(names: list[str], usage: list[UsageFact], as_of: datetime, days: float) -> Measure:
    events = _features(_window(usage, as_of, days))
    used = {u.properties.get("feature") for u in events}
    hit = [n for n in names if n in used]
    missing = [n for n in names if n not in used]
    why = f"{len(hit)} of {len(names)} used in {len(events)} feature uses" + (
        f" (not: {', '.join(missing)})" if missing else ""
    )
    return len(hit) / len(names), why, len(events)


def _tickets(history: CustomerHistory, as_of: datetime, days: float) -> Measure:
    start = as_of - timedelta(days=days)
    tickets = [
        f for f in history.interactions if f.kind == "ticket" and start < f.occurred_at <= as_of
    ]
    labels = [label for f in tickets for label in f.customer_sentiments]
    share = sum(label == "negative" for label in labels) / len(labels) if labels else 0.0
    return (
        share,
        f"{share:.0%} negative customer utterances in {len(tickets)} ticket(s)",
        len(labels),
    )


def _pages(usage: list[UsageFact], as_of: datetime, days: float, config: RiskConfig) -> Measure:
    visits = [
        u.properties.get("page")
        for u in _window(usage, as_of, days)
        if u.kind == "page_visit" and matches(u.properties.get("page"), config.pages.patterns)
    ]
    pages = f" ({', '.join(sorted({str(p) for p in visits}))})" if visits else ""
    return len(visits), f"{len(visits)} pricing/cancel page visit(s){pages}", len(visits)


Source = (
    tuple[datetime, datetime] | None
)  # a customer's first and last event of an indicator's source


def _sources(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> dict[str, Source]:
    """When each source starts and ends for this customer (None: they never sent it)."""
    tickets = [
        f.occurred_at for f in history.interactions if f.kind == "ticket" and f.occurred_at <= as_of
    ]
    core, features = set(config.core_features), _features(usage)
    span = (usage[0].at, usage[-1].at) if usage else None  # when the customer sent usage events
    return {
        "login": span if any(u.kind == "login" for u in usage) else None,
        "feature": span if features else None,
        "core": span if any(u.properties.get("feature") in core for u in features) else None,
        "ticket": (tickets[0], tickets[-1]) if tickets else None,
        "page": span if any(u.kind == "page_visit" for u in usage) else None,
    }


def _measures(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> list[tuple[str, Source, Callable[[datetime, float], Measure]]]:
    """Each indicator: its name, its source's first and last event for this customer, and how to measure it
    over the N days up to a moment."""
    sources = _sources(history, usage, as_of, config)
    return [
        ("login_frequency", sources["login"], lambda at, d: _logins(usage, at, d)),
        ("core_feature_depth", sources["core"],
         lambda at, d: _share(config.core_features, usage, at, d)),
        ("ticket_sentiment", sources["ticket"], lambda at, d: _tickets(history, at, d)),
        ("feature_adoption", sources["feature"] if config.new_features else None,
         lambda at, d: _share(config.new_features, usage, at, d)),
        ("page_visits", sources["page"], lambda at, d: _pages(usage, at, d, config)),
    ]  # fmt: skip


def _describe(name: str, rule: Indicator, figure: str, days: float, got: float) -> str:
    level = {1.0: "full", 0.5: "half", 0.0: "no"}[got]
    word = "above" if rule.better == "higher" else "at most"
    half = "from" if rule.better == "higher" else "at most"
    return (
        f"{name.replace('_', ' ').capitalize()}: {figure} over the last {days:.0f} days: {level} credit "
        f"(full {word} {rule.full:g}, half {half} {rule.half:g}; weight {rule.weight:g})"
    )


def _deep_use(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    days = config.indicators.core_feature_depth.window_days
    recent = _window(usage, as_of, days)
    core = [u for u in _features(recent) if u.properties.get("feature") in config.core_features]
    if not config.core_features or {u.properties.get("feature") for u in core} != set(
        config.core_features
    ):
        return []
    rate = len(core) / _users([u for u in recent if u.kind == "login"] or core) / (days / 7)
    if rate < config.positive.deep_per_user_week:
        return []
    why = f"Deep core-feature use: all {len(config.core_features)} core features, {rate:.1f} uses per active user a week"
    return [
        signal(history.customer_id, "deep_core_use", -config.positive.deep_core_use, as_of, why)
    ]


def indicator_signals(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    """The indicators that miss credit, as signals (and deep core-feature use, a positive one)."""
    usage, rules, out = usage_until(history, as_of), config.indicators, []
    for name, source, measure in _measures(history, usage, as_of, config):
        rule: Indicator = getattr(rules, name)
        days = _span(source[0] if source else None, as_of, rule, rules.min_days)
        if source is None or days is None:
            continue
        value, figure, events = measure(as_of, days)
        # counted up to the source's last event too: a customer who falls silent stays judged
        if events < rule.min_events and measure(source[1], days)[2] < rule.min_events:
            continue  # too little to judge by (silence and usage drops speak for a quiet customer)
        got = credit(rule, value)
        if got < 1:
            why = _describe(name, rule, figure, days, got)
            out.append(signal(history.customer_id, name, rule.weight * (1 - got), as_of, why))
    return out + _deep_use(history, usage, as_of, config)
