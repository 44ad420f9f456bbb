"""portfolio/data/segments.yaml and a bad copy of it: one ConfigError naming the file and the field."""

from __future__ import annotations

import pytest
import yaml

from models.errors import ConfigError
from portfolio.segments import DEFAULT_SEGMENTS, load_segments

BASE = yaml.safe_load(DEFAULT_SEGMENTS.read_text())


def test_the_bundled_configuration_names_the_six_segments_in_order():
    config = load_segments()
    assert config.segment_names() == [
        "new", "champions", "high_value_inactive", "loyal", "need_attention", "hibernating",
    ]  # fmt: skip
    assert config.label_of("high_value_inactive") == "High value but recently inactive"
    assert {"visited_pricing", "complaint_30d", "promoter"} <= set(config.tag_names())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"recency": "email"}, "recency: Input should be 'contact' or 'payment'"),
        ({"segments": [{"name": "a", "label": "A", "m": [0, 3]}]}, "segments.0.m.low: Input should be greater"),
        ({"segments": [{"name": "a", "label": "A", "r": [1, 2, 3]}]}, "segments.0.r: a score range is [low, high]"),
        ({"segments": [{"name": "a", "label": "A", "f": [4, 2]}]}, "segments.0.f: low (4) is above high (2)"),
        ({"segments": [{"name": "a", "label": "A"}, {"name": "a", "label": "B"}]}, "segments: the name 'a' is used twice"),
        ({"segments": []}, "segments: List should have at least 1 item"),
        ({"tags": [{"name": "t", "label": "T", "within_days": 5, "labels": ["pricing"]}]}, "tags.0.labels: unknown tag label 'pricing'"),
        ({"tags": [{"name": "t", "label": "T", "within_days": 5, "nps": [9, 11]}]}, "tags.0.nps: nps is [low, high] with 0 <= low <= high <= 10"),
        ({"tags": [{"name": "t", "label": "T", "within_days": 5}]}, "tags.0: a tag needs page, labels or nps"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_field(tmp_path, change, message):
    path = tmp_path / "segments.yaml"
    path.write_text(yaml.safe_dump({**BASE, **change}))
    with pytest.raises(ConfigError) as caught:
        load_segments(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_an_unreadable_or_broken_file_is_one_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the segments configuration"):
        load_segments(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("segments: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_segments(broken)


def test_an_edited_file_is_read_again(tmp_path):
    path = tmp_path / "segments.yaml"
    path.write_text(yaml.safe_dump({**BASE, "window_days": 30}))
    assert load_segments(path).window_days == 30
    path.write_text(yaml.safe_dump({**BASE, "window_days": 60}) + "\n")
    assert load_segments(path).window_days == 60
