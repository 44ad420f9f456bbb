"""Writes the samples in the other formats callintel reads (run once; the output is committed).

calls/vtt, calls/srt, calls/text: transcripts as WebVTT, SRT and "Speaker: text" with a manifest.csv each;
calls/audio: stereo recordings synthesised with espeak-ng (rep on one channel, customer on the other) with
sidecars; tickets/tickets.csv, tickets/tickets.json and tickets/email/*.eml. Needs espeak-ng for the audio.
"""

import csv
import hashlib
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

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
REPS = {"dana": "Dana Reyes", "sam": "Sam Okafor", "lee": "Lee Chen", "kim": "Kim Novak"}

# (format, file stem, customer, contact, occurred_at, rep, title, [(side, text)]) where side R is the rep.
CALLS = [
    (
        "vtt",
        "soylent-2026-09-22-usage",
        "soylent",
        "Priya",
        "2026-09-22T15:00:00Z",
        "kim",
        "Usage review",
        [
            (
                "R",
                "Hi Priya, thanks for joining. I wanted to look at how the team is using the platform.",
            ),
            ("C", "Sure. Honestly, usage has dropped a lot since the summer."),
            ("R", "What do you think is behind that?"),
            (
                "C",
                "The reps say the mobile app is slow, and Gong showed us a demo that looked simpler.",
            ),
            ("C", "If nothing changes we are probably not going to renew in January."),
            ("R", "That's fair feedback. Let me set up a session with our product team next week."),
            ("C", "Okay, that would help."),
        ],
    ),
    (
        "vtt",
        "stark-2026-08-25-kickoff",
        "stark",
        "Tony",
        "2026-08-25T14:00:00Z",
        "lee",
        "Kickoff",
        [
            ("R", "Welcome aboard Tony, thanks for making time for the kickoff."),
            ("C", "Happy to be here, the team is really excited to get started."),
            ("R", "Great. Today I'd like to agree on the rollout plan and the first training."),
            ("C", "Perfect. We have twenty reps starting on the platform in September."),
            ("R", "I'll schedule the first training for Tuesday and send the invite today."),
            ("C", "Wonderful, thank you. This looks like exactly what we needed."),
        ],
    ),
    (
        "vtt",
        "wayne-2026-09-08-pricing",
        "wayne",
        "Bruce",
        "2026-09-08T16:30:00Z",
        "sam",
        "Pricing check",
        [
            ("R", "Hi Bruce, thanks for taking the call. You mentioned questions about the quote."),
            ("C", "Yes. Our budget was cut by a third, so the current price does not work for us."),
            ("R", "I understand. Which parts of the package matter most to your team?"),
            ("C", "Mainly the call library. Can you match what Chorus offered us?"),
            ("R", "I can look at a lighter package. I'll send two options by Thursday."),
            ("C", "Fine, send them over."),
        ],
    ),
    (
        "vtt",
        "umbrella-2026-10-12-renewal",
        "umbrella",
        "Alice",
        "2026-10-12T11:00:00Z",
        "dana",
        "Renewal prep",
        [
            ("R", "Hello Alice, thanks for joining. Let's prepare for the renewal in December."),
            (
                "C",
                "Sure. First, why did our last invoice go up when the seat count stayed the same?",
            ),
            (
                "R",
                "The annual uplift in the contract applied in October. I can walk you through it.",
            ),
            ("C", "Please do. Otherwise the team is happy, the summaries save us a lot of time."),
            ("R", "Glad to hear it. I'll send the invoice breakdown tomorrow."),
        ],
    ),
    (
        "srt",
        "acme-2026-10-20-exit",
        "acme",
        "Maria",
        "2026-10-20T13:00:00Z",
        "dana",
        "Exit planning",
        [
            ("R", "Hi Maria, thanks for meeting. I know the decision has been made on your side."),
            ("C", "Yes, we are terminating the contract at the end of the term."),
            (
                "C",
                "We need all of our transcripts and recordings exported by the end of the month.",
            ),
            ("R", "Understood. I'll prepare a full export and share the download link by Friday."),
            ("C", "Thank you. Please also confirm the final invoice amount."),
        ],
    ),
    (
        "srt",
        "globex-2026-10-22-seats",
        "globex",
        "Tom",
        "2026-10-22T10:00:00Z",
        "sam",
        "Seat expansion",
        [
            ("R", "Morning Tom, thanks for joining. How did the pilot with customer success go?"),
            ("C", "Really well, they love the call summaries. We want to add thirty seats."),
            ("R", "Fantastic. I'll send the updated contract by Friday."),
            ("C", "Great, legal is ready to sign as soon as it arrives."),
        ],
    ),
    (
        "srt",
        "hooli-2026-10-16-downgrade",
        "hooli",
        "Gavin",
        "2026-10-16T17:00:00Z",
        "sam",
        "Downgrade request",
        [
            ("R", "Hi Gavin, thanks for the time. I saw the note about the European team."),
            ("C", "Right. We are cancelling the European seats at renewal, that part is final."),
            (
                "C",
                "And for the US team the price per seat is too high, Clari is cheaper for forecasting.",
            ),
            (
                "R",
                "I hear you. Let me put together a reduced package and send it by end of next week.",
            ),
            ("C", "Okay, but I can't promise anything."),
        ],
    ),
    (
        "srt",
        "initech-2026-09-15-deep-dive",
        "initech",
        "Peter",
        "2026-09-15T13:00:00Z",
        "lee",
        "Technical deep dive",
        [
            ("R", "Thanks for joining, Peter. Today is all about the integration questions."),
            ("C", "Great. Does the API support webhooks for new call summaries?"),
            ("R", "Yes, every summary can trigger a signed webhook to your CRM."),
            ("C", "And can we run everything on our own servers?"),
            ("R", "Yes, it is fully self-hosted. I'll share the deployment guide today."),
            ("C", "Perfect, that answers our security team's main concern."),
        ],
    ),
    (
        "txt",
        "soylent-2026-10-27-last-chance",
        "soylent",
        "Priya",
        "2026-10-27T15:00:00Z",
        "kim",
        "Last-chance call",
        [
            ("R", "Hi Priya, thanks for joining. I wanted to follow up on the product session."),
            (
                "C",
                "It was useful, but the decision is made. We will not renew the contract in January.",
            ),
            ("C", "How do we get all of our call data out in a format we can import elsewhere?"),
            (
                "R",
                "You can export everything as CSV and JSON. I'll send the instructions tomorrow.",
            ),
            ("C", "Thanks. Sorry it didn't work out."),
        ],
    ),
    (
        "txt",
        "wayne-2026-10-29-negotiation",
        "wayne",
        "Bruce",
        "2026-10-29T16:00:00Z",
        "sam",
        "Renewal negotiation",
        [
            ("R", "Hi Bruce, did you have a chance to review the two options?"),
            ("C", "We did. Even the lighter option is more than we can afford this year."),
            ("C", "Gong came back with a much lower number, and our CFO likes it."),
            (
                "R",
                "I understand. Let me see what I can do on a two-year term and call you on Monday.",
            ),
            ("C", "Alright, but we need an answer before the board meets."),
        ],
    ),
    (
        "txt",
        "stark-2026-10-15-training",
        "stark",
        "Tony",
        "2026-10-15T14:00:00Z",
        "lee",
        "Training follow-up",
        [
            ("R", "Hi Tony, how did the second training go for the new reps?"),
            ("C", "Excellent. The managers use the coaching scorecards every week now."),
            ("R", "That's great. Would you like a session on the forecasting dashboards?"),
            ("C", "Yes please, that would be very helpful for the quarter close."),
            ("R", "I'll book it for the first week of November and send the invite today."),
        ],
    ),
    (
        "txt",
        "umbrella-2026-08-18-billing",
        "umbrella",
        "Alice",
        "2026-08-18T10:00:00Z",
        "dana",
        "Billing setup",
        [
            ("R", "Hello Alice, thanks for calling. How can I help today?"),
            ("C", "We need invoices addressed to our finance department in Boston."),
            ("C", "Also, can we pay by bank transfer instead of card?"),
            ("R", "Yes to both. I'll update the billing profile this afternoon."),
            ("C", "Great, thank you."),
        ],
    ),
    (
        "audio",
        "globex-2026-09-29-sync",
        "globex",
        "Tom",
        "2026-09-29T09:00:00Z",
        "sam",
        "Quick sync",
        [
            ("R", "Hi Tom, thanks for joining this quick sync."),
            ("C", "Sure. The team is happy, the summaries save us hours every week."),
            ("R", "Great. I will send the renewal paperwork on Friday."),
        ],
    ),
    (
        "audio",
        "hooli-2026-10-28-renewal",
        "hooli",
        "Gavin",
        "2026-10-28T17:00:00Z",
        "sam",
        "Renewal call",
        [
            ("R", "Hi Gavin, thanks for taking the call about the renewal."),
            ("C", "We have decided to cancel the subscription when the contract ends."),
            ("C", "Please tell us how to export all of our recordings."),
            ("R", "I understand. I will send the export steps today."),
        ],
    ),
    (
        "audio",
        "initech-2026-10-26-checkin",
        "initech",
        "Peter",
        "2026-10-26T13:00:00Z",
        "lee",
        "Check-in",
        [
            ("R", "Hi Peter, thanks for making time. How is the rollout going?"),
            ("C", "Very well. The whole team uses it and the integration works."),
            ("R", "Excellent. I will send the quarterly report next week."),
        ],
    ),
]

