"""A seeded synthetic portfolio of customers with known churners, for the risk backtest.

    python bench/make_portfolio.py [--customers 300] [--seed 7] [--out DIR]

A year of history (to 2026-10-31) per customer: contacts with roles who log in (usage events with
``properties.user``), use features (``properties.feature``; the core features are the risk configuration's
``core_features``, one list) and visit pages (``properties.page``: /pricing, /settings/cancel ...); support
tickets whose customer-side tags are precomputed (as the tagger would give them); monthly invoices and their
payments; renewals and seat changes; NPS and CSAT answers; and the account with its owner, plan, ARR,
renewal date, segment and lifecycle status.

About a fifth of the customers churn (status ``churned``, ``status_at`` = the churn date) after a decline that
shows over the last 30-120 days in one to three of ``MECHANISMS``; some churn with little warning. The rest
carry realistic noise: holiday dips for everyone, summer dips for seasonal businesses, temporary slumps that
recover, healthy quiet customers (few logins but steady), a stray price objection, a late payment, a
detractor; and, from bench/portfolio_noise.py, the leavers' signs shown by customers who stay (a competitor
named in passing or in a renewal haggle, the odd angry ticket, pricing-page visits, a trimmed seat or two, an
NPS of 5-6, an invoice paid late once). ``build`` gives the CustomerHistory objects in memory (for
bench/risk_backtest.py); ``--out`` also writes the ingest files: accounts.csv, contacts.csv, invoices.csv,
commercial.csv, surveys.csv (columns = the field names of models/accounts.py's records), usage.jsonl and
tickets.jsonl.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.accounts import (  # noqa: E402
    Account,
    CommercialEvent,
    Contact,
    ContactRole,
    Invoice,
    SurveyResponse,
)
from models.records import Record  # noqa: E402
from risk.config import load_config  # noqa: E402
from risk.history import CustomerHistory, InteractionFacts, TagFact, UsageFact  # noqa: E402

__all__ = [
    "END",
    "core_features",
    "customer",
    "MECHANISMS",
    "START",
    "Portfolio",
    "Profile",
    "build",
    "write",
]

END = datetime(2026, 10, 31, tzinfo=UTC)
START = END - timedelta(days=365)
OTHER_FEATURES = (
    "coaching",
    "scorecards",
    "deal_boards",
    "crm_sync",
)  # none of them a core feature
CALM_PAGES = ("/home", "/calls", "/reports", "/settings/profile")
RISK_PAGES = ("/pricing", "/settings/billing", "/settings/cancel")
MECHANISMS = (
    "logins",  # logins fall steadily to a trickle
    "key_people",  # the decision-maker, admin and champion stop logging in
    "core_feature",  # the core features are abandoned while logins hold
    "pages",  # visits to the pricing and cancel pages
    "payments",  # failed and late payments, the last one unpaid
    "nps",  # detractor NPS and poor CSAT
    "downgrade",  # a seat reduction
    "silence",  # usage and tickets stop abruptly
    "cancel_request",  # a written cancellation request
    "objections",  # price objections and competitor mentions in tickets
)
NOISE = ("dip", "objection", "late_payment", "detractor")
OWNERS = ("dana", "sam", "lee", "kim")
PLANS = {"starter": (6_000, 20_000), "growth": (20_000, 80_000), "enterprise": (80_000, 300_000)}
SEGMENTS = {"starter": "smb", "growth": "mid_market", "enterprise": "enterprise"}
COMPETITORS = ("Gong", "Chorus", "Clari")
ROLES: tuple[ContactRole, ...] = ("decision_maker", "admin", "champion")


@dataclass(frozen=True)
class Ticket:
    subject: str
    text: str
    tags: tuple[tuple[str, str, str | None], ...] = ()  # (label, evidence, entity)
    sentiment: str = "neutral"


HOWTO = (
    Ticket("Sharing clips", "How do I share a call clip with my manager?", sentiment="neutral"),
    Ticket("New hire access", "Could you add our new hire to the sales team workspace?"),
    Ticket("Scorecard template", "Where can I edit the scorecard template for discovery calls?"),
    Ticket("Thanks", "The deal boards are working great for us, thanks!", sentiment="positive"),
    Ticket("CRM sync", "Calls from yesterday are not in Salesforce yet, can you check?"),
)
PRICE = Ticket(
    "Renewal quote",
    "The renewal quote is too expensive for our budget this year.",
    (("price_objection", "too expensive", None),),
    "negative",
)
CANCEL = Ticket(
    "Cancellation",
    "Please cancel our subscription at the end of the current term.",
    (("cancellation_intent", "cancel our subscription", None),),
    "negative",
)
EXPORT = Ticket(
    "Data export",
    "How can we export all our call recordings and transcripts in bulk?",
    (("export_data_intent", "export all our call recordings", None),),
)
BILLING = Ticket(
    "Failed payment",
    "Our card payment failed again and we were charged a late fee, this is frustrating.",
    (("billing_question", "charged a late fee", None),),
    "negative",
)
SLOW = Ticket(
    "Slow library",
    "The call library has been very slow all week and the team is giving up on it.",
    (("product_issue", "very slow", None),),
    "negative",
)


def competitor_ticket(name: str) -> Ticket:
    return Ticket(
        "Pricing comparison",
        f"{name} offered us a much lower price, it is hard to justify what we pay you.",
        (("competitor_mention", name, name), ("price_objection", "much lower price", None)),
        "negative",
    )


@dataclass(frozen=True)
class Profile:
    """The plan for one customer: who they are, how active, whether and how they churn, their noise."""

    customer_id: str
    plan: str
    users: int
    activity: float  # a typical user's chance of logging in on a weekday
    seasonal: bool
    churn_at: datetime | None
    decline_days: int
    mechanisms: tuple[str, ...]
    noise: tuple[str, ...]
    dip_start: int  # day index of the temporary slump (noise "dip")

    def declining(self, day: datetime) -> float:
        """How far into the decline ``day`` is: 0 before it starts, 1 at the churn date."""
        if self.churn_at is None or not self.mechanisms:
            return 0.0
        begun = self.churn_at - timedelta(days=self.decline_days)
        return min(1.0, max(0.0, (day - begun).days / self.decline_days))


@dataclass
class Portfolio:
    histories: list[CustomerHistory]
    profiles: list[Profile]
    tickets: list[dict] = field(default_factory=list)  # the tickets.jsonl rows
    usage: list[dict] = field(default_factory=list)  # the usage.jsonl rows (kept only for --out)


def _profile(index: int, rng: random.Random, churn_share: float) -> Profile:
    plan = rng.choices(list(PLANS), weights=(5, 4, 2))[0]
    quiet = rng.random() < 0.15
    churns = rng.random() < churn_share
    mechanisms: tuple[str, ...] = ()
    if churns and rng.random() > 0.12:  # the rest churn with little warning
        mechanisms = tuple(rng.sample(MECHANISMS, rng.choice((1, 2, 2, 3))))
    noise = tuple(n for n in NOISE if rng.random() < 0.18)
    churn_at = START + timedelta(days=rng.randrange(160, 364), hours=rng.randrange(9, 17))
    return Profile(
        customer_id=f"cust{index:04d}",
        plan=plan,
        users=rng.randint(2, 3)
        if quiet
        else rng.randint(3, {"starter": 6, "growth": 9}.get(plan, 12)),
        activity=rng.uniform(0.08, 0.2) if quiet else rng.uniform(0.35, 0.8),
        seasonal=rng.random() < 0.25,
        churn_at=churn_at if churns else None,
        decline_days=rng.randint(30, 120),
        mechanisms=mechanisms,
        noise=noise,
        dip_start=rng.randrange(30, 330),
    )


def _contacts(profile: Profile) -> tuple[Contact, ...]:
    return tuple(
        Contact(
            customer_id=profile.customer_id,
            user=f"user{n}@{profile.customer_id}.example",
            name=f"User {n} of {profile.customer_id}",
            role=ROLES[n] if n < len(ROLES) else "user",
        )
        for n in range(profile.users)
    )


def _season(profile: Profile, day: datetime) -> float:
    factor = 0.15 if day.weekday() >= 5 else 1.0
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        factor *= 0.3
    if profile.seasonal and (day.month, day.day) >= (7, 10) and (day.month, day.day) <= (8, 25):
        factor *= 0.45
    if "dip" in profile.noise and 0 <= (day - START).days - profile.dip_start < 28:
        factor *= 0.4
    return factor


def _login_chance(profile: Profile, role: str, day: datetime) -> float:
    base = profile.activity * (0.4 if role == "decision_maker" else 1.0) * _season(profile, day)
    decline = profile.declining(day)
    if decline <= 0:
        return base
    if "silence" in profile.mechanisms:
        return 0.0
    if "key_people" in profile.mechanisms and role != "user":
        return base * 0.02
    if "logins" in profile.mechanisms:
        return base * (1 - 0.85 * decline)
    return base


def _day_events(
    profile: Profile, contact: Contact, day: datetime, rng: random.Random, core: tuple[str, ...]
) -> list:
    """One contact's usage on one day: a login (an engaged user's sessions: up to three), the features used,
    the pages visited."""
    if rng.random() >= _login_chance(profile, contact.role, day):
        return []
    at = day.replace(hour=rng.randrange(8, 18), minute=rng.randrange(60))
    sessions = 1 + (rng.choice((0, 1, 1, 2)) if profile.activity >= 0.25 else 0)
    who = {"user": contact.user, "role": contact.role}
    events = [("login", at + timedelta(hours=2 * n), who) for n in range(sessions)]
    abandoned = "core_feature" in profile.mechanisms and profile.declining(day) > 0.1
    for _ in range(rng.choice((0, 1, 1, 2))):
        is_core = not abandoned and rng.random() < 0.7
        feature = rng.choice(core if is_core and core else OTHER_FEATURES)
        events.append(
            ("feature_used", at + timedelta(minutes=5), {"user": contact.user, "feature": feature})
        )
    risky = "pages" in profile.mechanisms and profile.declining(day) > 0.4 and rng.random() < 0.3
    if risky or rng.random() < 0.1:
        page = rng.choice(RISK_PAGES if risky else CALM_PAGES)
        events.append(
            ("page_visit", at + timedelta(minutes=9), {"user": contact.user, "page": page})
        )
    return events


def _usage(
    profile: Profile, contacts: tuple[Contact, ...], rng: random.Random, core: tuple[str, ...]
) -> list[tuple]:
    events: list[tuple] = []
    last = profile.churn_at or END
    day = START
    while day < last:
        for contact in contacts:
            events += [e for e in _day_events(profile, contact, day, rng, core) if e[1] < last]
        day += timedelta(days=1)
    return sorted(events, key=lambda e: e[1])


def _tickets(profile: Profile, rng: random.Random) -> list[tuple[datetime, Ticket]]:
    """The customer's tickets: how-to questions all year, the decline's complaints near the end."""
    rate = 1 / 45 if profile.activity < 0.25 else 1 / 25
    end = profile.churn_at or END
    silent_from = (
        end - timedelta(days=profile.decline_days) if "silence" in profile.mechanisms else end
    )
    found = [
        (START + timedelta(days=d, hours=rng.randrange(8, 18)), rng.choice(HOWTO))
        for d in range(365)
        if START + timedelta(days=d) < silent_from and rng.random() < rate
    ]
    if "objection" in profile.noise:
        found.append((START + timedelta(days=rng.randrange(20, 360), hours=10), PRICE))
    if profile.churn_at is not None:
        found += _decline_tickets(profile, rng)
    return sorted(found, key=lambda t: t[0])


def _decline_tickets(profile: Profile, rng: random.Random) -> list[tuple[datetime, Ticket]]:
    assert profile.churn_at is not None
    churn, span = profile.churn_at, profile.decline_days

    def before(low: float, high: float) -> datetime:
        return churn - timedelta(days=span * rng.uniform(low, high), hours=rng.randrange(1, 6))

    found: list[tuple[datetime, Ticket]] = []
    if "objections" in profile.mechanisms:
        found += [
            (before(0.5, 0.9), PRICE),
            (before(0.2, 0.6), competitor_ticket(rng.choice(COMPETITORS))),
        ]
    if "cancel_request" in profile.mechanisms:
        found += [(before(0.2, 0.5), CANCEL), (before(0.05, 0.2), EXPORT)]
    if "payments" in profile.mechanisms:
        found.append((before(0.1, 0.4), BILLING))
    if "core_feature" in profile.mechanisms and rng.random() < 0.5:
        found.append((before(0.6, 0.9), SLOW))
    return found


def _facts(
    profile: Profile, number: int, at: datetime, ticket: Ticket, rng: random.Random
) -> InteractionFacts:
    tags = tuple(
        TagFact(
            label,
            round(rng.uniform(0.8, 0.99), 2),
            evidence,
            entity,
            0,
            None,
            ticket.text,
            "customer",
            ticket.sentiment,
        )
        for label, evidence, entity in ticket.tags
    )
    tid = f"{profile.customer_id}-T{number:03d}"
    return InteractionFacts(f"syn_{tid}", "ticket", at, ticket.subject, tags, (ticket.sentiment,))


def _arr(profile: Profile, rng: random.Random) -> float:
    low, high = PLANS[profile.plan]
    return float(round(rng.uniform(low, high), -2))


def _invoices(profile: Profile, arr: float, rng: random.Random) -> tuple[Invoice, ...]:
    """Monthly invoices, due in 30 days; the decline's are paid late after failed attempts, the last unpaid."""
    invoices, end = [], profile.churn_at or END
    late_one = rng.randrange(12) if "late_payment" in profile.noise else -1
    for month in range(12):
        issued = START + timedelta(days=30 * month + 1, hours=6)
        if issued >= end:
            break
        due = issued + timedelta(days=30)
        failing = "payments" in profile.mechanisms and profile.declining(issued) > 0.2
        paid: datetime | None = due - timedelta(days=rng.randrange(1, 20))
        failed = 0
        if failing or month == late_one:
            paid, failed = due + timedelta(days=rng.randrange(8, 30)), rng.randint(1, 3)
        if failing and (paid is None or paid >= end or profile.declining(issued) > 0.6):
            paid = None
        invoices.append(
            Invoice(
                customer_id=profile.customer_id,
                invoice_id=f"{profile.customer_id}-INV{month + 1:02d}",
                issued_at=issued,
                due_at=due,
                paid_at=paid if paid is None or paid < END else None,
                amount=round(arr / 12, 2),
                failed_attempts=failed,
            )
        )
    return tuple(invoices)


