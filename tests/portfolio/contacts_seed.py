"""A constructed book for the contact-frequency tests, written row by row, with every figure worked out by hand.

As of 2026-10-31 00:00 UTC, a 90-day window (from 2026-08-02), rates per month (30 days: 3 periods):

- acme (smb, red: yellow 10-01, red 10-30, green 11-02 is after as_of), alice's calls on 10-01 (600 s,
  next step), 10-11 (1,200 s, no next step), 10-21 (no duration stored: its last utterance ends at 300 s; no
  summary), bob's email on 10-25 (the customer replied) and alice's chat on 10-28 (unanswered). A purchase
  on 10-05 converts the 10-01 call only; a seat change (10-15) is no conversion and a renewal on 11-05 is after
  as_of. 5 contacts: 1.6667/month, gaps 27 days / 4 = 6.75, recency 3 days.
- beta (smb, green), alice's ticket on 09-10 (answered) and her email on 10-20 (no reply): 2 contacts,
  0.6667/month, one gap of 40 days, recency 11.
- cyan (smb, no snapshot): alice's call on 2026-05-01 only, before the window: 0/month, recency 183 days.
- delta (ent), bob's meeting (a WebVTT transcript, 3,600 s, a next step) on 10-15: 0.3333/month, recency 16.
- echo (ent): only a survey comment (10-20), which is no contact: 0/month, never contacted.
- fox (smb) churned on 09-01: not in the book, nor is alice's call with it on 08-15 counted anywhere.

The smb norm is the median of (1.6667, 0.6667, 0) = 0.6667: acme is over (above 2 x 0.6667), beta normal,
cyan neglected (183 > 45 days). The ent norm is median(0.3333, 0) = 0.1667: delta normal, echo neglected.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models.store import Store
from models.tables import (
    AccountRow,
    CommercialEventRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    SummaryRow,
    TranscriptRow,
    UtteranceRow,
)

AS_OF = datetime(2026, 10, 31, tzinfo=UTC)


def day(month: int, d: int) -> datetime:
    return datetime(2026, month, d, tzinfo=UTC)


def _interaction(
    iid: str,
    customer: str,
    when: datetime,
    rep: str | None,
    kind: str,
    meta: dict[str, Any],
    turns: list[tuple[str, float | None]],
    duration: float | None = None,
) -> list[Any]:
    rows: list[Any] = [
        InteractionRow(
            id=iid,
            customer_id=customer,
            kind=kind,
            occurred_at=when,
            source=f"{iid}.src",
            sha256=iid.ljust(64, "0"),
            rep=rep,
            title=iid,
            meta=meta,
        )
    ]
    for idx, (role, end) in enumerate(turns):
        rows.append(
            UtteranceRow(
                interaction_id=iid,
                idx=idx,
                speaker_role=role,
                speaker_label=role.upper(),
                start_s=None if end is None else 0.0,
                end_s=end,
                text=f"{role} says {idx}",
            )
        )
    if kind == "call":
        rows.append(
            TranscriptRow(interaction_id=iid, language="en", duration_s=duration, engine="test")
        )
    return rows


def _summary(iid: str, customer: str, when: datetime, steps: int) -> SummaryRow:
    data = {
        "interaction_id": iid,
        "kind": "call",
        "customer_id": customer,
        "occurred_at": when.isoformat(),
        "overview": [],
        "key_moments": [],
        "customer_questions": [],
        "next_steps": [{"utterance_index": 0, "text": "I'll send it", "commitment": "I'll send it"}]
        * steps,
    }
    return SummaryRow(interaction_id=iid, data=data)


def _accounts() -> list[Any]:
    rows: list[Any] = []
    for cid, segment, status in [
        ("acme", "smb", "active"),
        ("beta", "smb", "active"),
        ("cyan", "smb", "active"),
        ("delta", "ent", "active"),
        ("echo", "ent", "cancel_requested"),
        ("fox", "smb", "churned"),
    ]:
        rows.append(CustomerRow(id=cid, name=cid.title()))
        rows.append(
            AccountRow(
                customer_id=cid,
                owner="dana",
                segment=segment,
                status=status,
                status_at=day(9, 1) if status == "churned" else None,
            )
        )
    return rows


def _contacts() -> list[Any]:
    call = {"format": "callintel-json"}
    return [
        *_interaction("a-call1", "acme", day(10, 1), "alice", "call", call, [("rep", 60.0)], 600),
        *_interaction("a-call2", "acme", day(10, 11), "alice", "call", call, [("rep", 9.0)], 1200),
        *_interaction("a-call3", "acme", day(10, 21), "alice", "call", call, [("rep", 300.0)]),
        *_interaction(
            "a-mail",
            "acme",
            day(10, 25),
            "bob",
            "ticket",
            {"format": "eml"},
            [("rep", None), ("customer", None)],
        ),
        *_interaction(
            "a-chat",
            "acme",
            day(10, 28),
            "alice",
            "ticket",
            {"format": "ticket", "channel": "chat"},
            [("customer", None)],
        ),
        *_interaction(
            "b-ticket",
            "beta",
            day(9, 10),
            "alice",
            "ticket",
            {"format": "ticket"},
            [("customer", None), ("rep", None)],
        ),
        *_interaction(
            "b-mail", "beta", day(10, 20), "alice", "ticket", {"format": "eml"}, [("rep", None)]
        ),
        *_interaction("f-call", "fox", day(8, 15), "alice", "call", call, [("rep", 60.0)], 60),
        *_interaction("c-call", "cyan", day(5, 1), "alice", "call", call, [("rep", 30.0)], 30),
        *_interaction(
            "d-meet",
            "delta",
            day(10, 15),
            "bob",
            "call",
            {"format": "webvtt"},
            [("rep", 3600.0)],
            3600,
        ),
        *_interaction(
            "e-survey",
            "echo",
            day(10, 20),
            None,
            "ticket",
            {"format": "survey"},
            [("customer", None)],
        ),
    ]


def _events() -> list[Any]:
    def event(n: int, kind: str, when: datetime) -> CommercialEventRow:
        return CommercialEventRow(
            customer_id="acme", kind=kind, occurred_at=when, dedup_key=f"e{n}"
        )

    def band(cid: str, when: datetime, name: str) -> HealthSnapshotRow:
        return HealthSnapshotRow(customer_id=cid, as_of=when, score=50.0, band=name, breakdown={})

    return [
        _summary("a-call1", "acme", day(10, 1), 1),
        _summary("a-call2", "acme", day(10, 11), 0),
        _summary("d-meet", "delta", day(10, 15), 2),
        event(1, "purchase", day(10, 5)),
        event(2, "seat_change", day(10, 15)),
        event(3, "renewal", day(11, 5)),
        band("acme", day(10, 1), "yellow"),
        band("acme", day(10, 30), "red"),
        band("acme", day(11, 2), "green"),
        band("beta", day(10, 1), "green"),
    ]


def seed_contacts(store: Store) -> None:
    """Write the book above into ``store`` (one transaction)."""
    with store.transaction() as session:
        session.add_all(_accounts())
        session.flush()
        session.add_all(_contacts())
        session.flush()
        session.add_all(_events())
