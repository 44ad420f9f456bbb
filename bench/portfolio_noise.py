"""The signs a steady customer shows too, laid over bench/make_portfolio.py's customers (issue 15's "realistic
noise").

Without this layer the generator made complaint tickets, competitor names, pricing visits and seat cuts only for
leavers, so any one of them was red on its own in the backtest. Real books are not like that: a happy customer
says they looked at Gong last year, files the odd angry ticket after an outage or a double charge, looks at the
pricing page before a budget meeting, trims a couple of seats, gives one NPS of 5-6, pays an invoice late once,
or haggles at renewal with a competitor's quote in hand. ``overlay`` gives each customer (churners too, before
they leave) each of ``RATES``' signs with its chance, once in the year, from a random stream of its own
(``"{seed}:{index}:noise"``), so the customers underneath stay exactly as they were and the same seed gives the
same noise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bench.make_portfolio import COMPETITORS, Ticket
from models.accounts import CommercialEvent, Invoice, SurveyResponse
from risk.history import CustomerHistory, UsageFact

__all__ = ["RATES", "Noise", "overlay"]

# The chance that a customer shows each sign (once) in its year.
RATES: dict[str, float] = {
    "competitor_in_passing": 0.25,  # a competitor named with no complaint: "we looked at Gong last year"
    "competitor_haggle": 0.06,  # a competitor's lower quote named at renewal, by a customer who stays
    "angry_ticket": 0.2,  # an outage or a double charge, said angrily
    "pricing_page": 0.25,  # one to three visits to /pricing within a week
    "seat_trim": 0.1,  # one or two seats fewer
    "passive_nps": 0.15,  # one NPS answer of 5 or 6
    "late_once": 0.12,  # one invoice paid 5-25 days late, perhaps after a failed attempt
}


def _passing(name: str, rng: random.Random) -> Ticket:
    said = rng.choice(
        (
            f"We looked at {name} last year before we chose you, and we are happy here. "
            "How do I add a new team to the workspace?",
            f"Our new sales director used {name} at her last company. How do I show her the call library?",
        )
    )
    return Ticket("Question", said, (("competitor_mention", name, name),), "positive")


def _haggle(name: str, rng: random.Random) -> Ticket:
    said = f"{name} quoted us a lower price for next year. Can you do better on the per-seat price before we sign?"
    tags = (("competitor_mention", name, name), ("price_objection", "a lower price", None))
    return Ticket("Renewal terms", said, tags, rng.choice(("neutral", "negative")))


ANGRY = (
    Ticket(
        "Charged twice",
        "We were charged twice this month and nobody has answered in three days, this is really frustrating.",
        (("billing_question", "charged twice this month", None),),
        "negative",
    ),
    Ticket(
        "Dashboards down",
        "The dashboards were down all morning right before our pipeline review, the team is annoyed.",
        (("product_issue", "were down all morning", None),),
        "negative",
    ),
)


@dataclass
class Noise:
    """What ``overlay`` added to one customer: the history with it, and the new tickets and usage events (with
    the time each happened) for the ingest files."""

    history: CustomerHistory
    tickets: list[tuple[datetime, Ticket]]
    usage: list[UsageFact]


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime | None:
    days = (end - start).days - 2
    if days < 1:
        return None
    return start + timedelta(days=rng.randrange(days), hours=rng.randrange(8, 18))


def _tickets(rng: random.Random, start: datetime, end: datetime) -> list[tuple[datetime, Ticket]]:
    found = []
    for sign, make in (
        ("competitor_in_passing", lambda: _passing(rng.choice(COMPETITORS), rng)),
        ("competitor_haggle", lambda: _haggle(rng.choice(COMPETITORS), rng)),
        ("angry_ticket", lambda: rng.choice(ANGRY)),
    ):
        if rng.random() < RATES[sign]:
            at = _moment(rng, start, end)
            if at is not None:
                found.append((at, make()))
    return found


def _pricing_visits(
    history: CustomerHistory, rng: random.Random, start: datetime, end: datetime
) -> list[UsageFact]:
    if rng.random() >= RATES["pricing_page"] or not history.contacts:
        return []
    at = _moment(rng, start, end - timedelta(days=7))
    if at is None:
        return []
    who = history.contacts[min(1, len(history.contacts) - 1)].user  # the admin where there is one
    days = sorted(rng.sample(range(7), rng.randint(1, 3)))
    return [
        UsageFact("page_visit", at + timedelta(days=d), {"user": who, "page": "/pricing"})
        for d in days
    ]


def _seat_trim(
    history: CustomerHistory, rng: random.Random, start: datetime, end: datetime
) -> list[CommercialEvent]:
    if rng.random() >= RATES["seat_trim"]:
        return []
    at = _moment(rng, start, end)
    if at is None:
        return []
    seats = len(history.contacts) + rng.randint(3, 8)  # licences beyond the people who log in
    trimmed = seats - rng.randint(1, 2)
    note = "seat reduction: unused licences"
    event = CommercialEvent(
        customer_id=history.customer_id,
        kind="seat_change",
        occurred_at=at,
        seats_before=seats,
        seats_after=trimmed,
        note=note,
    )
    return [event]


def _passive_nps(history: CustomerHistory, rng: random.Random) -> tuple[SurveyResponse, ...]:
    surveys = history.surveys
    nps = [n for n, s in enumerate(surveys) if s.kind == "nps" and s.score >= 7]
    if rng.random() >= RATES["passive_nps"] or not nps:
        return surveys
    n = rng.choice(nps)
    answer = surveys[n].model_copy(update={"score": rng.choice((5, 6))})
    return (*surveys[:n], answer, *surveys[n + 1 :])


def _late_once(history: CustomerHistory, rng: random.Random, end: datetime) -> tuple[Invoice, ...]:
    invoices = history.invoices
    on_time = [
        n
        for n, i in enumerate(invoices)
        if i.paid_at is not None and i.paid_at <= i.due_at and i.due_at + timedelta(days=26) < end
    ]
    if rng.random() >= RATES["late_once"] or not on_time:
        return invoices
    n = rng.choice(on_time)
    late = invoices[n].due_at + timedelta(days=rng.randint(5, 25))
    invoice = invoices[n].model_copy(
        update={"paid_at": late, "failed_attempts": rng.choice((0, 1))}
    )
    return (*invoices[:n], invoice, *invoices[n + 1 :])


def overlay(
    history: CustomerHistory, seed: int, index: int, start: datetime, end: datetime
) -> Noise:
    """``history`` with the steady customer's signs drawn for customer ``index`` of ``seed``, each between
    ``start`` and ``end`` (the customer's year, up to its churn). The new tickets are not yet in
    ``history.interactions``: make_portfolio turns them into interactions and rows as it does its own."""
    rng = random.Random(f"{seed}:{index}:noise")
    tickets = _tickets(rng, start, end)
    visits = _pricing_visits(history, rng, start, end)
    trims = _seat_trim(history, rng, start, end)
    noisy = replace(
        history,
        usage=tuple(sorted((*history.usage, *visits), key=lambda u: u.at)),
        commercial=tuple(sorted((*history.commercial, *trims), key=lambda c: c.occurred_at)),
        surveys=_passive_nps(history, rng),
        invoices=_late_once(history, rng, end),
    )
    return Noise(noisy, tickets, visits)
