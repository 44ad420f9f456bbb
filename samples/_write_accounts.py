"""Writes samples/accounts/: the account data of every sample customer and the new customers' text calls.

accounts.csv, contacts.csv, invoices.csv, commercial.csv and surveys.csv (columns = the field names of the
records in models/accounts.py), and calls/*.txt with their manifest.csv ("Speaker: text" transcripts of the
customers added for the risk engine's account data). Deterministic; the output is committed. The customers'
usage events (with ``properties.user`` naming these contacts) and tickets are written by
_write_tickets_usage.py, which imports CONTACTS, CHURNED and the usage plans from here.

Three customers churned (vandelay, piedpiper, dunder: status ``churned`` with the date and the reason), two
asked to cancel (acme, oscorp), one is healthy but quiet (cyberdyne).
"""

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from models.accounts import (  # noqa: E402
    Account,
    CommercialEvent,
    Contact,
    Invoice,
    SurveyResponse,
)
from models.records import Record  # noqa: E402

OUT = HERE / "accounts"

# id: (name, owner, plan, ARR, start, renewal, segment, status, status_at, reason)
ACCOUNTS = {
    "acme": (
        "Acme Logistics",
        "dana",
        "enterprise",
        120000,
        "2024-01-15",
        "2027-01-15",
        "enterprise",
        "cancel_requested",
        "2026-10-20T16:00:00Z",
        "Terminating the contract at renewal (call on 2026-10-20)",
    ),
    "globex": (
        "Globex Retail",
        "dana",
        "enterprise",
        180000,
        "2023-06-01",
        "2027-06-01",
        "enterprise",
        "active",
        None,
        None,
    ),
    "hooli": (
        "Hooli",
        "sam",
        "growth",
        64000,
        "2024-12-01",
        "2026-12-01",
        "mid_market",
        "active",
        None,
        None,
    ),
    "initech": (
        "Initech Software",
        "lee",
        "growth",
        36000,
        "2025-03-10",
        "2027-03-10",
        "mid_market",
        "active",
        None,
        None,
    ),
    "stark": (
        "Stark Manufacturing",
        "lee",
        "enterprise",
        150000,
        "2026-08-20",
        "2027-08-20",
        "enterprise",
        "active",
        None,
        None,
    ),
    "umbrella": (
        "Umbrella Health",
        "dana",
        "growth",
        48000,
        "2025-02-01",
        "2027-02-01",
        "mid_market",
        "active",
        None,
        None,
    ),
    "wayne": (
        "Wayne Media",
        "sam",
        "growth",
        72000,
        "2024-11-15",
        "2026-11-15",
        "mid_market",
        "active",
        None,
        None,
    ),
    "soylent": (
        "Soylent Foods",
        "kim",
        "starter",
        18000,
        "2025-01-20",
        "2027-01-20",
        "smb",
        "active",
        None,
        None,
    ),
    "vandelay": (
        "Vandelay Industries",
        "sam",
        "growth",
        42000,
        "2024-10-01",
        "2026-10-01",
        "mid_market",
        "churned",
        "2026-09-30T17:00:00Z",
        "Did not renew: the price, and moved to Chorus",
    ),
    "piedpiper": (
        "Pied Piper",
        "kim",
        "starter",
        12000,
        "2025-04-15",
        "2027-04-15",
        "smb",
        "churned",
        "2026-10-16T12:00:00Z",
        "Cancelled mid-term: moved to Gong",
    ),
    "dunder": (
        "Dunder Mifflin Paper",
        "lee",
        "starter",
        15000,
        "2025-05-01",
        "2027-05-01",
        "smb",
        "churned",
        "2026-10-23T09:00:00Z",
        "Budget cut after an acquisition (little warning)",
    ),
    "cyberdyne": (
        "Cyberdyne Systems",
        "dana",
        "starter",
        9000,
        "2025-07-01",
        "2027-07-01",
        "smb",
        "active",
        None,
        None,
    ),
    "oscorp": (
        "Oscorp",
        "kim",
        "growth",
        54000,
        "2025-01-05",
        "2027-01-05",
        "mid_market",
        "cancel_requested",
        "2026-10-26T11:00:00Z",
        "Asked for the notice period; reviewing vendors",
    ),
}
CHURNED = {
    cid: datetime.fromisoformat(str(a[8])) for cid, a in ACCOUNTS.items() if a[7] == "churned"
}

