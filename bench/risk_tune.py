"""Fit the risk engine's weights on dev seeds of the synthetic portfolio: a coordinate search over one
multiplier per signal kind.

    python bench/risk_tune.py [--seeds 1 2 3] [--customers 300] [--rounds 2] [--grid 0.25 0.5 ... 4]

The engine's signals are derived once per customer and weekly replay moment (as bench/risk_backtest.py replays
them), then scored again for each candidate set of multipliers with ``risk.health.rate``: a multiplier scales
the weight of every signal of its kind (``competitor_mention~alone`` is a competitor named in passing). The
search keeps a change when it raises the objective: mean precision plus mean recall over the seeds, minus a
penalty for each seed below ``--recall`` or ``--precision``. It prints each kept change and the multipliers;
writing them into risk/data/risk.yaml (with their reasons) is left to a person. Weights that are not fitted:
the indicators' (the seed's 20/30/25/15/10), the bands, and silence.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.make_portfolio import END, START, build  # noqa: E402
from models.records import RiskSignal  # noqa: E402
from risk.backtest import BacktestResult, Verdict, backtest  # noqa: E402
from risk.config import RiskConfig, load_config  # noqa: E402
from risk.health import has_data, rate  # noqa: E402
from risk.history import CustomerHistory  # noqa: E402
from risk.kinds import INDICATOR_KINDS, family  # noqa: E402
from risk.signals import derive_signals  # noqa: E402

__all__ = ["Derived", "derive", "key", "score"]

GRID = (0.25, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0)
FIXED = {*INDICATOR_KINDS, "several_warnings", "no_login", "no_contact", "cancel_requested"}


def key(signal: RiskSignal) -> str:
    """The multiplier a signal takes: its family, or ``competitor_mention~alone`` named in passing."""
    if signal.kind == "competitor_mention" and ", in passing (" in signal.explanation:
        return "competitor_mention~alone"
    return family(signal.kind)


@dataclass(frozen=True)
class Derived:
    """One seed's portfolio replayed: the thin histories (account data only) and each moment's signals."""

    seed: int
    histories: list[CustomerHistory]
    signals: dict[
        tuple[str, datetime], list[tuple[str, RiskSignal]]
    ]  # None-free: unknown moments left out


def derive(seed: int, customers: int, config: RiskConfig, from_day: int = 150) -> Derived:
    portfolio, start = build(customers, seed), START + timedelta(days=from_day)
    signals: dict[tuple[str, datetime], list[tuple[str, RiskSignal]]] = {}

    def judge(history: CustomerHistory, at: datetime) -> Verdict:
        if has_data(history, at):
            found = derive_signals(history, at, config)
            signals[history.customer_id, at] = [(key(s), s) for s in found]
        return Verdict(False)

    backtest(portfolio.histories, judge, start, END)
    # what rate() reads of a history is its account (the lifecycle status): the rest is left out
    thin = [
        replace(h, interactions=(), usage=(), invoices=(), commercial=(), surveys=())
        for h in portfolio.histories
    ]
    return Derived(seed, thin, signals)


def score(
    derived: Derived, multipliers: dict[str, float], config: RiskConfig, from_day: int = 150
) -> BacktestResult:
    """The backtest of the engine with each kind's weights times its multiplier."""

    def judge(history: CustomerHistory, at: datetime) -> Verdict:
        found = derived.signals.get((history.customer_id, at))
        if found is None:
            return Verdict(False)
        scaled = [
            s
            if (m := multipliers.get(k, 1.0)) == 1.0
            else s.model_copy(update={"weight": s.weight * m})
            for k, s in found
        ]
        return Verdict(rate(history, at, scaled, config).band == "red")

    return backtest(derived.histories, judge, START + timedelta(days=from_day), END)


def _objective(results: list[BacktestResult], recall: float, precision: float) -> float:
    ps = [r.precision or 0.0 for r in results]
    rs = [r.recall or 0.0 for r in results]
    short = sum(max(0.0, recall - r) for r in rs) + sum(max(0.0, precision - p) for p in ps)
    return (sum(ps) + sum(rs)) / len(results) - 3 * short


def _line(results: list[BacktestResult]) -> str:
    return "  ".join(
        f"{r.precision or 0:.2f}/{r.recall or 0:.2f}({r.false_alarms})" for r in results
    )


def search(
    derived: list[Derived], config: RiskConfig, args: argparse.Namespace
) -> dict[str, float]:
    kinds = sorted({k for d in derived for found in d.signals.values() for k, _ in found} - FIXED)
    best: dict[str, float] = {}

    def evaluate(multipliers: dict[str, float]) -> tuple[float, list[BacktestResult]]:
        results = [score(d, multipliers, config) for d in derived]
        return _objective(results, args.recall, args.precision), results

    value, results = evaluate(best)
    print(f"start  {value:.4f}  {_line(results)}", flush=True)
    for _ in range(args.rounds):
        for kind in kinds:
            for m in args.grid:
                trial = {**best, kind: best.get(kind, 1.0) * m}
                got, trial_results = evaluate(trial)
                if got > value + 1e-9:
                    best, value, results = trial, got, trial_results
                    print(
                        f"{kind:<26} x{trial[kind]:<6.3g} {value:.4f}  {_line(results)}", flush=True
                    )
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--grid", type=float, nargs="+", default=list(GRID))
    parser.add_argument(
        "--recall", type=float, default=0.82, help="penalise a seed below this recall"
    )
    parser.add_argument("--precision", type=float, default=0.66, help="... or this precision")
    args = parser.parse_args(argv)
    config, began = load_config(), time.perf_counter()
    derived = [derive(seed, args.customers, config) for seed in args.seeds]
    print(f"derived {len(derived)} seeds in {time.perf_counter() - began:.0f} s", flush=True)
    best = search(derived, config, args)
    print("multipliers:", {k: round(v, 3) for k, v in sorted(best.items())})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
