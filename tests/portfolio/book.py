"""A constructed book of 14 accounts whose churn trend, RFM quintiles, segments, tags and churn reasons are
computed by hand (tests/portfolio/test_portfolio.py states each figure).

As of 2026-10-31 23:59:59 UTC. Ten live customers c01..c10 (c03 started 2026-09-15, so it is new), four lost:
L1 churned 2026-09-10, L2 2026-10-05, L3 2026-10-20, L4 2025-12-15.

    customer  last contact  contacts  ARR      r f m  segment
    c01       100 days ago  5         90,000   1 3 5  high_value_inactive
    c02        90           6        100,000   2 3 5  high_value_inactive
    c03        80           1         10,000   2 1 1  new (started 46 days ago)
    c04       never         0         20,000   1 1 1  hibernating
    c05        60           3         30,000   3 2 2  need_attention
    c06        50           4         40,000   3 2 2  need_attention
    c07        40           7         50,000   4 4 3  loyal
    c08        30           8         60,000   4 4 3  loyal
    c09        20           9         70,000   5 5 4  champions
    c10        10          10         80,000   5 5 4  champions
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from models.store import Store
from models.tables import (
    AccountRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    RiskSignalRow,
    SurveyResponseRow,
    TagRow,
    UsageEventRow,
)

AS_OF = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
LAST_DAYS = {1: 100, 2: 90, 3: 80, 4: None, 5: 60, 6: 50, 7: 40, 8: 30, 9: 20, 10: 10}
CONTACTS = {1: 5, 2: 6, 3: 1, 4: 0, 5: 3, 6: 4, 7: 7, 8: 8, 9: 9, 10: 10}
ARR = {1: 90_000, 2: 100_000, **{i: (i - 2) * 10_000 for i in range(3, 11)}}
RENEWALS = {1: date(2026, 11, 15), 2: date(2026, 12, 15)}
LOST = {  # id: (churned at, ARR)
    "L1": (datetime(2026, 9, 10, 12, tzinfo=UTC), 12_000),
    "L2": (datetime(2026, 10, 5, 12, tzinfo=UTC), 24_000),
    "L3": (datetime(2026, 10, 20, 12, tzinfo=UTC), 36_000),
    "L4": (datetime(2025, 12, 15, 12, tzinfo=UTC), 6_000),
}


def days_ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def _interaction(customer: str, n: int, at: datetime, kind: str = "call") -> InteractionRow:
    key = f"{customer}-{n}"
    return InteractionRow(
        id=key,
        customer_id=customer,
        kind=kind,
        occurred_at=at,
        source=f"{key}.json",
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        rep="dana",
        meta={},
    )


def _tag(
    interaction: str, label: str, evidence: str, entity: str | None = None, role: str = "customer"
) -> TagRow:
    return TagRow(
        interaction_id=interaction, utterance_index=0, label=label, score=0.9, start=0,
        end=len(evidence), evidence=evidence, entity=entity, speaker_role=role,
    )  # fmt: skip


def _live(session) -> None:
    for i in range(1, 11):
        cid = f"c{i:02d}"
        session.add(CustomerRow(id=cid, name=f"Customer {i}"))
        started = date(2026, 9, 15) if i == 3 else date(2025, 1, 1)
        session.add(
            AccountRow(
                customer_id=cid, owner="dana" if i % 2 else "sam", arr=float(ARR[i]), start_date=started,
                renewal_date=RENEWALS.get(i, date(2027, 6, 1)), status="active",
            )
        )  # fmt: skip
        last = LAST_DAYS[i]
        for n in range(CONTACTS[i]):
            assert last is not None  # a customer never contacted has no contacts
            session.add(_interaction(cid, n, days_ago(last + 3 * n)))
    session.flush()
    session.add(_tag("c10-0", "product_issue", "the export keeps crashing"))  # complaint in 30 days
    session.add(
        UsageEventRow(
            customer_id="c09", kind="page_visit", occurred_at=days_ago(10),
            properties={"page": "/pricing", "user": "a@c09"}, dedup_key="c09-pricing",
        )
    )  # fmt: skip
    session.add(
        SurveyResponseRow(
            customer_id="c07", kind="nps", score=9, responded_at=days_ago(40), dedup_key="c07-nps"
        )
    )
    for cid, at, score, band in (
        ("c09", days_ago(1), 85.0, "green"),
        ("c09", days_ago(60), 30.0, "red"),
        ("c01", days_ago(1), 30.0, "red"),
        ("c02", days_ago(30), 80.0, "green"),
        ("c02", AS_OF + timedelta(days=5), 20.0, "red"),  # after as_of: not seen
    ):
        session.add(
            HealthSnapshotRow(customer_id=cid, as_of=at, score=score, band=band, breakdown={})
        )


def _lost(session) -> None:
    for cid, (churned, arr) in LOST.items():
        session.add(CustomerRow(id=cid, name=f"Lost {cid}"))
        session.add(
            AccountRow(
                customer_id=cid, owner="lee", arr=float(arr), start_date=date(2025, 1, 1),
                status="churned", status_at=churned, status_reason="gone",
            )
        )  # fmt: skip
    session.add(_interaction("L1", 0, datetime(2026, 8, 20, tzinfo=UTC)))
    session.add(
        _interaction("L1", 1, datetime(2026, 5, 1, tzinfo=UTC), "ticket")
    )  # >90 days before
    session.add(_interaction("L2", 0, datetime(2026, 9, 1, tzinfo=UTC)))
    session.add(_interaction("L3", 0, datetime(2026, 10, 1, tzinfo=UTC), "ticket"))
    session.flush()
    session.add(_tag("L1-0", "price_objection", "too expensive"))
    session.add(_tag("L1-0", "competitor_mention", "Gong", entity="Gong"))
    session.add(_tag("L1-1", "product_issue", "it is down again"))
    session.add(_tag("L2-0", "price_objection", "over our budget"))
    session.add(_tag("L3-0", "product_issue", "reports are wrong"))
    session.add(
        _tag("L3-0", "price_objection", "our price went up", role="rep")
    )  # the rep's: no reason
    session.add(
        RiskSignalRow(
            customer_id="L2", kind="late_payment", weight=10, occurred_at=datetime(2026, 9, 20, tzinfo=UTC),
            explanation="Invoice paid 12 days late",
        )
    )  # fmt: skip


def build_book(store: Store) -> None:
    with store.transaction() as session:
        _live(session)
        _lost(session)