# id: [(name, role)]; the user id is the first name's email at the customer
PEOPLE = {
    "acme": [
        ("Morgan Lee", "decision_maker"),
        ("Chris Park", "admin"),
        ("Jo Bell", "champion"),
        ("Ana Ruiz", "user"),
        ("Ben Cole", "user"),
        ("Eli Shaw", "user"),
        ("Fay Moss", "user"),
    ],
    "globex": [
        ("Hank Scorpio", "decision_maker"),
        ("Lisa Chu", "admin"),
        ("Omar Haddad", "champion"),
        ("Pat Kim", "user"),
        ("Rae Lyn", "user"),
        ("Sol Ortiz", "user"),
        ("Tia Wong", "user"),
    ],
    "hooli": [
        ("Gavin Belson", "decision_maker"),
        ("Dana Wu", "admin"),
        ("Ravi Patel", "champion"),
        ("Jun Li", "user"),
        ("Kai Berg", "user"),
        ("Lou Diaz", "user"),
    ],
    "initech": [
        ("Bill Lumbergh", "decision_maker"),
        ("Peter Gibbons", "champion"),
        ("Milton Waddams", "admin"),
        ("Joanna Lee", "user"),
        ("Sam Tran", "user"),
    ],
    "stark": [
        ("Tony Stark", "decision_maker"),
        ("Pepper Potts", "admin"),
        ("Happy Hogan", "champion"),
        ("Rhodey Rhodes", "user"),
        ("Maya Hansen", "user"),
    ],
    "umbrella": [
        ("Albert Wesker", "decision_maker"),
        ("Jill Valentine", "admin"),
        ("Chris Redfield", "champion"),
        ("Rebecca Chambers", "user"),
        ("Barry Burton", "user"),
    ],
    "wayne": [
        ("Lucius Fox", "decision_maker"),
        ("Alfred Pennyworth", "admin"),
        ("Vicki Vale", "champion"),
        ("Harvey Dent", "user"),
        ("Selina Kyle", "user"),
    ],
    "soylent": [
        ("Priya Shah", "champion"),
        ("Tom Reed", "decision_maker"),
        ("Uma Bose", "admin"),
        ("Vic Hale", "user"),
    ],
    "vandelay": [
        ("Art Vandelay", "decision_maker"),
        ("George Costanza", "champion"),
        ("Elaine Benes", "admin"),
        ("Cosmo Kramer", "user"),
        ("Jerry Seinfeld", "user"),
    ],
    "piedpiper": [
        ("Richard Hendricks", "decision_maker"),
        ("Bertram Gilfoyle", "admin"),
        ("Dinesh Chugtai", "champion"),
        ("Jared Dunn", "user"),
    ],
    "dunder": [
        ("Michael Scott", "decision_maker"),
        ("Dwight Schrute", "champion"),
        ("Pam Beesly", "admin"),
        ("Jim Halpert", "user"),
        ("Stanley Hudson", "user"),
    ],
    "cyberdyne": [("Miles Dyson", "decision_maker"), ("Sarah Connor", "admin")],
    "oscorp": [
        ("Norman Osborn", "decision_maker"),
        ("Otto Octavius", "champion"),
        ("Felicia Hardy", "admin"),
        ("Max Dillon", "user"),
        ("Curt Connors", "user"),
    ],
}


def user_id(customer: str, name: str) -> str:
    return f"{name.split()[0].lower()}@{customer}.example"


CONTACTS = {
    cid: [(user_id(cid, name), name, role) for name, role in people]
    for cid, people in PEOPLE.items()
}

# Invoices: monthly from August, due in 30 days, normally paid 8 days after issue.
# (customer, month) -> (paid days after issue or None for unpaid, failed attempts)
PAYMENT_TROUBLE = {
    ("acme", 9): (41, 1),
    ("acme", 10): (None, 2),
    ("hooli", 9): (35, 0),
    ("soylent", 9): (20, 1),
    ("vandelay", 8): (40, 2),
    ("vandelay", 9): (None, 3),
    ("oscorp", 9): (44, 1),
    ("oscorp", 10): (None, 1),
}

# (customer, kind, when, amount, seats before, seats after, note)
COMMERCIAL = [
    ("globex", "seat_change", "2026-08-15T14:30:00Z", None, 40, 45, "five seats for new hires"),
    ("globex", "purchase", "2026-10-02T16:00:00Z", 24000, None, None, "forecasting add-on"),
    ("stark", "purchase", "2026-08-20T12:00:00Z", 150000, None, None, "first contract"),
    ("hooli", "seat_change", "2026-10-16T15:00:00Z", None, 60, 35, "European team wound down"),
    ("acme", "seat_change", "2026-09-21T10:00:00Z", None, 80, 60, "reduced at the escalation"),
    ("vandelay", "seat_change", "2026-09-05T09:00:00Z", None, 25, 15, "seat reduction"),
    ("oscorp", "seat_change", "2026-10-10T13:00:00Z", None, 30, 22, "seat reduction"),
    ("cyberdyne", "renewal", "2026-07-01T09:00:00Z", 9000, None, None, None),
    ("initech", "seat_change", "2026-09-16T11:00:00Z", None, 20, 24, "a new team"),
    ("umbrella", "renewal", "2026-02-01T09:00:00Z", 48000, None, None, None),
]

