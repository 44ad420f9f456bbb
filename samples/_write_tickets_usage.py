"""Writes samples/tickets/tickets.jsonl and samples/usage/usage.jsonl (deterministic; output committed).

Usage events name the customer's contacts (samples/_write_accounts.py) in ``properties.user`` with their
``role``; ``feature_used`` events carry ``properties.feature`` (the core features are reports, forecasting and
pipeline, as risk.yaml's ``core_features``); ``page_visit`` events carry ``properties.page``. The at-risk
customers' decline shows in them: key people who stop logging in, a core feature abandoned, visits to the
pricing, billing and cancel pages; a churned customer's usage stops at its churn (or earlier, in silence).
"""

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from samples._write_accounts import CHURNED, CONTACTS  # noqa: E402

TICKETS = [
    (
        "T-1001",
        "acme",
        "2026-08-29T09:12:00Z",
        "Double charge on September invoice",
        [
            ("customer", "We were billed twice this month. Please refund the duplicate charge."),
            ("agent", "Thanks for reporting this, we're looking into it."),
        ],
    ),
    (
        "T-1002",
        "acme",
        "2026-09-10T11:40:00Z",
        "Bulk export of recordings",
        [
            ("customer", "How do we download all our recordings and transcripts in one go?"),
        ],
    ),
    (
        "T-1003",
        "acme",
        "2026-10-01T08:05:00Z",
        "Cancel auto-renewal",
        [
            (
                "customer",
                "Please turn off auto-renewal on our contract, we do not intend to renew.",
            ),
        ],
    ),
    (
        "T-1004",
        "globex",
        "2026-08-15T14:20:00Z",
        "Add seats",
        [
            ("customer", "Could you add five seats for the new hires starting Monday?"),
            ("agent", "Done, the seats are live."),
            ("customer", "Brilliant, thank you for the quick help!"),
        ],
    ),
    (
        "T-1005",
        "initech",
        "2026-09-02T16:45:00Z",
        "Outreach sync failing",
        [
            ("customer", "Calls are not syncing to Outreach since yesterday."),
            ("agent", "We found a token expiry, please reconnect the integration."),
            ("customer", "Reconnected, working now."),
        ],
    ),
    (
        "T-1006",
        "umbrella",
        "2026-08-30T10:00:00Z",
        "Invoice question",
        [
            ("customer", "Why does our invoice show forty seats? We only use thirty."),
        ],
    ),
    (
        "T-1007",
        "umbrella",
        "2026-09-20T10:30:00Z",
        "VAT number on invoices",
        [
            ("customer", "Please add our VAT number to future invoices."),
        ],
    ),
    (
        "T-1008",
        "hooli",
        "2026-09-12T12:00:00Z",
        "Reduce licences",
        [
            (
                "customer",
                "We need to reduce our licence count at renewal, the European team is being wound down.",
            ),
        ],
    ),
    (
        "T-1009",
        "hooli",
        "2026-10-05T15:15:00Z",
        "Data export",
        [
            ("customer", "Is there an API to dump all call data? We may migrate our archive."),
        ],
    ),
    (
        "T-1010",
        "wayne",
        "2026-10-25T09:30:00Z",
        "Price increase",
        [
            (
                "customer",
                "The renewal quote is twenty percent higher than last year, which is too expensive for us.",
            ),
        ],
    ),
    (
        "T-1011",
        "stark",
        "2026-10-10T13:00:00Z",
        "SSO setup",
        [
            ("customer", "How do we enable single sign-on with Okta?"),
            ("agent", "Here is the guide; let us know if anything is unclear."),
            ("customer", "Works perfectly, thanks!"),
        ],
    ),
    (
        "T-1012",
        "soylent",
        "2026-09-14T08:00:00Z",
        "Login problem",
        [
            ("customer", "Two of our reps cannot log in since the password reset."),
            ("agent", "We have unlocked both accounts."),
        ],
    ),
    (
        "T-1013",
        "vandelay",
        "2026-08-20T10:00:00Z",
        "Renewal pricing",
        [
            (
                "customer",
                "The renewal price is too expensive, Chorus quoted us half of it.",
            ),
        ],
    ),
    (
        "T-1014",
        "vandelay",
        "2026-09-08T09:30:00Z",
        "Card declined",
        [
            ("customer", "Our card payment failed again and we were charged a late fee."),
            ("agent", "Sorry about that, we have waived the fee."),
        ],
    ),
    (
        "T-1015",
        "piedpiper",
        "2026-08-25T13:00:00Z",
        "Scheduled reports",
        [
            ("customer", "How do I schedule the weekly pipeline report for my team?"),
            ("agent", "Open the report, then Schedule, and pick the recipients."),
        ],
    ),
    (
        "T-1016",
        "piedpiper",
        "2026-09-10T08:45:00Z",
        "Cancel subscription",
        [
            (
                "customer",
                "Please cancel our subscription, we are moving to Gong. How do we export our transcripts?",
            ),
        ],
    ),
    (
        "T-1017",
        "dunder",
        "2026-08-14T11:00:00Z",
        "Scorecards",
        [
            ("customer", "Where can I edit the scorecard template for discovery calls?"),
            ("agent", "Under Settings, Scorecards; here is a short guide."),
            ("customer", "Found it, thanks!"),
        ],
    ),
    (
        "T-1018",
        "cyberdyne",
        "2026-09-17T09:00:00Z",
        "SSO question",
        [
            ("customer", "Does single sign-on work with Azure AD?"),
            ("agent", "Yes, here is the setup guide."),
            ("customer", "Perfect, thank you."),
        ],
    ),
    (
        "T-1019",
        "oscorp",
        "2026-10-22T14:00:00Z",
        "Notice period",
        [
            (
                "customer",
                "What is the notice period to cancel our contract? We are reviewing vendors.",
            ),
        ],
    ),
    (
        "T-1020",
        "oscorp",
        "2026-10-27T10:15:00Z",
        "Invoice overdue",
        [
            (
                "customer",
                "Why is our invoice marked overdue? The payment failed on your side, not ours.",
            ),
        ],
    ),
]
NAMES = {
    "acme": "Acme Logistics",
    "globex": "Globex Retail",
    "initech": "Initech Software",
    "umbrella": "Umbrella Health",
    "hooli": "Hooli",
    "stark": "Stark Manufacturing",
    "wayne": "Wayne Media",
    "soylent": "Soylent Foods",
    "vandelay": "Vandelay Industries",
    "piedpiper": "Pied Piper",
    "dunder": "Dunder Mifflin Paper",
    "cyberdyne": "Cyberdyne Systems",
    "oscorp": "Oscorp",
}
# (customer, logins per weekday at the start, at the end of the 90 days)
USAGE = {
    "acme": (14, 3),
    "globex": (20, 24),
    "initech": (6, 9),
    "umbrella": (8, 8),
    "hooli": (12, 4),
    "stark": (0, 10),
    "wayne": (9, 8),
    "soylent": (5, 1),
    "vandelay": (10, 3),
    "piedpiper": (6, 6),
    "dunder": (7, 6),
    "cyberdyne": (2, 2),
    "oscorp": (9, 5),
}
END = datetime(2026, 10, 31, tzinfo=UTC)
CORE = ("reports", "forecasting", "pipeline")
OTHER = ("call_library", "dashboards", "ai_summary", "coaching")
CALM_PAGES = ("/home", "/calls", "/reports")
# the key people (decision-maker, admin, champion) stop logging in from this day
KEY_PEOPLE_QUIET = {"acme": "2026-10-01", "vandelay": "2026-08-25", "oscorp": "2026-10-05"}
# the core features are no longer used from this day
CORE_ABANDONED = {"hooli": "2026-09-20", "vandelay": "2026-09-01"}
# usage stops from this day (silence before the churn)
SILENT_FROM = {"piedpiper": "2026-09-12"}
RISK_PAGES = [
    ("acme", "2026-10-05T10:20:00Z", "/pricing"),
    ("acme", "2026-10-12T09:40:00Z", "/settings/cancel"),
    ("hooli", "2026-10-10T15:10:00Z", "/settings/billing"),
    ("wayne", "2026-10-20T11:00:00Z", "/pricing"),
    ("wayne", "2026-10-26T16:30:00Z", "/pricing"),
    ("vandelay", "2026-08-28T13:00:00Z", "/pricing"),
    ("vandelay", "2026-09-15T08:50:00Z", "/settings/billing"),
    ("oscorp", "2026-10-18T10:05:00Z", "/pricing"),
    ("oscorp", "2026-10-24T14:45:00Z", "/settings/cancel"),
]


