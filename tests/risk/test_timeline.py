"""The timeline shows payments, survey answers and commercial events among calls, usage and signals."""

from models.accounts import Invoice
from risk.config import load_config
from risk.timeline import TimelineEntry, timeline
from tests.risk.histories import AS_OF, ago, call, full, invoice, purchase, seats, survey, team

CONFIG = load_config()


def test_payments_surveys_and_commercial_events_are_entries():
    invoices = [
        invoice("x", 1, 60, 60),  # paid on time
        invoice("x", 2, 40, 25),  # 15 days late
        invoice("x", 3, 10, None, failed=2),  # unpaid, two failed attempts
        Invoice(
            customer_id="x", invoice_id="INV-4", issued_at=ago(2), due_at=ago(-28), amount=50.0
        ),
    ]
    h = full(
        "x",
        [call(5)],
        team(30),
        invoices=invoices,
        surveys=[
            survey("x", "nps", 4, 8).model_copy(update={"comment": "Too slow"}),
            survey("x", "csat", 5, 3),
        ],
        commercial=[seats("x", 20, 12, 12), purchase("x", 70), purchase("x", 20, kind="purchase")],
    )
    entries = timeline(h, AS_OF, CONFIG, days=90)
    assert entries == sorted(entries, key=lambda e: e.at)
    by_kind: dict[str, list[TimelineEntry]] = {}
    for e in entries:
        by_kind.setdefault(e.kind, []).append(e)
    payments = {e.title: e.detail for e in by_kind["payment"]}
    assert payments["invoice INV-1"] == "1,000.00 USD paid on time (due 2026-09-01)"
    assert payments["invoice INV-2"] == "1,000.00 USD paid 15 days late (due 2026-09-21)"
    assert (
        payments["invoice INV-3"]
        == "1,000.00 USD unpaid, 10 days past due; 2 failed payment attempt(s)"
    )
    assert payments["invoice INV-4"] == "50.00 USD issued, due 2026-11-28"
    surveys = [(e.title, e.detail) for e in by_kind["survey"]]
    assert surveys == [("NPS 4 (detractor)", 'by ann: "Too slow"'), ("CSAT 5", "by ann")]
    commercial = [e.title for e in by_kind["commercial"]]
    assert commercial == ["renewal", "purchase", "seats down: 20 -> 12"]
    signals = {e.title for e in by_kind["signal"]}
    assert {
        "payment_failed",
        "overdue_payment",
        "late_payment",
        "nps_detractor",
        "seat_reduction",
    } <= signals


def test_the_window_and_as_of_bound_the_account_entries():
    h = full(
        "x", [call(5)], invoices=[invoice("x", 1, 200, 199)], surveys=[survey("x", "nps", 9, -3)]
    )
    kinds = {e.kind for e in timeline(h, AS_OF, CONFIG, days=90)}
    assert "payment" not in kinds and "survey" not in kinds  # too old, and not yet