# (customer, kind, when, score, respondent's first name, comment)
SURVEYS = [
    ("acme", "nps", "2026-08-12T10:00:00Z", 6, "Morgan", None),
    (
        "acme",
        "nps",
        "2026-10-14T10:00:00Z",
        2,
        "Morgan",
        "Too expensive for what we use, we are terminating.",
    ),
    ("globex", "nps", "2026-08-20T10:00:00Z", 9, "Hank", None),
    (
        "globex",
        "nps",
        "2026-10-10T10:00:00Z",
        10,
        "Hank",
        "The forecasting reports save us hours every week.",
    ),
    ("hooli", "nps", "2026-09-01T10:00:00Z", 5, "Gavin", None),
    (
        "hooli",
        "nps",
        "2026-10-08T10:00:00Z",
        3,
        "Gavin",
        "Half the team stopped using it after the reorg.",
    ),
    ("initech", "nps", "2026-09-10T10:00:00Z", 8, "Bill", None),
    ("initech", "csat", "2026-09-03T10:00:00Z", 5, "Peter", None),
    ("stark", "nps", "2026-10-20T10:00:00Z", 9, "Tony", "Onboarding was smooth."),
    ("umbrella", "csat", "2026-09-05T10:00:00Z", 3, "Jill", "The invoice was confusing."),
    ("umbrella", "nps", "2026-10-05T10:00:00Z", 7, "Albert", None),
    ("wayne", "nps", "2026-10-01T10:00:00Z", 6, "Lucius", "The price is a concern at renewal."),
    ("soylent", "nps", "2026-09-25T10:00:00Z", 4, "Tom", "The mobile app is slow."),
    ("vandelay", "nps", "2026-08-18T10:00:00Z", 3, "Art", "Chorus is cheaper for the same thing."),
    ("vandelay", "csat", "2026-09-09T10:00:00Z", 2, "Elaine", None),
    ("piedpiper", "nps", "2026-08-30T10:00:00Z", 5, "Richard", None),
    ("dunder", "nps", "2026-08-25T10:00:00Z", 8, "Michael", None),
    ("cyberdyne", "nps", "2026-09-20T10:00:00Z", 9, "Miles", None),
    ("cyberdyne", "csat", "2026-09-18T10:00:00Z", 5, "Sarah", None),
    (
        "oscorp",
        "nps",
        "2026-10-12T10:00:00Z",
        4,
        "Norman",
        "We are reviewing vendors before the renewal.",
    ),
]

REP_FIRST = {"dana": "Dana", "sam": "Sam", "lee": "Lee", "kim": "Kim"}
# (file stem, customer, contact, when, rep, title, [(R or C, text)])
CALLS = [
    (
        "vandelay-2026-09-02-renewal",
        "vandelay",
        "Art",
        "2026-09-02T15:00:00Z",
        "sam",
        "Renewal review",
        [
            ("R", "Thanks for making time, Art. Your renewal is at the end of the month."),
            ("C", "Honestly the new price is too expensive for us."),
            ("C", "Chorus quoted us almost half of what we pay you."),
            ("R", "Let me see what we can do on the seat count and the term."),
        ],
    ),
    (
        "vandelay-2026-09-24-exit",
        "vandelay",
        "Art",
        "2026-09-24T11:00:00Z",
        "sam",
        "Renewal decision",
        [
            ("R", "Hi Art, I wanted to check where you landed on the renewal."),
            ("C", "We signed with Chorus last week, so we will not renew."),
            ("C", "Can you send us an export of all our recordings before the end of the month?"),
            ("R", "Of course, I'll send the export instructions today."),
        ],
    ),
    (
        "piedpiper-2026-09-08-cancel",
        "piedpiper",
        "Richard",
        "2026-09-08T16:00:00Z",
        "kim",
        "Account review",
        [
            ("R", "Hi Richard, how is the team finding the platform?"),
            ("C", "We have decided to cancel our subscription and move to Gong."),
            ("C", "How do we download all our transcripts before we go?"),
            ("R", "I'm sorry to hear that. I'll send you the bulk export steps."),
        ],
    ),
    (
        "dunder-2026-09-15-checkin",
        "dunder",
        "Michael",
        "2026-09-15T14:00:00Z",
        "lee",
        "Quarterly check-in",
        [
            ("R", "Hi Michael, anything we can help the team with this quarter?"),
            ("C", "Things are fine, the reps use the reports every week."),
            ("C", "Dwight wants a few more scorecards, but otherwise all good."),
            ("R", "Great, I'll share some scorecard templates."),
        ],
    ),
    (
        "cyberdyne-2026-09-29-qbr",
        "cyberdyne",
        "Miles",
        "2026-09-29T10:00:00Z",
        "dana",
        "Quarterly review",
        [
            ("R", "Hi Miles, thanks for joining the quarterly review."),
            ("C", "We are a small team, so we don't log in every day, but it does what we need."),
            ("C", "We might add two more seats next year when we hire."),
            ("R", "Good to hear. I'll check in again before the new year."),
        ],
    ),
    (
        "oscorp-2026-10-21-review",
        "oscorp",
        "Norman",
        "2026-10-21T15:00:00Z",
        "kim",
        "Contract review",
        [
            ("R", "Hi Norman, you wanted to talk about the contract?"),
            ("C", "Yes. What is the notice period if we decide not to renew?"),
            ("C", "The board thinks this is too expensive and we are looking at Clari."),
            ("R", "It's sixty days. Could we set up a value review with your team first?"),
            ("C", "Maybe, send me some times."),
        ],
    ),
]


