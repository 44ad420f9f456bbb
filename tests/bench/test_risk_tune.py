"""The weight search (bench/risk_tune.py) scores exactly what the engine gives, and scales what it is told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench import risk_tune
from bench.make_portfolio import END, START, build
from risk.backtest import backtest, engine_judge
from risk.config import load_config

CONFIG = load_config()


@pytest.fixture(scope="module")
def derived() -> risk_tune.Derived:
    return risk_tune.derive(3, 24, CONFIG)


def test_derived_signals_scored_as_they_are_give_the_engine_s_own_backtest(
    derived: risk_tune.Derived,
):
    mine = risk_tune.score(derived, {}, CONFIG)
    engine = backtest(
        build(24, 3).histories, engine_judge(CONFIG), START + timedelta(days=150), END
    )
    assert [(o.customer_id, o.red_moments, o.caught, o.false_alarm) for o in mine.outcomes] == [
        (o.customer_id, o.red_moments, o.caught, o.false_alarm) for o in engine.outcomes
    ]


def test_a_multiplier_scales_its_kind_and_a_passing_competitor_has_a_key_of_its_own(
    derived: risk_tune.Derived,
):
    nothing = dict.fromkeys({k for found in derived.signals.values() for k, _ in found}, 0.0)
    silent = risk_tune.score(derived, nothing, CONFIG)
    assert silent.false_alarms <= risk_tune.score(derived, {}, CONFIG).false_alarms
    loud = risk_tune.score(derived, dict.fromkeys(nothing, 10.0), CONFIG)
    assert sum(o.red_moments for o in loud.outcomes) > sum(o.red_moments for o in silent.outcomes)
    passing = [
        s for found in derived.signals.values() for k, s in found if k == "competitor_mention~alone"
    ]
    assert all("in passing" in s.explanation for s in passing)
