"""Signals from payments, surveys, commercial events and the account's lifecycle: pure functions.

payment_failed      an invoice with failed payment attempts (dated at its due date); more attempts, more points
late_payment        an invoice paid more than payments.grace_days after its due date (dated when paid)
overdue_payment     an invoice unpaid past its due date (dated as_of: it lasts until paid)
nps_detractor       a respondent's latest NPS answer is 0..detractor_max
nps_falling         an NPS answer nps_drop or more below the same respondent's previous one
csat_falling        a CSAT answer of csat_low or less, or csat_drop below the previous one
promoter_nps        (positive) a respondent's latest NPS answer is promoter_min or more
seat_reduction      a seat change to fewer seats; points growing with the share of seats lost (seats.exponent:
                    trimming a licence or two is routine, halving the seats is not)
purchase_slowdown   the time since the last renewal or purchase well past their usual (median) gap
cancel_requested    the account's status is cancel_requested (dated as_of: red until the status is active)
"""

from __future__ import annotations

from datetime import datetime
from statistics import median

from models.accounts import Invoice, SurveyResponse
from models.records import RiskSignal
from risk.config import RiskConfig
from risk.history import CustomerHistory
from risk.kinds import signal

__all__ = ["cancel_requested_at", "churned_at", "commercial_signals"]

DAY = 86400.0


def _money(invoice: Invoice) -> str:
    return f"invoice {invoice.invoice_id} ({invoice.amount:,.2f} {invoice.currency}, due {invoice.due_at:%Y-%m-%d})"


