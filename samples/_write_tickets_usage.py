"""Writes samples/tickets/tickets.jsonl and samples/usage/usage.jsonl (deterministic; output committed)."""

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
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
}
END = datetime(2026, 10, 31, tzinfo=UTC)


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


def usage() -> list[dict]:
    rng = random.Random(7)
    events = []
    for customer, (start, end) in USAGE.items():
        for day in range(90):
            date = END - timedelta(days=89 - day)
            if date.weekday() >= 5:
                continue
            expected = start + (end - start) * day / 89
            for n in range(max(0, round(rng.gauss(expected, 1.0)))):
                at = date.replace(hour=8 + n % 9, minute=rng.randrange(60))
                events.append(
                    {
                        "customer_id": customer,
                        "kind": "login",
                        "occurred_at": at.isoformat(),
                        "properties": {"user": f"u{n % 7}"},
                    }
                )
            if expected > 2 and rng.random() < 0.6:
                events.append(
                    {
                        "customer_id": customer,
                        "kind": "feature_used",
                        "occurred_at": date.replace(hour=12).isoformat(),
                        "properties": {
                            "feature": rng.choice(["call_library", "dashboards", "summaries"])
                        },
                    }
                )
    return events


def main() -> None:
    for folder, rows in (("tickets", tickets()), ("usage", usage())):
        (HERE / folder).mkdir(exist_ok=True)
        with open(HERE / folder / f"{folder}.jsonl", "w") as fh:
            fh.writelines(json.dumps(row) + "\n" for row in rows)


if __name__ == "__main__":
    main()
