"""How nlp/train.py picks each intent's threshold from its out-of-fold F1 curve."""

import numpy as np

from nlp.train import THRESHOLDS, pick_threshold


def test_the_lowest_threshold_on_the_flat_top_is_picked():
    f1s = np.array([0.60, 0.70, 0.784, 0.79, 0.785, 0.70])
    assert pick_threshold(f1s, 0.01) == 2  # 0.784 is within 0.01 of the best, 0.79
    assert pick_threshold(f1s, 0.0) == 3  # no slack: the best


def test_a_lower_threshold_outside_the_slack_is_not_picked():
    f1s = np.array([0.50, 0.775, 0.79, 0.60])
    assert pick_threshold(f1s, 0.01) == 2


def test_the_grid_is_ascending():
    assert (np.diff(THRESHOLDS) > 0).all()