def _commercial(
    profile: Profile, arr: float, start: date, rng: random.Random
) -> tuple[CommercialEvent, ...]:
    cid, end = profile.customer_id, profile.churn_at or END
    renewal = datetime(START.year, start.month, min(start.day, 28), 12, tzinfo=UTC)
    if renewal < START:
        renewal = renewal.replace(year=END.year)
    events = []
    if renewal < end:
        events.append(
            CommercialEvent(customer_id=cid, kind="renewal", occurred_at=renewal, amount=arr)
        )
    seats = profile.users + rng.randint(0, 5)
    if profile.churn_at is None and rng.random() < 0.2:
        at = START + timedelta(days=rng.randrange(30, 350), hours=11)
        events.append(
            CommercialEvent(
                customer_id=cid,
                kind="seat_change",
                occurred_at=at,
                seats_before=seats,
                seats_after=seats + 5,
            )
        )
    if "downgrade" in profile.mechanisms and profile.churn_at is not None:
        at = profile.churn_at - timedelta(days=profile.decline_days * rng.uniform(0.2, 0.7))
        events.append(
            CommercialEvent(
                customer_id=cid,
                kind="seat_change",
                occurred_at=at,
                seats_before=seats,
                seats_after=max(1, seats // 2),
                note="seat reduction",
            )
        )
    return tuple(sorted(events, key=lambda e: e.occurred_at))


def _surveys(
    profile: Profile, contacts: tuple[Contact, ...], rng: random.Random
) -> tuple[SurveyResponse, ...]:
    """Quarterly NPS from the decision-maker (a healthy one's answers stay near their view, 7-10), a monthly
    CSAT from a user; detractors in the decline."""
    answers, end = [], profile.churn_at or END
    detractor_at = rng.randrange(4) if "detractor" in profile.noise else -1
    view = rng.randint(8, 10)  # the decision-maker's view: their answers stay within a point of it
    for n, day in enumerate(range(20, 365, 30)):
        at = START + timedelta(days=day, hours=15)
        if at >= end or rng.random() < 0.3:
            continue
        bad = "nps" in profile.mechanisms and profile.declining(at) > 0.15
        if n % 3 == 0:
            score = (
                rng.randint(0, 5)
                if bad
                else 5
                if n // 3 == detractor_at
                else min(10, view + rng.choice((-1, 0, 0, 1)))
            )
            comment = "We are not getting the value we pay for." if bad else None
            kind, who = "nps", contacts[0].user
        else:
            score, comment = (
                (rng.randint(1, 2), "Support was slow.") if bad else (rng.randint(4, 5), None)
            )
            kind, who = "csat", rng.choice(contacts).user
        answers.append(
            SurveyResponse(
                customer_id=profile.customer_id,
                kind=kind,  # type: ignore[arg-type]
                score=score,
                responded_at=at,
                respondent=who,
                comment=comment,
            )
        )
    return tuple(answers)


def _reason(profile: Profile) -> str:
    if not profile.mechanisms:
        return "left with little warning (budget cut)"
    return "declined: " + ", ".join(m.replace("_", " ") for m in profile.mechanisms)


def _account(profile: Profile, arr: float, rng: random.Random) -> Account:
    start = (START - timedelta(days=rng.randrange(30, 900))).date().replace(day=rng.randint(1, 28))
    renewal = start.replace(year=END.year)
    renewal = renewal if renewal > END.date() else renewal.replace(year=END.year + 1)
    churned = profile.churn_at is not None
    return Account(
        customer_id=profile.customer_id,
        name=f"Synthetic {profile.customer_id}",
        owner=rng.choice(OWNERS),
        plan=profile.plan,
        arr=arr,
        start_date=start,
        renewal_date=renewal,
        segment=SEGMENTS[profile.plan],
        status="churned" if churned else "active",
        status_at=profile.churn_at,
        status_reason=_reason(profile) if churned else None,
    )


def _customer(
    profile: Profile,
    rng: random.Random,
    keep_rows: bool,
    core: tuple[str, ...],
    seed: int,
    index: int,
) -> tuple[CustomerHistory, list, list]:
    contacts = _contacts(profile)
    arr = _arr(profile, rng)
    account = _account(profile, arr, rng)
    usage = _usage(profile, contacts, rng, core)
    tickets = _tickets(profile, rng)
    history = CustomerHistory(
        customer_id=profile.customer_id,
        name=account.name,
        interactions=tuple(_facts(profile, n, at, t, rng) for n, (at, t) in enumerate(tickets)),
        usage=tuple(UsageFact(kind, at, props) for kind, at, props in usage),
        account=account,
        contacts=contacts,
        invoices=_invoices(profile, arr, rng),
        commercial=_commercial(profile, arr, account.start_date or START.date(), rng),
        surveys=_surveys(profile, contacts, rng),
    )
    history, tickets = _with_noise(profile, history, tickets, rng, seed, index)
    if not keep_rows:
        return history, [], []
    usage_rows = [
        {
            "customer_id": profile.customer_id,
            "kind": u.kind,
            "occurred_at": u.at.isoformat(),
            "properties": u.properties,
        }
        for u in history.usage
    ]
    ticket_rows = [_ticket_row(profile, n, at, t) for n, (at, t) in enumerate(tickets)]
    return history, usage_rows, ticket_rows


def _with_noise(
    profile: Profile,
    history: CustomerHistory,
    tickets: list[tuple[datetime, Ticket]],
    rng: random.Random,
    seed: int,
    index: int,
) -> tuple[CustomerHistory, list[tuple[datetime, Ticket]]]:
    """The steady customer's signs (bench/portfolio_noise.py) over ``history``; its tickets numbered after the
    customer's own (drawn last, so that the customer underneath is the same with or without them)."""
    from bench.portfolio_noise import overlay

    noise = overlay(history, seed, index, START, profile.churn_at or END)
    extra = [
        _facts(profile, len(tickets) + n, at, t, rng) for n, (at, t) in enumerate(noise.tickets)
    ]
    interactions = sorted((*noise.history.interactions, *extra), key=lambda f: f.occurred_at)
    return replace(noise.history, interactions=tuple(interactions)), tickets + noise.tickets


def _ticket_row(profile: Profile, number: int, at: datetime, ticket: Ticket) -> dict:
    return {
        "ticket_id": f"{profile.customer_id}-T{number:03d}",
        "customer_id": profile.customer_id,
        "customer_name": f"Synthetic {profile.customer_id}",
        "created_at": at.isoformat(),
        "subject": ticket.subject,
        "messages": [{"from": "customer", "text": ticket.text}],
    }


def core_features() -> tuple[str, ...]:
    """The core features the customers use: the risk configuration's ``core_features`` (one list)."""
    return tuple(load_config().core_features)


def customer(
    index: int, seed: int, churn_share: float, keep_rows: bool, core: tuple[str, ...]
) -> tuple[Profile, CustomerHistory, list, list]:
    """Customer ``index`` of the portfolio for ``seed`` (what ``build`` gives at that index)."""
    rng = random.Random(f"{seed}:{index}")
    profile = _profile(index, rng, churn_share)
    return (profile, *_customer(profile, rng, keep_rows, core, seed, index))


def build(
    customers: int = 300,
    seed: int = 7,
    churn_share: float = 0.2,
    keep_rows: bool = False,
    core: tuple[str, ...] | None = None,
) -> Portfolio:
    """The portfolio for ``seed``: the same seed gives the same customers, events and churns. The customers'
    core features are ``core`` (by default the risk configuration's ``core_features``)."""
    core = core_features() if core is None else core
    portfolio = Portfolio([], [])
    for index in range(customers):
        profile, history, usage_rows, ticket_rows = customer(
            index, seed, churn_share, keep_rows, core
        )
        portfolio.profiles.append(profile)
        portfolio.histories.append(history)
        portfolio.usage += usage_rows
        portfolio.tickets += ticket_rows
    return portfolio


def _write_csv(path: Path, record: type[Record], rows: list[Record]) -> None:
    columns = list(record.model_fields)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            data = row.model_dump(mode="json")
            writer.writerow({c: "" if data[c] is None else data[c] for c in columns})


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row) + "\n" for row in rows)


