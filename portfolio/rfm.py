"""RFM segmentation: every active customer's recency, frequency and monetary value scored 1-5 by quintile over
the whole book, the named segment its scores fall in, its health band and its behaviour tags. The statement is
models/rfm_repo.py's (one on SQLite and PostgreSQL: the scoring, the segment rules and the tags are SQL); this
module checks what a list is narrowed to against the configuration and reads one page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import rfm_repo
from models.rfm_repo import BANDS, CustomerSegment, SegmentFilter, value_segments
from models.segments import SegmentConfig

__all__ = ["BANDS", "CustomerSegment", "SegmentFilter", "segment_page", "value_segments"]


def segment_page(
    session: Session,
    config: SegmentConfig,
    as_of: datetime,
    wanted: SegmentFilter,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[CustomerSegment]]:
    """(how many customers match, one page of them): most valuable first (monetary, then id); InputError for a
    segment, band or tag the configuration does not know."""
    wanted.check(config)
    return rfm_repo.segment_page(session, config, as_of, wanted, limit, offset)
