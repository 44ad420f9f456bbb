"""bench/tag_equivalence.py reports a line whose outputs moved, and passes lines whose scores moved less than
the tolerance (it guards the tagger's speed changes: same tags, spans, scores and sentiments)."""

from __future__ import annotations

import copy
from typing import Any

from bench.tag_equivalence import compare, differences

ROW = {
    "tags": [["price_objection", None, 0, 12, "too pricey", 0.91]],
    "sentiment": ["negative", 0.97],
    "units": [[0, 12]],
    "intent_units": {"price_objection": 0},
    "intent_scores": {"price_objection": 0.9123456, "product_issue": 0.01},
    "utterance_sentiment": ["negative", 0.9712345],
}


def _moved(path: tuple, value: object) -> dict:
    row = copy.deepcopy(ROW)
    target: Any = row
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return row


def test_identical_and_within_tolerance_pass():
    assert differences(ROW, copy.deepcopy(ROW), 1e-6) == []
    assert differences(ROW, _moved(("intent_scores", "product_issue"), 0.0100004), 1e-6) == []


def test_each_moved_output_is_named():
    cases = [
        (("tags", 0, 3), 13),  # a span end
        (("tags", 0, 4), "too"),  # the evidence
        (("sentiment", 0), "neutral"),
        (("units", 0, 1), 11),
        (("intent_units", "price_objection"), 1),
        (("intent_scores", "price_objection"), 0.9123556),  # 1e-5 off
        (("utterance_sentiment", 1), 0.9712445),
    ]
    for path, value in cases:
        found = differences(ROW, _moved(path, value), 1e-6)
        assert len(found) == 1, (path, found)


def test_compare_fails_when_a_line_differs(capsys):
    lines = [("too pricey", "customer"), ("fine", "rep")]
    assert compare(lines, [ROW, ROW], [ROW, copy.deepcopy(ROW)], 1e-6) == 0
    assert compare(lines, [ROW, ROW], [ROW, _moved(("sentiment", 0), "neutral")], 1e-6) == 1
    assert "1 lines differ" in capsys.readouterr().out
