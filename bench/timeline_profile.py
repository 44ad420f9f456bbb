"""CPU ms of the timeline route's own work, the view it built (api/queries.py ``customer_view``, then
``TimelineOut``) against the stored records it reads now (api/timeline_read.py), in one process, alternated.

    python bench/timeline_profile.py --database-url URL [--customers 20] [--days 60] [--repeat 10]

For each of --customers customers spread over the book (ids in order, every k-th), both ways of answering
``GET /api/customers/{id}/timeline?days=N`` from stored state, without HTTP (bench/api_profile.py measures
the whole request); the minimum over --repeat calls of this process's CPU time, then the median over the
customers the stored records answer (the route answers the others with the view). It checks that both give
the same bytes. Read-only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.routes_customers import _risk  # noqa: E402
from api.schemas import ReplayPoint, TimelineEntryOut, TimelineOut  # noqa: E402
from api.service import Callintel  # noqa: E402
from api.timeline_read import TIMELINE, stored_timeline  # noqa: E402
from bench.make_portfolio import END  # noqa: E402
from models.risk_repo import customer_ids_after  # noqa: E402
from models.settings import Settings  # noqa: E402

__all__ = ["main"]


def _view(callintel: Callintel, who: str, days: int) -> bytes:
    """The route's answer as it was built: the page's view, then the response model."""
    view = callintel.customer(who, END, days, False)
    replay = [
        ReplayPoint(as_of=p.as_of, score=p.score, band=p.band, breakdown=p.breakdown)
        for p in view.replay
    ]
    entries = [
        TimelineEntryOut(at=e.at, kind=e.kind, title=e.title, detail=e.detail, ref=e.ref)
        for e in view.timeline
    ]
    out = TimelineOut(health=_risk(view.health, view.history.name), replay=replay, timeline=entries)
    return out.model_dump_json().encode()


def _records(callintel: Callintel, who: str, days: int) -> bytes | None:
    lines = stored_timeline(callintel.store, callintel.risk_config(), who, END, days)
    return None if lines is None else TIMELINE.dump_json(lines)


def _best(read: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        read()
        best = min(best, time.process_time() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with Callintel(Settings(database_url=args.database_url, risk_as_of=END)) as callintel:
        with callintel.store.transaction() as session:
            ids = customer_ids_after(session, "", 1_000_000)
        chosen = ids[:: max(1, len(ids) // args.customers)][: args.customers]
        old, new, answered = [], [], 0
        for who in chosen:
            view, records = _view(callintel, who, args.days), _records(callintel, who, args.days)
            if records is not None:
                answered += 1
                if records != view:
                    raise SystemExit(f"{who}: the stored records' bytes differ from the view's")
            else:
                continue  # the route answers it with the view: nothing to compare
            old.append(_best(partial(_view, callintel, who, args.days), args.repeat))
            new.append(_best(partial(_records, callintel, who, args.days), args.repeat))
    print(
        f"{len(chosen)} customers, days={args.days}: {answered} answered from stored records "
        f"(same bytes); CPU ms median of each customer's best of {args.repeat}: view "
        f"{statistics.median(old):.2f}, records {statistics.median(new):.2f}"
    )


if __name__ == "__main__":
    main()
