"""The backtest's measures on small constructed portfolios whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.accounts import Account, Invoice
from risk.backtest import (
    Verdict,
    backtest,
    default_window,
    engine_judge,
    history_as_of,
    replay_moments,
)
from risk.config import load_config
from risk.history import CustomerHistory, InteractionFacts, TagFact, UsageFact

START = datetime(2026, 1, 1, tzinfo=UTC)  # replay moments: START + 7k days
END = START + timedelta(days=7 * 20)  # 21 moments, k = 0..20


def week(k: float) -> datetime:
    return START + timedelta(days=7 * k)


def customer(cid: str, churn_week: float | None = None, status: str = "churned") -> CustomerHistory:
    account = Account(customer_id=cid)
    if churn_week is not None:
        account = Account(customer_id=cid, status=status, status_at=week(churn_week))  # type: ignore[arg-type]
    return CustomerHistory(cid, account=account)


def scripted(reds: dict[str, set[int]], kinds: dict[str, str] | None = None):
    """A judge that is red for customer c at exactly the weeks in reds[c] (firing kinds[c] then)."""
    seen: list[tuple[str, datetime]] = []

    def judge(history: CustomerHistory, at: datetime) -> Verdict:
        seen.append((history.customer_id, at))
        k = round((at - START).days / 7)
        red = k in reds.get(history.customer_id, set())
        fired = frozenset({(kinds or {}).get(history.customer_id, "x")}) if red else frozenset()
        return Verdict(red, fired)

    judge.seen = seen  # type: ignore[attr-defined]
    return judge


def test_precision_recall_lead_time_and_false_alarms_by_hand():
    histories = [
        customer(
            "caught", churn_week=10
        ),  # red at weeks 4 and 6, both in [week 1.43, week 10): lead 42 days
        customer(
            "early", churn_week=15
        ),  # red only at week 2: outside its horizon -> missed, false alarm
        customer("missed", churn_week=12),  # never red
        customer("quiet"),  # never red: fine
        customer("alarm"),  # red at week 3, no churn by week 3 + 60 days: a false alarm
        customer(
            "late"
        ),  # red at week 19 only: 19 weeks + 60 days is past END -> censored, not false
        customer("gone", churn_week=0),  # churned at START: out of scope
    ]
    reds = {"caught": {4, 6}, "early": {2}, "alarm": {3}, "late": {19}}
    result = backtest(histories, scripted(reds), START, END, horizon_days=60)
    assert result.customers == 6 and result.churners == 3 and result.non_churners == 3
    assert result.caught == 1 and result.recall == pytest.approx(1 / 3)
    assert result.false_alarms == 2  # early (a churner red only outside the horizon) and alarm
    assert result.precision == pytest.approx(1 / 3)
    assert result.non_churner_false_alarms == 1 and result.false_alarm_rate == pytest.approx(1 / 3)
    assert result.median_lead_days == pytest.approx(42.0)  # week 4 -> week 10
    by_id = {o.customer_id: o for o in result.outcomes}
    assert by_id["late"].censored_reds == 1 and not by_id["late"].false_alarm
    assert "gone" not in by_id
    assert by_id["caught"].moments == 10  # weeks 0..9, never on or after the churn


def test_lead_time_is_from_the_first_red_within_the_horizon_and_the_median_of_them():
    histories = [customer("a", churn_week=12), customer("b", churn_week=12), customer("c", 12)]
    reds = {"a": {11}, "b": {5, 9, 10, 11}, "c": {4, 8}}  # horizon 60 days: weeks 3.43.. onwards
    result = backtest(histories, scripted(reds), START, END, horizon_days=60)
    leads = {o.customer_id: o.lead_days for o in result.outcomes}
    assert leads == {"a": 7.0, "b": 49.0, "c": 56.0}
    assert result.median_lead_days == 49.0 and result.recall == 1.0 and result.precision == 1.0


def test_a_customer_is_never_judged_on_or_after_its_churn_date():
    judge = scripted({})
    backtest([customer("x", churn_week=3.5)], judge, START, END)
    assert [at for _, at in judge.seen] == [week(0), week(1), week(2), week(3)]
    assert replay_moments(START, END, week(3)) == [week(0), week(1), week(2)]


def test_lift_of_a_signal_kind():
    histories = [customer(f"ch{i}", churn_week=10) for i in range(2)] + [
        customer(f"ok{i}") for i in range(6)
    ]
    reds = {"ch0": {8}, "ch1": {8}, "ok0": {1}, "ok1": {1}}
    kinds = {"ch0": "cancel", "ch1": "cancel", "ok0": "cancel", "ok1": "price"}
    result = backtest(histories, scripted(reds, kinds), START, END)
    lifts = {s.kind: s for s in result.lifts}
    # P(churn) = 2/8; P(churn | cancel) = 2/3 -> lift 8/3; P(churn | price) = 0 -> lift 0
    assert lifts["cancel"].customers == 3 and lifts["cancel"].churners == 2
    assert lifts["cancel"].lift == pytest.approx(8 / 3)
    assert lifts["price"].lift == 0.0 and result.lifts[0].kind == "cancel"


def test_no_churners_no_reds_gives_no_ratio_rather_than_a_made_up_one():
    result = backtest([customer("a"), customer("b")], scripted({}), START, END)
    assert result.recall is None and result.precision is None and result.median_lead_days is None
    assert result.false_alarm_rate == 0.0 and result.lifts == []


def test_a_churned_account_without_a_date_is_left_out():
    undated = CustomerHistory("u", account=Account(customer_id="u", status="churned"))
    result = backtest([undated, customer("a")], scripted({}), START, END)
    assert [o.customer_id for o in result.outcomes] == ["a"]


def test_the_judge_sees_nothing_after_the_moment():
    paid_late = Invoice(
        customer_id="c",
        invoice_id="I1",
        issued_at=week(1),
        due_at=week(2),
        paid_at=week(5),
        amount=10,
        failed_attempts=2,
    )
    history = CustomerHistory(
        "c",
        usage=tuple(UsageFact("login", week(k)) for k in range(10)),
        account=Account(customer_id="c", status="cancel_requested", status_at=week(6)),
        invoices=(paid_late,),
    )
    seen = history_as_of(history, week(3))
    assert [u.at for u in seen.usage] == [week(k) for k in range(4)]
    assert seen.invoices[0].paid_at is None and seen.account is not None
    assert history_as_of(history, week(1.5)).invoices[0].failed_attempts == 0  # not due yet
    assert seen.invoices[0].failed_attempts == 2  # overdue at week 3
    assert seen.account.status == "active"
    later = history_as_of(history, week(7))
    assert later.invoices[0].paid_at == week(5) and later.account.status == "cancel_requested"  # type: ignore[union-attr]


def _cancelling(cid: str, churn_week: int) -> CustomerHistory:
    said = "Please cancel our subscription, we are moving to Gong."
    tags = (
        TagFact("cancellation_intent", 0.97, "cancel", None, 0, None, said, "customer", "negative"),
        TagFact("competitor_mention", 0.99, "Gong", "Gong", 0, None, said, "customer", "negative"),
        TagFact("price_objection", 0.9, "expensive", None, 0, None, said, "customer", "negative"),
    )
    ticket = InteractionFacts(
        f"t_{cid}", "ticket", week(churn_week - 3), "Cancel", tags, ("negative",)
    )
    logins = tuple(UsageFact("login", week(k / 7)) for k in range(7 * (churn_week - 5)))
    account = Account(customer_id=cid, status="churned", status_at=week(churn_week))
    return CustomerHistory(cid, interactions=(ticket,), usage=logins, account=account)


def test_the_engine_as_judge_catches_a_customer_that_said_it_is_leaving():
    steady = CustomerHistory(
        "steady", usage=tuple(UsageFact("login", week(k / 7)) for k in range(7 * 20))
    )
    histories = [_cancelling("leaver", 16), steady]
    result = backtest(histories, engine_judge(load_config()), START, END, horizon_days=60)
    by_id = {o.customer_id: o for o in result.outcomes}
    assert by_id["leaver"].caught and by_id["leaver"].lead_days is not None
    assert not by_id["steady"].false_alarm and "cancellation_intent" in by_id["leaver"].kinds
    window = default_window(histories)
    assert window == (START, week(139 / 7))  # the steady customer's last login


@given(
    reds=st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]), st.sets(st.integers(0, 20)), max_size=4
    ),
    churns=st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(1, 25), max_size=4),
    horizon=st.integers(7, 120),
)
def test_the_measures_are_consistent_whatever_the_reds(reds, churns, horizon):
    histories = [customer(c, churns.get(c)) for c in "abcd"]
    result = backtest(histories, scripted(reds), START, END, horizon_days=horizon)
    assert (
        result.caught <= result.churners and result.non_churner_false_alarms <= result.non_churners
    )
    for value in (result.precision, result.recall, result.false_alarm_rate):
        assert value is None or 0.0 <= value <= 1.0
    for o in result.outcomes:
        assert not (o.caught and o.false_alarm)
        assert o.lead_days is None or 0 < o.lead_days <= horizon
    never_red = backtest(histories, scripted({}), START, END, horizon_days=horizon)
    assert never_red.caught == 0 and never_red.false_alarms == 0
