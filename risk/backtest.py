"""The backtest: replay every customer weekly and measure the warnings against the recorded churn outcomes.

Pure: histories in, a ``BacktestResult`` out. A *judge* says, for one customer at one moment, whether it is red
and which signal kinds fired (``engine_judge`` wraps ``risk.health.health``; bench/risk_backtest.py adds simple
baselines). The measures, with H the horizon and [from, to] the replay window:

- **Churn outcome.** A customer churned at d when its account's status is ``churned`` with ``status_at`` = d.
  *Churners* are those with from < d <= to; a customer that churned at or before ``from`` (or is ``churned``
  with no date) is out of scope. Every other customer with at least one replay moment is a *non-churner*.
- **Replay moments.** from, from + 7 days, ... up to ``to``, and strictly before the churn date: a customer is
  never judged on or after the day it left. At each moment the judge sees the history *as of* that moment
  (``history_as_of``): nothing that happened later, invoices not yet paid shown unpaid (and, since failed
  payment attempts carry no date, none counted before the invoice's due date), and an account status set
  later shown as ``active``.
- **Caught churner.** Red at some replay moment in [d - H, d). Its *lead time* is d minus the earliest such
  moment (so at most H). **Recall** = caught churners / churners. **Median lead time** over the caught.
- **False alarm.** A red moment t is false when the customer did not churn in (t, t + H] and that whole
  horizon was observed (t + H <= to); a red moment whose horizon runs past ``to`` without a churn is
  *censored*: neither true nor false yet. A customer raised a false alarm when it is not a caught churner
  and had at least one false red moment. **Precision** = caught / (caught + customers with a false alarm).
  **False-alarm rate** = non-churners with a false alarm / non-churners.
- **Lift of a signal kind** k: among the customers in scope, P(churner | k fired at some replay moment) /
  P(churner). Above 1, the kind comes before churn more often than chance.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from models.accounts import Invoice
from risk.config import RiskConfig
from risk.health import health
from risk.history import CustomerHistory

__all__ = [
    "BacktestResult",
    "CustomerOutcome",
    "Judge",
    "SignalLift",
    "Verdict",
    "backtest",
    "churn_date",
    "default_window",
    "engine_judge",
    "history_as_of",
    "replay_moments",
]

STEP = timedelta(days=7)


@dataclass(frozen=True)
class Verdict:
    red: bool
    kinds: frozenset[str] = frozenset()  # the signal kinds that fired at this moment


Judge = Callable[[CustomerHistory, datetime], Verdict]


@dataclass(frozen=True)
class CustomerOutcome:
    customer_id: str
    churned_at: datetime | None  # inside the window; None for a non-churner
    moments: int  # replay moments judged
    red_moments: int
    caught: bool
    lead_days: float | None  # churn minus the earliest red moment in the horizon before it
    false_alarm: bool
    censored_reds: int  # red moments whose horizon runs past the window's end
    kinds: frozenset[str] = frozenset()  # every signal kind that fired at some moment


@dataclass(frozen=True)
class SignalLift:
    kind: str
    customers: int  # customers it fired for at some replay moment
    churners: int  # of them, how many churned in the window
    lift: float | None  # P(churner | fired) / P(churner); None without churners


@dataclass(frozen=True)
class BacktestResult:
    start: datetime
    end: datetime
    horizon_days: float
    customers: int  # in scope
    churners: int
    caught: int
    false_alarms: (
        int  # customers with a false alarm (churners red only outside the horizon included)
    )
    non_churners: int
    non_churner_false_alarms: int
    precision: float | None  # None when nothing was ever red in a judgeable way
    recall: float | None  # None without churners
    false_alarm_rate: float | None
    median_lead_days: float | None
    lifts: list[SignalLift] = field(default_factory=list)
    outcomes: list[CustomerOutcome] = field(default_factory=list)


def churn_date(history: CustomerHistory) -> datetime | None:
    """When the customer churned (its account's ``status_at``), or None if it has not (or no date is known)."""
    account = history.account
    if account is None or account.status != "churned":
        return None
    return account.status_at


def _upto(items: Sequence, at: datetime, moment: Callable) -> tuple:
    """The leading items whose time is at or before ``at`` (``items`` sorted by that time)."""
    return tuple(items[: bisect_right(items, at, key=moment)])


def _invoice_as_of(invoice: Invoice, at: datetime) -> Invoice:
    """A payment made after ``at`` not made yet; failed attempts (undated) not yet made before the due date."""
    changes: dict[str, object] = {}
    if invoice.paid_at is not None and invoice.paid_at > at:
        changes["paid_at"] = None
    if invoice.failed_attempts and invoice.due_at > at:
        changes["failed_attempts"] = 0
    return invoice.model_copy(update=changes) if changes else invoice


def history_as_of(history: CustomerHistory, at: datetime) -> CustomerHistory:
    """What was known of the customer at ``at``: later interactions, usage, invoices, commercial events and
    survey answers dropped, a payment made later shown as not yet made (failed attempts, which carry no
    date, as none before the due date), a later status change as ``active``."""
    invoices = tuple(_invoice_as_of(i, at) for i in history.invoices if i.issued_at <= at)
    account = history.account
    if account is not None and account.status != "active":
        if account.status_at is None or account.status_at > at:
            account = account.model_copy(
                update={"status": "active", "status_at": None, "status_reason": None}
            )
    return replace(
        history,
        interactions=_upto(history.interactions, at, lambda f: f.occurred_at),
        usage=_upto(history.usage, at, lambda u: u.at),
        account=account,
        invoices=invoices,
        commercial=tuple(c for c in history.commercial if c.occurred_at <= at),
        surveys=tuple(s for s in history.surveys if s.responded_at <= at),
    )


def engine_judge(config: RiskConfig) -> Judge:
    """The risk engine as a judge: red when ``health`` says red (``unknown`` is not red)."""

    def judge(history: CustomerHistory, at: datetime) -> Verdict:
        current = health(history, at, config)
        return Verdict(current.band == "red", frozenset(s.kind for s in current.signals))

    return judge


def replay_moments(start: datetime, end: datetime, churned_at: datetime | None) -> list[datetime]:
    """start, start + 7 days, ... up to ``end``, and strictly before ``churned_at``."""
    stop = min(end, churned_at - timedelta(microseconds=1)) if churned_at else end
    moments, moment = [], start
    while moment <= stop:
        moments.append(moment)
        moment += STEP
    return moments


def _activity_times(history: CustomerHistory) -> Iterable[datetime]:
    yield from (f.occurred_at for f in history.interactions)
    yield from (u.at for u in history.usage)


def _record_times(history: CustomerHistory) -> Iterable[datetime]:
    yield from (i.issued_at for i in history.invoices)
    yield from (c.occurred_at for c in history.commercial)
    yield from (s.responded_at for s in history.surveys)
    if churned := churn_date(history):
        yield churned


def default_window(histories: Sequence[CustomerHistory]) -> tuple[datetime, datetime] | None:
    """From the first call, ticket or usage event in the histories (the first invoice, commercial event or
    survey answer when there are none) to the last moment anything happened or a customer churned; None
    when they hold nothing."""
    activity = [t for h in histories for t in _activity_times(h)]
    records = [t for h in histories for t in _record_times(h)]
    if not activity and not records:
        return None
    return min(activity or records), max(activity + records)


def _judge_customer(
    history: CustomerHistory, judge: Judge, start: datetime, end: datetime, horizon: timedelta
) -> CustomerOutcome | None:
    churned = churn_date(history)
    if churned is not None and churned <= start:
        return None
    if history.account is not None and history.account.status == "churned" and churned is None:
        return None  # churned, but when is unknown: neither an outcome nor a non-churner
    inside = churned if churned is not None and churned <= end else None
    moments = replay_moments(start, end, churned)
    if not moments:
        return None
    verdicts = [(t, judge(history_as_of(history, t), t)) for t in moments]
    reds = [t for t, v in verdicts if v.red]
    in_horizon = [t for t in reds if inside is not None and inside - horizon <= t]
    # a red moment is false when no churn followed within the horizon and the horizon was observed
    false = [t for t in reds if t + horizon <= end and not (churned and t < churned <= t + horizon)]
    censored = [t for t in reds if t + horizon > end and not (churned and churned <= end)]
    caught = bool(in_horizon)
    return CustomerOutcome(
        customer_id=history.customer_id,
        churned_at=inside,
        moments=len(moments),
        red_moments=len(reds),
        caught=caught,
        lead_days=(inside - in_horizon[0]).total_seconds() / 86400 if caught and inside else None,
        false_alarm=bool(false) and not caught,
        censored_reds=len(censored),
        kinds=frozenset().union(*(v.kinds for _, v in verdicts)),
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _lifts(outcomes: Sequence[CustomerOutcome]) -> list[SignalLift]:
    base = _ratio(sum(o.churned_at is not None for o in outcomes), len(outcomes))
    lifts = []
    for kind in sorted(frozenset().union(*(o.kinds for o in outcomes))):
        fired = [o for o in outcomes if kind in o.kinds]
        churners = sum(o.churned_at is not None for o in fired)
        lift = churners / len(fired) / base if base else None
        lifts.append(SignalLift(kind, len(fired), churners, lift))
    return sorted(lifts, key=lambda s: (-(s.lift or 0.0), -s.customers, s.kind))


def backtest(
    histories: Iterable[CustomerHistory],
    judge: Judge,
    start: datetime,
    end: datetime,
    horizon_days: float = 60,
) -> BacktestResult:
    """Replay each customer weekly over [start, end] with ``judge``; the measures in the module docstring."""
    if end < start:
        raise ValueError("the window's end is before its start")
    horizon = timedelta(days=horizon_days)
    outcomes = [
        o for h in histories if (o := _judge_customer(h, judge, start, end, horizon)) is not None
    ]
    churners = [o for o in outcomes if o.churned_at is not None]
    caught = [o for o in churners if o.caught]
    non_churners = [o for o in outcomes if o.churned_at is None]
    alarms = sum(o.false_alarm for o in outcomes)
    non_churner_alarms = sum(o.false_alarm for o in non_churners)
    leads = [o.lead_days for o in caught if o.lead_days is not None]
    return BacktestResult(
        start=start,
        end=end,
        horizon_days=horizon_days,
        customers=len(outcomes),
        churners=len(churners),
        caught=len(caught),
        false_alarms=alarms,
        non_churners=len(non_churners),
        non_churner_false_alarms=non_churner_alarms,
        precision=_ratio(len(caught), len(caught) + alarms),
        recall=_ratio(len(caught), len(churners)),
        false_alarm_rate=_ratio(non_churner_alarms, len(non_churners)),
        median_lead_days=statistics.median(leads) if leads else None,
        lifts=_lifts(outcomes),
        outcomes=outcomes,
    )