TICKETS_CSV = [  # ticket_id, customer, created_at, subject, [(from, text)]
    (
        "T-1013",
        "soylent",
        "2026-09-18T09:00:00Z",
        "App is slow",
        [
            ("customer", "The mobile app takes a minute to load calls."),
            ("agent", "We are investigating the slowdown."),
        ],
    ),
    (
        "T-1014",
        "soylent",
        "2026-10-20T09:30:00Z",
        "Export everything",
        [("customer", "We need a complete export of all our data before we leave.")],
    ),
    (
        "T-1015",
        "wayne",
        "2026-09-30T14:00:00Z",
        "Quote",
        [
            (
                "customer",
                "Can you send the renewal quote again? The price seems much higher than last year.",
            )
        ],
    ),
    (
        "T-1016",
        "wayne",
        "2026-10-27T10:00:00Z",
        "Invoice currency",
        [("customer", "Why is our invoice in dollars instead of euros?")],
    ),
    (
        "T-1017",
        "stark",
        "2026-09-05T11:00:00Z",
        "Add users",
        [
            ("customer", "Please add three users to our account."),
            ("agent", "Added, they will get an email."),
            ("customer", "Great, thanks a lot!"),
        ],
    ),
    (
        "T-1018",
        "globex",
        "2026-10-08T15:00:00Z",
        "Dashboard idea",
        [("customer", "Love the dashboards! Could we filter them by region?")],
    ),
    (
        "T-1019",
        "acme",
        "2026-10-15T08:30:00Z",
        "Contract end",
        [("customer", "Please confirm the termination date of our contract in writing.")],
    ),
    (
        "T-1020",
        "hooli",
        "2026-10-22T16:00:00Z",
        "Seat reduction",
        [("customer", "Remove the twenty European seats from the next invoice please.")],
    ),
]
TICKETS_JSON = [
    (
        "T-1021",
        "initech",
        "2026-09-25T10:00:00Z",
        "API limits",
        "What are the rate limits on the summaries API?",
    ),
    (
        "T-1022",
        "umbrella",
        "2026-10-18T12:00:00Z",
        "Invoice uplift",
        "The October invoice is higher than September, can you explain the charge?",
    ),
    (
        "T-1023",
        "stark",
        "2026-10-25T09:00:00Z",
        "Scorecards",
        "The coaching scorecards are fantastic, the managers love them.",
    ),
    (
        "T-1024",
        "hooli",
        "2026-10-29T18:00:00Z",
        "Data download",
        "How can we bulk download every transcript before the contract ends?",
    ),
    (
        "T-1025",
        "soylent",
        "2026-10-29T08:00:00Z",
        "Cancellation",
        "Please cancel our subscription at the end of the current term.",
    ),
]
EMAILS = [  # file stem, customer, contact address, subject, [(sender, date, text)] oldest first
    (
        "acme-refund",
        "acme",
        "maria@acme-logistics.example",
        "Refund for double charge",
        [
            (
                "maria",
                "Mon, 21 Sep 2026 09:00:00 +0000",
                "We still have not received the refund for the double charge in September.",
            ),
            (
                "support",
                "Mon, 21 Sep 2026 15:00:00 +0000",
                "Apologies, the refund was issued today and should arrive within five days.",
            ),
        ],
    ),
    (
        "globex-sso",
        "globex",
        "tom@globex-retail.example",
        "SSO for the new team",
        [
            (
                "tom",
                "Tue, 13 Oct 2026 10:00:00 +0000",
                "Can you enable single sign-on for the customer success team?",
            )
        ],
    ),
    (
        "wayne-budget",
        "wayne",
        "bruce@wayne-media.example",
        "Budget for next year",
        [
            (
                "bruce",
                "Wed, 21 Oct 2026 11:00:00 +0000",
                "Our budget for next year is half of this year, so we cannot afford the current plan.",
            ),
            (
                "support",
                "Wed, 21 Oct 2026 13:00:00 +0000",
                "Thanks Bruce, I have passed this to Sam, your account manager.",
            ),
            (
                "bruce",
                "Thu, 22 Oct 2026 09:00:00 +0000",
                "Thanks. We are also talking to Gong, so please be quick.",
            ),
        ],
    ),
    (
        "initech-invoice",
        "initech",
        "peter@initech.example",
        "Invoice address",
        [
            (
                "peter",
                "Mon, 05 Oct 2026 14:00:00 +0000",
                "Please send future invoices to accounts@initech.example.",
            )
        ],
    ),
    (
        "umbrella-thanks",
        "umbrella",
        "alice@umbrella-health.example",
        "Thank you",
        [
            (
                "alice",
                "Fri, 16 Oct 2026 16:00:00 +0000",
                "Thank you for the invoice breakdown, it is all clear now.",
            )
        ],
    ),
    (
        "soylent-archive",
        "soylent",
        "priya@soylent-foods.example",
        "Archive of our calls",
        [
            (
                "priya",
                "Wed, 28 Oct 2026 10:00:00 +0000",
                "Is there a way to download an archive of all our call recordings?",
            ),
            (
                "support",
                "Wed, 28 Oct 2026 12:00:00 +0000",
                "Yes, the admin page has a bulk export. Here are the steps.",
            ),
        ],
    ),
]
SUPPORT = "Callintel Support <support@callintel-demo.example>"


