"""bench/tune_fold.py's settings: ``name=value`` pairs as TuneOptions, and one clear line for a bad one."""

from __future__ import annotations

import pytest

from bench.tune_fold import options
from nlp.tune import TuneOptions


def test_pairs_become_the_tuning_options():
    chosen = options(["epochs=5", "layers=0,1,2,3,4,5", "sentiment_weight=0.3"])
    assert chosen == TuneOptions(epochs=5, layers=(0, 1, 2, 3, 4, 5), sentiment_weight=0.3)
    assert options([]) == TuneOptions()


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("epoch=5", "tune_fold.py: unknown TuneOptions field 'epoch'"),
        ("epochs=many", "tune_fold.py: epochs takes int, not 'many'"),
        ("layers=2,x", "tune_fold.py: layers takes comma-separated integers, not '2,x'"),
        ("adapter_lr=", "tune_fold.py: adapter_lr takes float, not ''"),
    ],
)
def test_a_bad_pair_is_one_line_naming_it(pair, message):
    with pytest.raises(SystemExit) as stopped:
        options([pair])
    assert str(stopped.value) == message
