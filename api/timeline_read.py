"""``GET /api/customers/{id}/timeline`` from stored state as plain records, serialised as they are (issue 19).

The usual case of the route: the customer's current evaluation is stored, every weekly point of the replay
has a stored evaluation (the refresh ran, or ``callintel alert backfill``), and the window reaches no further
back than the stored signals' horizon. Then everything the answer holds is read in one transaction: the
stored evaluation and its signals as the at-risk list's record (models/risk_lines.py ``customer_state``), the
week's evaluations, the window's interactions, its usage counted per day in SQL and the account's invoices,
commercial events and survey answers. The answer's bytes come from ``TypeAdapter.dump_json`` over
dataclasses in ``TimelineOut``'s field order: no pydantic model is built or validated (``TimelineOut``'s
JSON, byte for byte: tests/api/test_timeline_read.py). In any other case ``stored_timeline`` answers None and
the route builds the view as before (api/queries.py ``customer_view``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import cast

from pydantic import TypeAdapter
from sqlalchemy import Connection

from api.queries import STEP, points_of
from models.current_health import evaluations_in
from models.history_repo import account_records, interactions_between, usage_by_day
from models.records import RiskSignal
from models.risk_lines import RiskLine, SignalLine, customer_state
from models.store import Store
from risk.config import RiskConfig
from risk.health import Band, Health
from risk.history import CustomerHistory
from risk.timeline import TimelineEntry, timeline_of

__all__ = [
    "EntryLine",
    "ReplayLine",
    "StoredState",
    "TimelineLines",
    "TIMELINE",
    "stored_entries",
    "stored_state",
    "stored_timeline",
]


@dataclass(frozen=True, slots=True)
class ReplayLine:
    """``api.schemas.ReplayPoint``'s fields in its order."""

    as_of: datetime
    score: float | None
    band: str
    breakdown: dict[str, float]


@dataclass(frozen=True, slots=True)
class EntryLine:
    """``api.schemas.TimelineEntryOut``'s fields in its order."""

    at: datetime
    kind: str
    title: str
    detail: str
    ref: str | None


@dataclass(frozen=True, slots=True)
class TimelineLines:
    """``api.schemas.TimelineOut``'s fields in its order: its JSON through ``TIMELINE``."""

    health: RiskLine
    replay: list[ReplayLine]
    timeline: list[EntryLine]


TIMELINE = TypeAdapter(TimelineLines)


@dataclass(frozen=True)
class StoredState:
    """What the stored state gives of a customer's window (``stored_state``): the stored evaluation by the
    moment with its signals, each weekly point of the replay as a stored evaluation (the last one is
    ``line``'s), and the window's account records, interactions and usage counted per day."""

    line: RiskLine
    points: list[Health]
    history: CustomerHistory
    usage: list[tuple[date, str, int]]

    def health(self) -> Health:
        """``line`` as a Health (its signals as the risk engine's records, its churned flag the stored one)."""
        line, latest = self.line, self.points[-1]
        signals = [_signal(line.customer_id, s) for s in line.signals]
        points = [s.points or 0.0 for s in line.signals]
        band = cast(Band, line.band)
        return Health(
            line.customer_id, line.as_of, line.score, band, line.breakdown, signals, points,
            line.raw_risk, latest.churned,
        )  # fmt: skip


def stored_timeline(
    store: Store, config: RiskConfig, customer_id: str, moment: datetime, days: int
) -> TimelineLines | None:
    """The timeline over ``days`` up to ``moment`` from stored state, in one transaction; None where the
    stored state does not give all of it (``stored_state``): the caller recomputes."""
    with store.reads() as session:
        state = stored_state(session.connection(), config, customer_id, moment, days)
    if state is None:
        return None
    replay = [_replay_line(p) for p in state.points]
    entries = stored_entries(state, config, moment, days)
    return TimelineLines(state.line, replay, [_entry_line(e) for e in entries])


def stored_state(
    reads: Connection,
    config: RiskConfig,
    customer_id: str,
    moment: datetime,
    days: int,
    account: CustomerHistory | None = None,
) -> StoredState | None:
    """The window of ``days`` up to ``moment`` from stored state, in the caller's transaction (Core reads
    without the ORM's per-statement work); None where the stored state does not give all of it (no stored
    evaluation by ``moment``, not the current one, a weekly point without one, a window reaching past the
    signals' horizon). ``account``: the customer's account data read already (models/history_repo.py
    ``account_history``), whose records stand in for the window's (the timeline shows the same)."""
    start = moment - timedelta(days=days)
    found = customer_state(reads, customer_id, moment)
    if found is None:
        return None
    line, current = found
    if line.score is None or current != line.as_of:
        return None
    if start < line.as_of - timedelta(days=config.horizon_days):
        return None  # the stored signals do not reach that far back: derived from the history
    points = points_of(
        customer_id, evaluations_in(reads, customer_id, start - STEP, moment), start, moment
    )
    stored = [p for p in points if isinstance(p, Health)]
    if len(stored) < len(points) or stored[-1].as_of != line.as_of:
        return None  # a week with no stored evaluation: recomputed
    history = account_records(reads, customer_id, start) if account is None else account
    history = replace(history, interactions=interactions_between(reads, customer_id, start, moment))
    return StoredState(line, stored, history, usage_by_day(reads, customer_id, start, moment))


def stored_entries(
    state: StoredState, config: RiskConfig, moment: datetime, days: int
) -> list[TimelineEntry]:
    """The timeline's entries from the stored state: its signals without the health's own combination of
    them (``several_warnings``, in the breakdown)."""
    customer_id = state.line.customer_id
    signals = [_signal(customer_id, s) for s in state.line.signals if s.kind != "several_warnings"]
    return timeline_of(state.history, state.usage, signals, moment, config, days)


def _replay_line(point: Health) -> ReplayLine:
    return ReplayLine(point.as_of, point.score, point.band, point.breakdown)


def _entry_line(entry: TimelineEntry) -> EntryLine:
    return EntryLine(entry.at, entry.kind, entry.title, entry.detail, entry.ref)


def _signal(customer_id: str, s: SignalLine) -> RiskSignal:
    """A stored signal as the timeline reads it (its fields are the stored, valid ones)."""
    return RiskSignal.model_construct(
        customer_id=customer_id,
        interaction_id=s.interaction_id,
        kind=s.kind,
        weight=s.weight,
        occurred_at=s.occurred_at,
        explanation=s.explanation,
    )