def _invoice_signals(
    customer: str, invoice: Invoice, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule, out = config.payments, []
    if invoice.failed_attempts and invoice.due_at <= as_of:
        weight = min(
            rule.max_failed_weight,
            rule.failed_weight + rule.per_extra_attempt * (invoice.failed_attempts - 1),
        )
        why = f"{invoice.failed_attempts} failed payment attempt(s) on {_money(invoice)}"
        out.append(signal(customer, "payment_failed", weight, invoice.due_at, why))
    paid = invoice.paid_at if invoice.paid_at and invoice.paid_at <= as_of else None
    if paid is not None:
        late = (paid - invoice.due_at).total_seconds() / DAY
        if late > rule.grace_days:
            why = f"Paid {late:.0f} days late on {paid:%Y-%m-%d}: {_money(invoice)}"
            out.append(signal(customer, "late_payment", rule.late_weight, paid, why))
        return out
    overdue = (as_of - invoice.due_at).total_seconds() / DAY
    if overdue > rule.grace_days:
        why = f"Unpaid {overdue:.0f} days past due: {_money(invoice)}"
        out.append(signal(customer, "overdue_payment", rule.overdue_weight, as_of, why))
    return out


def _latest_by_respondent(
    answers: list[SurveyResponse],
) -> list[tuple[SurveyResponse, SurveyResponse | None]]:
    """Each respondent's latest answer with their previous one (anonymous answers are one respondent)."""
    by: dict[str | None, list[SurveyResponse]] = {}
    for answer in answers:
        by.setdefault(answer.respondent, []).append(answer)
    return [
        (a[-1], a[-2] if len(a) > 1 else None)
        for _, a in sorted(by.items(), key=lambda kv: str(kv[0]))
    ]


def _who(answer: SurveyResponse) -> str:
    said = f': "{answer.comment}"' if answer.comment else ""
    by = f" by {answer.respondent}" if answer.respondent else ""
    return f"{answer.kind.upper()} {answer.score}{by} on {answer.responded_at:%Y-%m-%d}{said}"


def _nps_signals(
    customer: str, answers: list[SurveyResponse], config: RiskConfig
) -> list[RiskSignal]:
    rule, out = config.surveys, []
    for latest, previous in _latest_by_respondent([a for a in answers if a.kind == "nps"]):
        at = latest.responded_at
        if latest.score <= rule.detractor_max:
            share = (rule.detractor_max + 1 - latest.score) / (rule.detractor_max + 1)
            why = (
                f"A detractor: {_who(latest)} (an answer of 0 weighs in full, this one {share:.0%})"
            )
            out.append(signal(customer, "nps_detractor", rule.detractor_weight * share, at, why))
        elif latest.score >= rule.promoter_min:
            out.append(
                signal(
                    customer,
                    "promoter_nps",
                    -config.positive.promoter_nps,
                    at,
                    f"A promoter: {_who(latest)}",
                )
            )
        if previous and latest.score <= previous.score - rule.nps_drop:
            why = f"NPS fell from {previous.score} ({previous.responded_at:%Y-%m-%d}) to {_who(latest)}"
            out.append(signal(customer, "nps_falling", rule.nps_falling_weight, at, why))
    return out


def _csat_signals(
    customer: str, answers: list[SurveyResponse], config: RiskConfig
) -> list[RiskSignal]:
    rule, out = config.surveys, []
    for latest, previous in _latest_by_respondent([a for a in answers if a.kind == "csat"]):
        if previous and latest.score <= previous.score - rule.csat_drop:
            why = f"CSAT fell from {previous.score} ({previous.responded_at:%Y-%m-%d}) to {_who(latest)}"
        elif latest.score <= rule.csat_low:
            why = f"A low CSAT: {_who(latest)}"
        else:
            continue
        out.append(signal(customer, "csat_falling", rule.csat_weight, latest.responded_at, why))
    return out


def _seat_signals(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule, out = config.seats, []
    for event in history.commercial:
        if event.kind != "seat_change" or event.occurred_at > as_of or event.seat_delta >= 0:
            continue
        share = -event.seat_delta / max(1, event.seats_before or 0)
        why = (
            f"Seats cut from {event.seats_before} to {event.seats_after} ({-share:+.0%}) on {event.occurred_at:%Y-%m-%d}"
            + (f": {event.note}" if event.note else "")
        )
        weight = rule.weight * min(1.0, share / rule.full_share) ** rule.exponent
        out.append(signal(history.customer_id, "seat_reduction", weight, event.occurred_at, why))
    return out


def _purchase_signal(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    rule = config.purchases
    times = [
        e.occurred_at
        for e in history.commercial
        if e.kind != "seat_change" and e.occurred_at <= as_of
    ]
    if len(times) < rule.min_events:
        return []
    gaps = [(b - a).total_seconds() / DAY for a, b in zip(times, times[1:], strict=False)]
    usual = median(gaps)
    ongoing = (as_of - times[-1]).total_seconds() / DAY
    if usual <= 0 or ongoing < rule.slowdown_factor * usual:
        return []
    why = (
        f"Renewals and purchases are getting rarer: {ongoing:.0f} days since the last on {times[-1]:%Y-%m-%d} "
        f"against a usual {usual:.0f} days between them ({len(times)} so far)"
    )
    return [signal(history.customer_id, "purchase_slowdown", rule.weight, as_of, why)]


def _status_at(history: CustomerHistory, status: str, as_of: datetime) -> datetime | None:
    account = history.account
    if account is None or account.status != status:
        return None
    at = account.status_at
    if at is not None and at > as_of:
        return None  # not yet, at as_of
    return at or as_of


def cancel_requested_at(history: CustomerHistory, as_of: datetime) -> datetime | None:
    """When the customer asked to cancel, if their status at ``as_of`` is cancel_requested."""
    return _status_at(history, "cancel_requested", as_of)


def churned_at(history: CustomerHistory, as_of: datetime) -> datetime | None:
    """When the customer churned, if they had by ``as_of`` (an outcome, not a customer at risk)."""
    return _status_at(history, "churned", as_of)


def _lifecycle_signal(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    asked = cancel_requested_at(history, as_of)
    if asked is None:
        return []
    reason = history.account.status_reason if history.account else None
    why = f"Cancellation requested on {asked:%Y-%m-%d}" + (f": {reason}" if reason else "")
    why += "; red until the status is active again"
    return [
        signal(
            history.customer_id,
            "cancel_requested",
            config.lifecycle.cancel_requested_weight,
            as_of,
            why,
        )
    ]


def commercial_signals(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[RiskSignal]:
    customer = history.customer_id
    out = [
        s
        for i in history.invoices
        if i.issued_at <= as_of
        for s in _invoice_signals(customer, i, as_of, config)
    ]
    answers = [a for a in history.surveys if a.responded_at <= as_of]
    out += _nps_signals(customer, answers, config) + _csat_signals(customer, answers, config)
    out += _seat_signals(history, as_of, config) + _purchase_signal(history, as_of, config)
    return out + _lifecycle_signal(history, as_of, config)
