"""The steady customers' signs in the synthetic portfolio (bench/portfolio_noise.py)."""

from __future__ import annotations

from bench import portfolio_noise, risk_backtest
from bench.make_portfolio import Portfolio, build
from risk.backtest import churn_date

NOISE_TITLES = {"Question", "Renewal terms", *(t.subject for t in portfolio_noise.ANGRY)}


def _steady(portfolio: Portfolio):
    return [h for h in portfolio.histories if churn_date(h) is None]


def test_steady_customers_show_the_leavers_signs_too(portfolio: Portfolio):
    steady = _steady(portfolio)
    tags = [(t.label, t.sentiment) for h in steady for f in h.interactions for t in f.tags]
    assert ("competitor_mention", "positive") in tags  # named in passing
    assert ("billing_question", "negative") in tags or ("product_issue", "negative") in tags
    pages = [u for h in steady for u in h.usage if u.properties.get("page") == "/pricing"]
    assert pages
    cuts = [c for h in steady for c in h.commercial if c.seat_delta < 0]
    assert cuts and all(-2 <= c.seat_delta <= -1 for c in cuts)
    assert any(s.kind == "nps" and s.score in (5, 6) for h in steady for s in h.surveys)
    assert any(i.paid_at and i.paid_at > i.due_at for h in steady for i in h.invoices)


def test_the_noise_leaves_the_customer_underneath_as_it_was(monkeypatch):
    noisy = build(16, seed=4)
    monkeypatch.setattr(portfolio_noise, "RATES", dict.fromkeys(portfolio_noise.RATES, 0.0))
    quiet = build(16, seed=4)
    assert noisy.profiles == quiet.profiles
    added = 0
    for n, q in zip(noisy.histories, quiet.histories, strict=True):
        assert set(q.interactions) <= set(n.interactions)
        assert all(u in n.usage for u in q.usage[::50])
        assert q.account == n.account and q.contacts == n.contacts
        added += len(n.interactions) - len(q.interactions) + len(n.usage) - len(q.usage)
    assert added  # and the noise added something


def test_the_noise_comes_before_a_churner_leaves_and_is_seeded(portfolio: Portfolio):
    for history in portfolio.histories:
        churned = churn_date(history)
        if churned is not None:
            noise = [f for f in history.interactions if f.title in NOISE_TITLES]
            assert all(f.occurred_at < churned for f in noise)
            assert all(c.occurred_at < churned for c in history.commercial)
    first, again = build(24, seed=3), build(24, seed=3)
    assert any(f.title in NOISE_TITLES for h in first.histories for f in h.interactions)
    assert again.histories == first.histories


def test_the_fourth_round_s_held_out_seeds_were_never_dev_or_held_out_before():
    v2 = {s for s, _ in risk_backtest.HELD_OUT_SEEDS_V2}
    assert len(v2) == 4
    assert not v2 & {s for s, _ in risk_backtest.DEV_SEEDS}
    assert not v2 & {s for s, _ in risk_backtest.HELD_OUT_SEEDS}