def write(portfolio: Portfolio, out: Path) -> list[Path]:
    """The ingest files of ``portfolio`` (built with keep_rows=True) under ``out``; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    h = portfolio.histories
    tables: list[tuple[str, type[Record], list[Record]]] = [
        ("accounts.csv", Account, [x.account for x in h if x.account is not None]),
        ("contacts.csv", Contact, [c for x in h for c in x.contacts]),
        ("invoices.csv", Invoice, [i for x in h for i in x.invoices]),
        ("commercial.csv", CommercialEvent, [c for x in h for c in x.commercial]),
        ("surveys.csv", SurveyResponse, [s for x in h for s in x.surveys]),
    ]
    for name, record, rows in tables:
        _write_csv(out / name, record, rows)
    _write_jsonl(out / "usage.jsonl", portfolio.usage)
    _write_jsonl(out / "tickets.jsonl", portfolio.tickets)
    return [out / name for name, _, _ in tables] + [out / "usage.jsonl", out / "tickets.jsonl"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--churn-share", type=float, default=0.2)
    parser.add_argument("--out", type=Path, help="write the ingest files to this folder")
    parser.add_argument(
        "--database-url", help="write straight into this store (bench/portfolio_store.py)"
    )
    parser.add_argument(
        "--usage-days", type=float, default=180, help="with --database-url: usage kept"
    )
    parser.add_argument("--refresh", action="store_true", help="with --database-url: evaluate risk")
    parser.add_argument(
        "--jobs", type=int, default=2, help="with --database-url: processes building the rows"
    )
    parser.add_argument(
        "--first", type=int, default=0, help="with --database-url: go on from this customer index"
    )
    args = parser.parse_args(argv)
    if args.customers < 1 or not 0 <= args.churn_share <= 1:
        parser.error("--customers must be at least 1 and --churn-share 0..1")
    if args.database_url:
        from bench.portfolio_store import main as store_main

        return store_main(args)
    portfolio = build(args.customers, args.seed, args.churn_share, keep_rows=args.out is not None)
    churners = [p for p in portfolio.profiles if p.churn_at is not None]
    quiet = sum(not p.mechanisms for p in churners)
    events = sum(len(x.usage) for x in portfolio.histories)
    print(
        f"{len(portfolio.profiles)} customers (seed {args.seed}): {len(churners)} churners "
        f"({quiet} with little warning), {events} usage events, "
        f"{sum(len(x.interactions) for x in portfolio.histories)} tickets"
    )
    if args.out:
        for path in write(portfolio, args.out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