def _clock(seconds: float, sep: str) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}".replace(".", sep)


def _timeline(turns):
    t = 0.0
    for side, text in turns:
        length = round(len(text.split()) / 2.6, 1)
        yield side, text, t, t + length
        t = round(t + length + 0.8, 1)


def write_transcript(fmt, stem, contact, rep, turns, folder: Path) -> None:
    names = {"R": REPS[rep].split()[0], "C": contact}
    timeline = list(_timeline(turns))
    if fmt == "vtt":
        body = "WEBVTT\n\n" + "\n".join(
            f"{_clock(a, '.')} --> {_clock(b, '.')}\n<v {names[s]}>{text}\n"
            for s, text, a, b in timeline
        )
    elif fmt == "srt":
        body = "\n".join(
            f"{i}\n{_clock(a, ',')} --> {_clock(b, ',')}\n{names[s]}: {text}\n"
            for i, (s, text, a, b) in enumerate(timeline, start=1)
        )
    else:
        body = "".join(f"[{_clock(a, '.')[:8]}] {names[s]}: {text}\n" for s, text, a, _ in timeline)
    (folder / f"{stem}.{fmt}").write_text(body)


def write_audio(stem, rep_side, turns, folder: Path, meta: dict) -> None:
    from tests.audio import dialogue, encode
    from transcribe.audio import load_audio

    with tempfile.TemporaryDirectory() as tmp:
        wav = dialogue(
            Path(tmp),
            [
                (rep_side if s == "R" else ("right" if rep_side == "left" else "left"), text)
                for s, text in turns
            ],
        )
        left, right = load_audio(wav).channels
        encode(folder / f"{stem}.ogg", "libopus", left, right)
    (folder / f"{stem}.ogg.meta.json").write_text(
        json.dumps({**meta, "rep_channel": rep_side}, indent=2) + "\n"
    )


