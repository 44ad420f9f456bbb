"""The synthetic portfolio (bench/make_portfolio.py) and the backtest bench (bench/risk_backtest.py)."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

from pydantic import BaseModel

from bench import risk_backtest
from bench.make_portfolio import (
    END,
    MECHANISMS,
    START,
    Portfolio,
    build,
    core_features,
    write,
)
from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from risk.backtest import backtest, churn_date
from risk.config import load_config
from tests.bench.conftest import PORTFOLIO_CUSTOMERS


def test_the_same_seed_gives_the_same_portfolio_and_another_seed_another():
    one, two, other = build(12, seed=3), build(12, seed=3), build(12, seed=4)
    assert one.histories == two.histories and one.profiles == two.profiles
    assert one.histories != other.histories


def test_counts_churners_and_what_each_churner_leaves_behind(portfolio: Portfolio):
    count = len(portfolio.histories)
    assert count == PORTFOLIO_CUSTOMERS == len({h.customer_id for h in portfolio.histories})
    churners = [h for h in portfolio.histories if churn_date(h) is not None]
    assert count / 10 <= len(churners) <= count * 3 / 10  # about a fifth
    mechanisms = {m for p in portfolio.profiles for m in p.mechanisms}
    assert mechanisms == set(MECHANISMS)
    assert any(p.churn_at and not p.mechanisms for p in portfolio.profiles)  # little warning
    assert any(
        p.activity < 0.25 and p.churn_at is None for p in portfolio.profiles
    )  # healthy quiet
    for history in churners:
        churned = churn_date(history)
        assert churned is not None and START < churned < END
        assert all(u.at < churned for u in history.usage)  # nothing after the customer left
        assert history.account is not None and history.account.status_reason
    features = {u.properties.get("feature") for h in portfolio.histories for u in h.usage}
    assert set(load_config().core_features) <= features  # one list: the risk configuration's
    pages = {u.properties.get("page") for h in portfolio.histories for u in h.usage}
    assert {"/pricing", "/settings/cancel"} <= pages
    users = {c.user for h in portfolio.histories for c in h.contacts}
    assert {u.properties["user"] for h in portfolio.histories[:20] for u in h.usage} <= users


def test_a_falling_login_churner_logs_in_less_at_the_end_than_a_year_before(portfolio: Portfolio):
    checked = 0
    for profile, history in zip(portfolio.profiles, portfolio.histories, strict=True):
        if profile.churn_at and profile.mechanisms == ("logins",) and profile.decline_days >= 60:
            window = timedelta(days=28)
            end = [
                u for u in history.usage if u.kind == "login" and u.at > profile.churn_at - window
            ]
            start = [u for u in history.usage if u.kind == "login" and u.at < START + window]
            assert len(end) < len(start)
            checked += 1
    assert checked


def test_the_written_files_have_the_records_columns_and_read_back(tmp_path):
    portfolio = build(8, seed=5, keep_rows=True)
    paths = write(portfolio, tmp_path)
    assert [p.name for p in paths] == [
        "accounts.csv",
        "contacts.csv",
        "invoices.csv",
        "commercial.csv",
        "surveys.csv",
        "usage.jsonl",
        "tickets.jsonl",
    ]
    records: tuple[type[BaseModel], ...] = (
        Account,
        Contact,
        Invoice,
        CommercialEvent,
        SurveyResponse,
    )
    for path, record in zip(paths[:5], records, strict=True):
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == list(record.model_fields)
            rows = [
                record.model_validate({k: v or None for k, v in r.items() if v}) for r in reader
            ]
        assert rows
    accounts = [h.account for h in portfolio.histories]
    assert rows and accounts[0] == Account.model_validate(
        {k: v for k, v in next(csv.DictReader(open(paths[0]))).items() if v}
    )
    usage = [json.loads(line) for line in open(tmp_path / "usage.jsonl")]
    assert len(usage) == sum(len(h.usage) for h in portfolio.histories)
    assert {"customer_id", "kind", "occurred_at", "properties"} == set(usage[0])
    tickets = [json.loads(line) for line in open(tmp_path / "tickets.jsonl")]
    assert len(tickets) == sum(len(h.interactions) for h in portfolio.histories)
    assert tickets[0]["messages"][0]["from"] == "customer"


def test_the_silence_baseline_catches_the_churners_that_went_silent(portfolio: Portfolio):
    start = START + timedelta(days=150)
    silence = backtest(portfolio.histories, risk_backtest.silence_judge(), start, END)
    by_id = {o.customer_id: o for o in silence.outcomes}
    silent = [
        p
        for p in portfolio.profiles
        if p.churn_at and "silence" in p.mechanisms and p.decline_days >= 45
    ]
    silent = [p for p in silent if p.customer_id in by_id]  # churned after the replay began
    assert silent and all(by_id[p.customer_id].caught for p in silent)


def test_the_bench_runs_and_reports_every_judge_as_json(capsys):
    assert risk_backtest.main(["--customers", "20", "--seed", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"engine", "usage drop alone", "silence alone"}
    assert all(
        r["customers"] == 20 - sum(0 for _ in ()) or r["customers"] <= 20 for r in report.values()
    )
    assert all(
        {"precision", "recall", "median_lead_days", "false_alarm_rate"} <= set(r)
        for r in report.values()
    )


def test_the_customers_use_the_core_features_the_engine_is_configured_with():
    # one list: the generator reads risk.yaml's core_features (or the ones it is given), never a copy
    assert core_features() == tuple(load_config().core_features)
    given = build(6, seed=3, core=("alpha", "beta"))
    features = {u.properties.get("feature") for h in given.histories for u in h.usage}
    assert {"alpha", "beta"} <= features and not features & set(load_config().core_features)


def test_recall_by_mechanism_counts_each_churner_under_every_mechanism_it_showed(
    portfolio: Portfolio,
):
    start = START + timedelta(days=150)
    silence = backtest(portfolio.histories, risk_backtest.silence_judge(), start, END)
    rows = {r.mechanism: r for r in risk_backtest.mechanism_recall(silence, portfolio.profiles)}
    assert set(rows) <= {*MECHANISMS, risk_backtest.LITTLE_WARNING}
    shown = {
        p.customer_id: p.mechanisms or (risk_backtest.LITTLE_WARNING,) for p in portfolio.profiles
    }
    churners = [o for o in silence.outcomes if o.churned_at is not None]
    assert sum(r.churners for r in rows.values()) == sum(
        len(shown[o.customer_id]) for o in churners
    )
    for name, row in rows.items():
        with_it = [o for o in churners if name in shown[o.customer_id]]
        assert (row.churners, row.caught) == (len(with_it), sum(o.caught for o in with_it))
    # the silence baseline catches the churners that went silent far more often than those that did not
    assert rows["silence"].recall is not None and rows["silence"].recall > 0.8
    assert (rows["pages"].recall or 0.0) < rows["silence"].recall


def test_a_run_over_seeds_prints_each_seed_and_judge_then_the_means(capsys):
    assert risk_backtest.run_seeds(((2, 12), (3, 12)), horizon=60, from_day=150) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * 3 + 3  # a line per seed and judge, then each judge's mean
    assert lines[0].startswith("seed      2 (12 customers)  engine") and "precision" in lines[0]
    assert [line.split("  ")[1].strip() for line in lines[-3:]] == [
        "engine",
        "usage drop alone",
        "silence alone",
    ]
    assert all(line.startswith("mean of 2 seeds") for line in lines[-3:])
    # the held-out seeds are new: none of them was a dev seed
    assert not {s for s, _ in risk_backtest.HELD_OUT_SEEDS} & {
        s for s, _ in risk_backtest.DEV_SEEDS
    }