def tickets() -> list[dict]:
    return [
        {
            "ticket_id": tid,
            "customer_id": cust,
            "customer_name": NAMES[cust],
            "created_at": when,
            "subject": subject,
            "messages": [{"from": sender, "text": text} for sender, text in msgs],
        }
        for tid, cust, when, subject, msgs in TICKETS
    ]


def _day(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _stop(customer: str) -> datetime:
    """When the customer's usage stops: its churn, or the start of its silence; else after the samples end."""
    if customer in SILENT_FROM:
        return _day(SILENT_FROM[customer])
    return CHURNED.get(customer, END + timedelta(days=1))


def _user(customer: str, n: int, date: datetime) -> tuple[str, str] | None:
    """The contact behind the customer's n-th login of the day, or None when that person has gone quiet."""
    user, _, role = CONTACTS[customer][n % len(CONTACTS[customer])]
    quiet = customer in KEY_PEOPLE_QUIET and date >= _day(KEY_PEOPLE_QUIET[customer])
    return None if quiet and role != "user" else (user, role)


def _feature(customer: str, date: datetime, rng: random.Random) -> str:
    abandoned = customer in CORE_ABANDONED and date >= _day(CORE_ABANDONED[customer])
    return rng.choice(OTHER if abandoned or rng.random() < 0.35 else CORE)


def _event(customer: str, kind: str, at: datetime, **properties: str) -> dict:
    return {
        "customer_id": customer,
        "kind": kind,
        "occurred_at": at.isoformat(),
        "properties": properties,
    }


def _customer_day(customer: str, day: int, expected: float, rng: random.Random) -> list[dict]:
    date = END - timedelta(days=89 - day)
    events = []
    for n in range(max(0, round(rng.gauss(expected, 1.0)))):
        at = date.replace(hour=8 + n % 9, minute=rng.randrange(60))
        person = _user(customer, n, date)
        if person is not None:
            events.append(_event(customer, "login", at, user=person[0], role=person[1]))
    users = [e["properties"]["user"] for e in events]
    if users and expected > 1 and rng.random() < 0.6:
        feature = _feature(customer, date, rng)
        events.append(
            _event(customer, "feature_used", date.replace(hour=12), user=users[0], feature=feature)
        )
    if users and rng.random() < 0.15:
        page = rng.choice(CALM_PAGES)
        events.append(
            _event(customer, "page_visit", date.replace(hour=13), user=users[-1], page=page)
        )
    return events


def usage() -> list[dict]:
    rng = random.Random(7)
    events = []
    for customer, (start, end) in USAGE.items():
        for day in range(90):
            date = END - timedelta(days=89 - day)
            if date.weekday() >= 5 or date + timedelta(days=1) > _stop(customer):
                continue
            events += _customer_day(customer, day, start + (end - start) * day / 89, rng)
    for customer, when, page in RISK_PAGES:
        user = next(u for u, _, role in CONTACTS[customer] if role == "admin")
        events.append(
            _event(customer, "page_visit", datetime.fromisoformat(when), user=user, page=page)
        )
    return events


def main() -> None:
    for folder, rows in (("tickets", tickets()), ("usage", usage())):
        (HERE / folder).mkdir(exist_ok=True)
        with open(HERE / folder / f"{folder}.jsonl", "w") as fh:
            fh.writelines(json.dumps(row) + "\n" for row in rows)


if __name__ == "__main__":
    main()