def write_calls() -> None:
    manifests: dict[str, list[dict]] = {}
    for n, (fmt, stem, customer, contact, when, rep, title, turns) in enumerate(CALLS):
        folder = HERE / "calls" / {"txt": "text"}.get(fmt, fmt)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "customer_id": customer,
            "customer_name": NAMES[customer],
            "rep": rep,
            "occurred_at": when,
            "title": title,
        }
        if fmt == "audio":
            write_audio(stem, "left" if n % 2 == 0 else "right", turns, folder, meta)
            continue
        write_transcript(fmt, stem, contact, rep, turns, folder)
        manifests.setdefault(str(folder), []).append({"file": f"{stem}.{fmt}", **meta})
    for folder_name, rows in manifests.items():
        with open(Path(folder_name) / "manifest.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def write_tickets() -> None:
    folder = HERE / "tickets"
    with open(folder / "tickets.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["ticket_id", "customer_id", "customer_name", "created_at", "subject", "from", "body"]
        )
        for tid, customer, when, subject, messages in TICKETS_CSV:
            writer.writerows(
                [tid, customer, NAMES[customer], when, subject, sender, text]
                for sender, text in messages
            )
    tickets = [
        {
            "ticket_id": tid,
            "customer_id": c,
            "customer_name": NAMES[c],
            "created_at": when,
            "subject": subject,
            "body": body,
        }
        for tid, c, when, subject, body in TICKETS_JSON
    ]
    (folder / "tickets.json").write_text(json.dumps({"tickets": tickets}, indent=2) + "\n")
    (folder / "email").mkdir(exist_ok=True)
    rows = []
    for stem, customer, address, subject, thread in EMAILS:
        (folder / "email" / f"{stem}.eml").write_text(_email(address, subject, thread))
        rows.append(
            {"file": f"{stem}.eml", "customer_id": customer, "customer_name": NAMES[customer]}
        )
    with open(folder / "email" / "manifest.csv", "w", newline="") as fh:
        manifest = csv.DictWriter(fh, fieldnames=list(rows[0]))
        manifest.writeheader()
        manifest.writerows(rows)


def _email(address: str, subject: str, thread) -> str:
    contact = f"{address.split('@')[0].title()} <{address}>"
    who = {"support": SUPPORT}
    newest_sender, newest_date, newest_text = thread[-1]
    body = [newest_text, ""]
    depth = 1
    for sender, date, text in reversed(thread[:-1]):
        body += [
            f"{'> ' * (depth - 1)}On {date}, {who.get(sender, contact)} wrote:",
            f"{'> ' * depth}{text}",
            ">" * depth,
        ]
        depth += 1
    headers = [
        f"From: {who.get(newest_sender, contact)}",
        f"To: {SUPPORT if newest_sender != 'support' else contact}",
        f"Subject: {'Re: ' if len(thread) > 1 else ''}{subject}",
        f"Date: {newest_date}",
        f"Message-ID: <{hashlib.sha256((subject + newest_date).encode()).hexdigest()[:16]}@mail.example>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "",
    ]
    return "\n".join(headers) + "\n".join(body).rstrip() + "\n"


if __name__ == "__main__":
    write_calls()
    write_tickets()
