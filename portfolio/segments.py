"""The RFM segmentation's configuration (portfolio/data/segments.yaml, or CALLINTEL_SEGMENTS_CONFIG): where
recency, frequency and monetary value come from, the named segments as rules over the 1-5 scores, and the
behaviour tags (the records are models/segments.py's). A bad file is one ConfigError naming the file and the
field (``segments.2.r: ...``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from ingest.validation import describe
from models.errors import ConfigError
from models.segments import BehaviourTag, Score, Segment, SegmentConfig
from risk.config import load_yaml

__all__ = [
    "DEFAULT_SEGMENTS",
    "BehaviourTag",
    "Score",
    "Segment",
    "SegmentConfig",
    "load_segments",
]

DEFAULT_SEGMENTS = Path(__file__).with_name("data") / "segments.yaml"


@lru_cache(maxsize=8)
def _load(source: Path, stamp: tuple[int, int]) -> SegmentConfig:
    raw = load_yaml(source, "segments configuration")
    try:
        return SegmentConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe(exc), source) from None


def load_segments(path: str | Path | None = None) -> SegmentConfig:
    """The segments configuration at ``path`` (the bundled one when None); ConfigError naming the file and
    field otherwise. Read again when the file changes (its time or size)."""
    source = Path(path) if path else DEFAULT_SEGMENTS
    try:
        stat = source.stat()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the segments configuration: {exc.strerror or exc}", source
        ) from None
    return _load(source, (stat.st_mtime_ns, stat.st_size))
