"""Regression guard on held-out quality: the figures in the README must not silently drop."""

import pytest

from bench import tag_quality
from nlp.dataset import load_split
from nlp.tagger import TagInput


@pytest.mark.slow  # the real tagger over the whole held-out split
def test_held_out_quality(tagger):
    examples = load_split("test")
    results = list(tagger.tag(TagInput(e.text, e.speaker) for e in examples))
    quality = tag_quality.score(examples, results, "test")
    assert quality.macro_f1 >= 0.90
    assert quality.sentiment_accuracy >= 0.80
    competitor = next(s for s in quality.labels if s.label == "competitor_mention")
    assert competitor.f1 >= 0.95
