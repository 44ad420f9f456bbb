"""Churn trend, churn reasons, RFM quintiles, segments, tags and bands on the hand-computed book of
tests/portfolio/book.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from models.errors import InputError
from models.tables import CommercialEventRow, InvoiceRow
from portfolio.churn import churn_reasons, churn_trend, months, quarters
from portfolio.rfm import SegmentFilter, segment_page
from portfolio.segments import SegmentConfig, load_segments
from portfolio.view import portfolio_view
from tests.portfolio.book import AS_OF, build_book, days_ago

pytestmark = pytest.mark.both_backends

SCORES = {  # (r, f, m, segment), by hand in book.py's table
    "c01": (1, 3, 5, "high_value_inactive"),
    "c02": (2, 3, 5, "high_value_inactive"),
    "c03": (2, 1, 1, "new"),
    "c04": (1, 1, 1, "hibernating"),
    "c05": (3, 2, 2, "need_attention"),
    "c06": (3, 2, 2, "need_attention"),
    "c07": (4, 4, 3, "loyal"),
    "c08": (4, 4, 3, "loyal"),
    "c09": (5, 5, 4, "champions"),
    "c10": (5, 5, 4, "champions"),
}


@pytest.fixture
def book(store):
    build_book(store)
    return store


def _page(store, wanted=SegmentFilter(), limit=50, offset=0):
    with store.transaction() as session:
        return segment_page(session, load_segments(), AS_OF, wanted, limit, offset)


def test_the_churn_rate_is_churned_over_active_at_the_start(book):
    with book.transaction() as session:
        trend = {p.period.label: p for p in churn_trend(session, months(AS_OF, 12), AS_OF)}
        by_quarter = {p.period.label: p for p in churn_trend(session, quarters(AS_OF, 4), AS_OF)}
    assert list(trend)[0] == "2025-11" and list(trend)[-1] == "2026-10"
    # October: the 10 live (c03 started 2026-09-15) + L2 + L3 were active on the 1st; L2 and L3 left
    october = trend["2026-10"]
    assert (october.active_at_start, october.churned, october.arr_churned) == (12, 2, 60_000)
    assert october.rate == pytest.approx(2 / 12)
    # September: 9 live (not c03) + L1, L2, L3; L1 left
    assert (trend["2026-09"].active_at_start, trend["2026-09"].churned) == (12, 1)
    assert (trend["2025-12"].active_at_start, trend["2025-12"].churned) == (13, 1)
    assert trend["2025-12"].arr_churned == 6_000
    assert trend["2026-08"].churned == 0 and trend["2026-08"].rate == 0
    assert (by_quarter["2026-Q4"].active_at_start, by_quarter["2026-Q4"].churned) == (12, 2)
    assert (by_quarter["2026-Q3"].active_at_start, by_quarter["2026-Q3"].churned) == (12, 1)
    assert by_quarter["2026-Q3"].arr_churned == 12_000


def test_a_churn_after_as_of_is_not_counted(book):
    with book.transaction() as session:
        (october,) = churn_trend(session, months(AS_OF, 1), AS_OF.replace(day=10))
    assert october.churned == 1  # L2 (Oct 5); L3 (Oct 20) is after the 10th


def test_churn_reasons_are_counted_in_customers_with_their_interactions(book):
    with book.transaction() as session:
        reasons = churn_reasons(session, AS_OF)
    assert [(r.reason, r.customers, r.lost) for r in reasons] == [
        ("price_objection", 2, 4),  # L1 and L2; L3's is the rep's
        ("competitor_mention:Gong", 1, 4),
        ("late_payment", 1, 4),  # a signal without an interaction
        ("product_issue", 1, 4),  # L3; L1's ticket is older than 90 days before its churn
    ]
    price, gong, late, _ = reasons
    assert [e.interaction_id for e in price.evidence] == ["L2-0", "L1-0"]  # newest first
    assert gong.label == "Competitor Gong" and gong.evidence[0].text == "Gong"
    assert late.evidence[0].interaction_id is None
    assert late.evidence[0].text == "Invoice paid 12 days late"


def test_rfm_scores_are_quintiles_and_segments_follow_the_rules(book):
    total, rows = _page(book)
    assert total == 10  # the live customers only
    assert {r.customer_id: (r.r, r.f, r.m, r.segment) for r in rows} == SCORES
    assert [r.customer_id for r in rows][:3] == ["c02", "c01", "c10"]  # most valuable first
    c01 = next(r for r in rows if r.customer_id == "c01")
    assert (c01.frequency, c01.monetary, c01.last_at.date().isoformat()) == (
        5,
        90_000,
        "2026-07-23",
    )


def test_bands_come_from_the_latest_snapshot_at_or_before_as_of(book):
    _, rows = _page(book)
    bands = {r.customer_id: r.band for r in rows if r.band}
    assert bands == {"c09": "green", "c01": "red", "c02": "green"}


def test_behaviour_tags(book):
    _, rows = _page(book)
    tagged = {r.customer_id: r.tags for r in rows if r.tags}
    assert tagged == {
        "c10": ("complaint_30d",),
        "c09": ("visited_pricing",),
        "c07": ("promoter",),
    }


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (SegmentFilter(segment="champions"), ["c10", "c09"]),
        (SegmentFilter(band="red"), ["c01"]),
        (SegmentFilter(owner="sam", segment="loyal"), ["c08"]),
        (SegmentFilter(tag="promoter"), ["c07"]),
        (SegmentFilter(renewal_within=30), ["c01"]),
        (SegmentFilter(renewal_within=60), ["c02", "c01"]),
    ],
)
def test_filters(book, wanted, expected):
    total, rows = _page(book, wanted)
    assert [r.customer_id for r in rows] == expected and total == len(expected)


def test_a_page_past_the_end_still_counts(book):
    assert _page(book, SegmentFilter(segment="need_attention"), 1, 5) == (2, [])
    total, rows = _page(book, limit=3, offset=3)
    assert total == 10 and len(rows) == 3


@pytest.mark.parametrize(
    ("wanted", "field"),
    [
        (SegmentFilter(segment="vip"), "segment"),
        (SegmentFilter(band="blue"), "band"),
        (SegmentFilter(tag="x"), "tag"),
    ],
)
def test_an_unknown_filter_names_its_field(book, wanted, field):
    with pytest.raises(InputError, match=f"^{field}: unknown {field}"):
        _page(book, wanted)


def test_the_portfolio_view(book):
    with book.transaction() as session:
        view = portfolio_view(session, load_segments(), AS_OF)
    assert view.active == 10 and view.arr == sum(range(10_000, 80_001, 10_000)) + 190_000
    assert view.by_segment() == {
        "champions": 2, "high_value_inactive": 2, "hibernating": 1, "loyal": 2, "need_attention": 2, "new": 1,
    }  # fmt: skip
    assert view.by_band() == {"green": 2, "red": 1, "unknown": 7}
    assert [r.reason for r in view.reasons][:1] == ["price_objection"]
    assert [p.period.label for p in view.quarters] == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]


def test_recency_frequency_and_money_can_come_from_payments_and_purchases(book):
    with book.transaction() as session:
        for cid, days, amount in (("c01", 10, 500.0), ("c02", 100, 2000.0), ("c03", 400, 9000.0)):
            session.add(
                InvoiceRow(
                    customer_id=cid, invoice_id=f"INV-{cid}", issued_at=days_ago(days + 30),
                    due_at=days_ago(days), paid_at=days_ago(days), amount=amount,
                )
            )  # fmt: skip
        session.add(
            CommercialEventRow(
                customer_id="c02",
                kind="purchase",
                occurred_at=days_ago(50),
                amount=100.0,
                dedup_key="p2",
            )
        )
    config = SegmentConfig.model_validate(
        {"recency": "payment", "frequency": "purchases", "monetary": "payments",
         "segments": [{"name": "everyone", "label": "Everyone"}]}
    )  # fmt: skip
    with book.transaction() as session:
        _, rows = segment_page(session, config, AS_OF, SegmentFilter())
    scores = {r.customer_id: (r.r, r.f, r.m) for r in rows}
    # recency: 7 never paid (rank 1: score 1), c03 rank 8 (1 + 35 // 10 = 4), c02 rank 9 and c01 rank 10 (5);
    # payments in the last 365 days: c03's is older, so it has none (1); c01 and c02 rank 9 and 10 (5)
    assert scores["c01"] == (5, 1, 5) and scores["c02"] == (5, 5, 5) and scores["c03"] == (4, 1, 1)
    assert {scores[c] for c in ("c04", "c05", "c10")} == {(1, 1, 1)}
    assert {r.segment for r in rows} == {"everyone"}
