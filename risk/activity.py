"""Signals from product usage and silence: pure functions of a history as of a moment.

    no_login                no login for silence.login.days; its points grow while the silence lasts
    no_contact              no call or ticket for silence.interaction.days (from the account's start date, or
                            its first event of any kind, for a customer who never had one); grows the same way
    usage_drop:<kind>       a usage kind's recent rate against its baseline, or against its last active period
                            once the baseline is empty; points rise from almost none at the threshold's drop
                            to the full weight at -100%; not when chance explains the fall (usage.max_chance)
    key_person_inactive:<role>  a decision-maker, admin or champion (a contact, or ``properties.role`` on
                            their events) who was active before and has not been seen for key_people.days (or
                            cadence_factor times their usual gap between visits, if longer), a gap their own
                            rate of visits (over lookback_days up to their last visit, and the gap) explains
                            at most max_chance of the time (a rare visitor's long gap is their rhythm); one
                            kind per role,
                            so that the decision-maker and the admin gone quiet are two pieces of evidence,
                            not one seen twice (two admins of one customer still are)
    core_feature_abandoned  a core feature's use stopping or falling steeply while logins hold, by more than
                            chance explains (core_feature_drop.max_chance: a sparse feature's quiet month is
                            no evidence)
    cancel_page_visit       a visit to a cancel page (pages.cancel_patterns) in the last pages.days

Silence signals are dated ``as_of``: they describe the present and never decay while the silence goes on.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from models.accounts import KEY_ROLES
from models.records import RiskSignal
from risk.config import RiskConfig, Silence
from risk.history import CustomerHistory, UsageFact
from risk.kinds import signal

__all__ = [
    "activity_signals",
    "first_event",
    "matches",
    "poisson_cdf",
    "silence_points",
    "usage_until",
]

DAY = 86400.0


def usage_until(history: CustomerHistory, as_of: datetime) -> list[UsageFact]:
    """The usage events at or before ``as_of`` (the history holds them in time order)."""
    return list(history.usage[: bisect_right(history.usage, as_of, key=lambda u: u.at)])


def since(usage: list[UsageFact], start: datetime) -> list[UsageFact]:
    """The events after ``start`` of a time-ordered list."""
    return usage[bisect_right(usage, start, key=lambda u: u.at) :]


def matches(value: object, patterns: Sequence[str]) -> bool:
    text = str(value or "").lower()
    return bool(text) and any(p.lower() in text for p in patterns)


def silence_points(rule: Silence, quiet_days: float, usual_gap: float = 0.0) -> float:
    """The points of a silence of ``quiet_days`` (0 below ``rule.days``, or below ``rule.cadence_factor``
    times the customer's ``usual_gap`` when that is longer): they grow, then hold at the cap."""
    start = max(rule.days, rule.cadence_factor * usual_gap)
    if quiet_days < start:
        return 0.0
    return min(rule.max_weight, rule.weight + rule.per_day * (quiet_days - start))


def poisson_cdf(count: int, expected: float) -> float:
    """The chance of at most ``count`` events where ``expected`` were expected (a Poisson count)."""
    term = total = math.exp(-expected)
    for n in range(1, count + 1):
        term *= expected / n
        total += term
    return min(1.0, total)


def first_event(history: CustomerHistory, as_of: datetime) -> tuple[datetime, str] | None:
    """Where a customer's record starts: the account's start date, else its first dated fact of any kind."""
    account = history.account
    if account and account.start_date:
        start = datetime.combine(account.start_date, time(), UTC)
        if start <= as_of:
            return start, f"the account started on {account.start_date:%Y-%m-%d}"
    moments = [u.at for u in history.usage[:1]] + [i.issued_at for i in history.invoices[:1]]
    moments += [c.occurred_at for c in history.commercial[:1]] + [
        s.responded_at for s in history.surveys[:1]
    ]
    moments = [m for m in moments if m <= as_of]
    return (min(moments), f"its first record on {min(moments):%Y-%m-%d}") if moments else None


def _login_silence(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    logins = [u.at for u in usage if u.kind == "login"]
    if not logins:
        return []
    quiet = (as_of - logins[-1]).total_seconds() / DAY
    points = silence_points(config.silence["login"], quiet)
    if not points:
        return []
    why = f"No login for {quiet:.0f} days (the last on {logins[-1]:%Y-%m-%d}); it grows while the silence lasts"
    return [signal(history.customer_id, "no_login", points, as_of, why)]


def _interaction_silence(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    seen = [f for f in history.interactions if f.occurred_at <= as_of]
    rule, gap = config.silence["interaction"], 0.0
    if seen:
        since, what = (
            seen[-1].occurred_at,
            f"the last: {seen[-1].kind} on {seen[-1].occurred_at:%Y-%m-%d}",
        )
        gap = _usual_gap([f.occurred_at for f in seen], days=365)
    else:
        start = first_event(history, as_of)
        if start is None:
            return []
        since, what = start[0], f"never one since {start[1]}"
    quiet = (as_of - since).total_seconds() / DAY
    points = silence_points(rule, quiet, gap)
    if not points:
        return []
    usual = (
        f"; past {rule.cadence_factor:g} times their usual {gap:.0f} days between them"
        if rule.cadence_factor * gap > rule.days
        else ""
    )
    why = (
        f"No call or ticket for {quiet:.0f} days ({what}{usual}); it grows while the silence lasts"
    )
    return [signal(history.customer_id, "no_contact", points, as_of, why)]


def _count(times: Sequence[datetime], start: datetime, end: datetime) -> int:
    """How many of the time-ordered ``times`` lie in (start, end]."""
    return max(0, bisect_right(times, end) - bisect_right(times, start))


def _baseline(
    times: Sequence[datetime],
    recent_start: datetime,
    days: float,
    minimum: int,
    quiet: bool = False,
) -> tuple[int, datetime, str] | None:
    """The baseline window before ``recent_start``, or the last active period when that window is too thin."""
    start = recent_start - timedelta(days=days)
    count = _count(times, start, recent_start)
    if count >= minimum and not quiet:
        return count, recent_start, f"the {days:.0f} days before"
    if count >= minimum:
        active = f"the {days:.0f} days up to {recent_start:%Y-%m-%d} (its last active period)"
        return count, recent_start, active
    before = bisect_right(times, start)
    if not before:
        return None
    end = times[before - 1]
    count = _count(times, end - timedelta(days=days), end)
    if count < minimum:
        return None
    return count, end, f"the {days:.0f} days up to {end:%Y-%m-%d} (its last active period)"


def _usage_drops(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule, signals = config.usage, []
    recent_start = as_of - timedelta(days=rule.recent_days)
    for kind, weight in rule.kinds.items():
        times = [u.at for u in usage if u.kind == kind]
        # the baseline ends where the last recent_days of activity begin: while a silence lasts it stays put
        # (a sliding one could shrink the drop as the silence grows)
        anchor = (
            min(recent_start, times[-1] - timedelta(days=rule.recent_days))
            if times
            else recent_start
        )
        quiet = anchor < recent_start
        base = _baseline(times, anchor, rule.baseline_days, rule.min_baseline_events, quiet)
        if base is None:
            continue
        recent = _count(times, recent_start, as_of)
        recent_rate, base_rate = recent / rule.recent_days, base[0] / rule.baseline_days
        if recent_rate > rule.drop_ratio * base_rate:
            continue
        if poisson_cdf(recent, base_rate * rule.recent_days) > rule.max_chance:
            continue  # a few events fewer than a sparse baseline: chance explains it
        drop = 1 - recent_rate / base_rate
        why = (
            f"{kind} events fell to {recent_rate * 7:.1f} a week over the last {rule.recent_days:.0f} days "
            f"from {base_rate * 7:.1f} a week over {base[2]} ({-drop:+.0%})"
        )
        # no points at the threshold's drop, the full weight at -100%: a dip costs little, a collapse all of it
        share = (drop - (1 - rule.drop_ratio)) / rule.drop_ratio
        points = weight * max(0.05, share)
        signals.append(signal(history.customer_id, f"usage_drop:{kind}", points, as_of, why))
    return signals


def _key_people(history: CustomerHistory, usage: list[UsageFact]) -> dict[str, tuple[str, str]]:
    """user -> (role, name) for every key person: contacts with a key role, and users whose events say one."""
    people: dict[str, tuple[str, str]] = {
        c.user: (c.role, c.name or c.user) for c in history.contacts if c.role in KEY_ROLES
    }
    for event in usage:
        if "role" in event.properties:
            user, role = event.properties.get("user"), event.properties["role"]
            if isinstance(user, str) and role in KEY_ROLES and user not in people:
                people[user] = (str(role), user)
    return people


def _usual_gap(visits: list[datetime], days: float = 90) -> float:
    """A person's mean gap in days between the days they were seen, over the ``days`` before their last visit."""
    start = visits[-1] - timedelta(days=days)
    seen_days = sorted({v.date() for v in visits if v > start})
    if len(seen_days) < 2:
        return 0.0
    return (seen_days[-1] - seen_days[0]).days / (len(seen_days) - 1)


def _quiet_chance(
    visits: list[datetime], quiet: float, lookback: float
) -> tuple[float, int, float]:
    """The chance that a person keeps to their rate and still stays away ``quiet`` days: the days they were
    seen in the ``lookback`` days up to their last visit, over that span and the silence (if nothing changed,
    the silence is part of their rhythm; so a longer silence never makes the chance larger); with the days
    seen and the span before the silence."""
    last = visits[-1]
    span = min(lookback, (last - visits[0]).total_seconds() / DAY)
    days_seen = len({v.date() for v in visits if (last - v).total_seconds() / DAY <= lookback})
    return math.exp(-days_seen * quiet / (span + quiet)), days_seen, span


def _key_person_signals(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule, signals = config.key_people, []
    people = _key_people(history, usage)
    if not people:
        return []
    visits: dict[str, list[datetime]] = {}
    for event in usage:
        user = event.properties.get("user")
        if user in people:
            visits.setdefault(user, []).append(event.at)
    for user, (role, name) in sorted(people.items()):
        seen = visits.get(user, [])
        weight = rule.roles.get(role)
        if not seen or weight is None:
            continue  # never active: nothing went quiet
        quiet = (as_of - seen[-1]).total_seconds() / DAY
        if quiet < max(rule.days, rule.cadence_factor * _usual_gap(seen)):
            continue
        chance, days_seen, span = _quiet_chance(seen, quiet, rule.lookback_days)
        if chance > rule.max_chance:
            continue  # a rare visitor's long gap: their own rhythm explains it
        who = f"{role.replace('_', '-')} {name}" + (f" ({user})" if name != user else "")
        why = f"The {who} has not logged in for {quiet:.0f} days (last seen {seen[-1]:%Y-%m-%d})"
        if rule.max_chance < 1:
            why += (
                f"; seen on {days_seen} days in the {span:.0f} before, a gap this long by chance: "
                f"{chance:.2%}"
            )
            kind = f"key_person_inactive:{role}"
            signals.append(signal(history.customer_id, kind, weight, as_of, why))
    return signals


def _core_feature_signals(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule, signals = config.core_feature_drop, []
    recent_start = as_of - timedelta(days=rule.recent_days)
    base_start = recent_start - timedelta(days=rule.baseline_days)
    usage = since(usage, base_start)
    logins = [u.at for u in usage if u.kind == "login"]
    login_base = _count(logins, base_start, recent_start) / rule.baseline_days
    login_recent = _count(logins, recent_start, as_of) / rule.recent_days
    if login_base == 0 or login_recent < rule.activity_ratio * login_base:
        return []  # overall activity fell too: usage_drop and silence speak for that
    for feature in config.core_features:
        times = [
            u.at
            for u in usage
            if u.kind == "feature_used" and u.properties.get("feature") == feature
        ]
        baseline = _count(times, base_start, recent_start)
        recent = _count(times, recent_start, as_of)
        rate, base_rate = recent / rule.recent_days, baseline / rule.baseline_days
        if baseline < rule.min_baseline_events or rate > rule.drop_ratio * base_rate:
            continue
        # each core feature is one more test: the chance that any of them falls this far is what counts
        chance = 1 - (1 - poisson_cdf(recent, base_rate * rule.recent_days)) ** len(
            config.core_features
        )
        if chance > rule.max_chance:
            continue  # a sparse feature's quiet month: a fall this size happens by chance
        why = (
            f"Core feature {feature!r} fell to {rate * 7:.1f} uses a week over the last {rule.recent_days:.0f} "
            f"days from {base_rate * 7:.1f} before, while logins held ({login_recent * 7:.1f} vs "
            f"{login_base * 7:.1f} a week); a fall this steep in one of the {len(config.core_features)} core "
            f"features by chance: {chance:.1%}"
        )
        signals.append(
            signal(history.customer_id, "core_feature_abandoned", rule.weight, as_of, why)
        )
    return signals


def _cancel_page_signals(
    history: CustomerHistory, usage: list[UsageFact], as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule = config.pages
    since = as_of - timedelta(days=rule.days)
    return [
        signal(
            history.customer_id,
            "cancel_page_visit",
            rule.cancel_weight,
            u.at,
            f"Visited the page {u.properties.get('page')!r} on {u.at:%Y-%m-%d}"
            + (f" (user {u.properties['user']})" if u.properties.get("user") else ""),
        )
        for u in usage
        if u.kind == "page_visit"
        and u.at > since
        and matches(u.properties.get("page"), rule.cancel_patterns)
    ]


def activity_signals(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    usage = usage_until(history, as_of)
    return [
        *_login_silence(history, usage, as_of, config),
        *_interaction_silence(history, as_of, config),
        *_usage_drops(history, usage, as_of, config),
        *_key_person_signals(history, usage, as_of, config),
        *_core_feature_signals(history, usage, as_of, config),
        *_cancel_page_signals(history, usage, as_of, config),
    ]