def accounts() -> list[Record]:
    return [
        Account.model_validate(
            dict(
                zip(
                    (
                        "name",
                        "owner",
                        "plan",
                        "arr",
                        "start_date",
                        "renewal_date",
                        "segment",
                        "status",
                        "status_at",
                        "status_reason",
                    ),
                    values,
                    strict=True,
                ),
                customer_id=cid,
            )
        )
        for cid, values in ACCOUNTS.items()
    ]


def contacts() -> list[Record]:
    return [
        Contact(customer_id=cid, user=user, name=name, role=role)  # type: ignore[arg-type]
        for cid, people in CONTACTS.items()
        for user, name, role in people
    ]


def invoices() -> list[Record]:
    found: list[Record] = []
    for cid, values in ACCOUNTS.items():
        gone = CHURNED.get(cid)
        for month in (8, 9, 10):
            issued = datetime(2026, month, 1, 6, tzinfo=UTC)
            if gone and issued >= gone:
                continue
            after, failed = PAYMENT_TROUBLE.get((cid, month), (8, 0))
            paid = issued + timedelta(days=after) if after is not None else None
            found.append(
                Invoice(
                    customer_id=cid,
                    invoice_id=f"INV-{cid.upper()}-2026{month:02d}",
                    issued_at=issued,
                    due_at=issued + timedelta(days=30),
                    paid_at=paid,
                    amount=round(float(values[3]) / 12, 2),
                    failed_attempts=failed,
                )
            )
    return found


def commercial() -> list[Record]:
    return [
        CommercialEvent(
            customer_id=cid,
            kind=kind,  # type: ignore[arg-type]
            occurred_at=datetime.fromisoformat(when),
            amount=amount,
            seats_before=before,
            seats_after=after,
            note=note,
        )
        for cid, kind, when, amount, before, after, note in COMMERCIAL
    ]


def surveys() -> list[Record]:
    return [
        SurveyResponse(
            customer_id=cid,
            kind=kind,  # type: ignore[arg-type]
            score=score,
            responded_at=datetime.fromisoformat(when),
            respondent=f"{who.lower()}@{cid}.example",
            comment=comment,
        )
        for cid, kind, when, score, who, comment in SURVEYS
    ]


def _write_csv(name: str, record: type[Record], rows: list[Record]) -> None:
    columns = list(record.model_fields)
    with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            data = row.model_dump(mode="json")
            writer.writerow({c: "" if data[c] is None else data[c] for c in columns})


def _write_calls() -> None:
    folder = OUT / "calls"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for stem, cid, contact, when, rep, title, turns in CALLS:
        lines, clock = [], 0
        for side, text in turns:
            speaker = REP_FIRST[rep] if side == "R" else contact
            lines.append(f"[00:{clock // 60:02d}:{clock % 60:02d}] {speaker}: {text}\n")
            clock += max(3, round(len(text.split()) / 2.6))
        (folder / f"{stem}.txt").write_text("".join(lines))
        manifest.append([f"{stem}.txt", cid, ACCOUNTS[cid][0], rep, when, title])
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "customer_id", "customer_name", "rep", "occurred_at", "title"])
        writer.writerows(manifest)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    _write_csv("accounts.csv", Account, accounts())
    _write_csv("contacts.csv", Contact, contacts())
    _write_csv("invoices.csv", Invoice, invoices())
    _write_csv("commercial.csv", CommercialEvent, commercial())
    _write_csv("surveys.csv", SurveyResponse, surveys())
    _write_calls()


if __name__ == "__main__":
    main()
