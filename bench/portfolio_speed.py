"""How long the portfolio view and the segment list take on a big book, on SQLite and on PostgreSQL.

    python bench/portfolio_speed.py [--customers 10000] [--base 200] [--runs 5] [--postgres ADMIN_URL]
        [--sqlite FILE] [--json]

The book: bench/make_portfolio.py's seeded synthetic portfolio of ``--base`` customers (a year to 2026-10-31,
a fifth of them churning), scaled to ``--customers`` by repeating each base customer under new ids. Stored per
customer: the account, its tickets with their tags, invoices, commercial events and surveys, the page visits of
its last 90 days (the only usage the portfolio reads), one health snapshot and its risk signals, both from the
risk engine's ``health`` at the portfolio's end (at the churn for a churner). ``--postgres`` makes a scratch
database on that server (dropped after); without it only SQLite runs (a temporary file unless ``--sqlite``).

Timed, min of ``--runs``: the portfolio view (churn by month and quarter, the book by segment and band, the top
churn reasons: portfolio/view.py), the first page of the segment list, and a filtered page; each also as a
ratio to a baseline timed in the same run: reading the whole accounts table once. The goal: the view under 2 s
at 10,000 customers on both backends.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.make_portfolio import END, build  # noqa: E402
from models.store import Store  # noqa: E402
from models.tables import (  # noqa: E402
    AccountRow,
    CommercialEventRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    InvoiceRow,
    RiskSignalRow,
    SurveyResponseRow,
    TagRow,
    UsageEventRow,
)
from portfolio.rfm import SegmentFilter, segment_page  # noqa: E402
from portfolio.segments import load_segments  # noqa: E402
from portfolio.view import portfolio_view  # noqa: E402
from risk.config import load_config  # noqa: E402
from risk.health import health  # noqa: E402
from risk.history import CustomerHistory  # noqa: E402

__all__ = ["fill", "time_book"]

PAGE_DAYS = 90
TABLES = (
    CustomerRow,
    AccountRow,
    InteractionRow,
    TagRow,
    UsageEventRow,
    InvoiceRow,
    CommercialEventRow,
    SurveyResponseRow,
    HealthSnapshotRow,
    RiskSignalRow,
)


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _account_rows(h: CustomerHistory, cid: str, rows: dict[type, list[dict]]) -> None:
    rows[CustomerRow].append({"id": cid, "name": f"{h.name or h.customer_id} {cid}"})
    if h.account is not None:
        data = h.account.model_dump(exclude={"customer_id", "name"})
        rows[AccountRow].append({**data, "customer_id": cid})
    for i in h.invoices:
        rows[InvoiceRow].append({**i.model_dump(exclude={"customer_id"}), "customer_id": cid})
    for c in h.commercial:
        data = c.model_dump(exclude={"customer_id"})
        rows[CommercialEventRow].append(
            {**data, "customer_id": cid, "dedup_key": _digest(cid, c.dedup_key())}
        )
    for s in h.surveys:
        data = s.model_dump(exclude={"customer_id"})
        key = _digest(cid, s.kind, s.responded_at, s.respondent)
        rows[SurveyResponseRow].append({**data, "customer_id": cid, "dedup_key": key})


def _activity_rows(h: CustomerHistory, cid: str, rows: dict[type, list[dict]]) -> None:
    for facts in h.interactions:
        iid = _digest(cid, facts.id)[:32]
        rows[InteractionRow].append(
            {
                "id": iid, "customer_id": cid, "kind": facts.kind, "occurred_at": facts.occurred_at,
                "source": f"synthetic/{facts.id}", "sha256": _digest("content", cid, facts.id),
                "rep": None, "title": facts.title, "meta": {},
            }
        )  # fmt: skip
        for t in facts.tags:
            rows[TagRow].append(
                {
                    "interaction_id": iid, "utterance_index": t.utterance_index, "label": t.label,
                    "score": t.score, "start": 0, "end": len(t.evidence), "evidence": t.evidence,
                    "entity": t.entity, "speaker_role": t.role,
                }
            )  # fmt: skip
    since = END - timedelta(days=PAGE_DAYS)
    for n, u in enumerate(h.usage):
        if u.kind == "page_visit" and u.at > since:
            rows[UsageEventRow].append(
                {
                    "customer_id": cid, "kind": u.kind, "occurred_at": u.at,
                    "properties": u.properties, "dedup_key": _digest(cid, n),
                }
            )  # fmt: skip


def _health_rows(h: CustomerHistory, cid: str, judged: Any, rows: dict[type, list[dict]]) -> None:
    if judged.score is not None:
        rows[HealthSnapshotRow].append(
            {
                "customer_id": cid, "as_of": judged.as_of, "score": judged.score,
                "band": judged.band, "breakdown": judged.breakdown,
            }
        )  # fmt: skip
    for s in judged.signals:
        data = s.model_dump(exclude={"customer_id", "interaction_id"})
        iid = _digest(cid, s.interaction_id)[:32] if s.interaction_id else None
        rows[RiskSignalRow].append({**data, "customer_id": cid, "interaction_id": iid})


def fill(store: Store, customers: int, base: int, seed: int = 7) -> float:
    """Write the scaled book into ``store`` (empty); the seconds it took."""
    started = time.perf_counter()
    histories = build(base, seed).histories
    config = load_config()
    judged = []
    for h in histories:
        churn = h.account.status_at if h.account and h.account.status == "churned" else None
        judged.append(health(h, min(churn or END, END), config))
    for chunk in range(0, customers, 1000):
        rows: dict[type, list[dict]] = {table: [] for table in TABLES}
        for index in range(chunk, min(customers, chunk + 1000)):
            h, cid = histories[index % base], f"c{index:05d}"
            _account_rows(h, cid, rows)
            _activity_rows(h, cid, rows)
            _health_rows(h, cid, judged[index % base], rows)
        with store.transaction() as session:
            for table in TABLES:
                if rows[table]:
                    session.execute(insert(table), rows[table])
    return time.perf_counter() - started


def _best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def time_book(store: Store, runs: int) -> dict[str, float]:
    """Min-of-``runs`` seconds of the view, the segment pages and the baseline (reading every account)."""
    config = load_segments()

    def read(work: Callable[[Any], object]) -> Callable[[], object]:
        def run() -> object:
            with store.transaction() as session:
                return work(session)

        return run

    found = {
        "baseline_read_accounts_s": _best(
            runs, read(lambda s: s.execute(select(AccountRow.__table__)).all())
        ),
        "portfolio_view_s": _best(runs, read(lambda s: portfolio_view(s, config, END))),
        "segments_page_s": _best(
            runs, read(lambda s: segment_page(s, config, END, SegmentFilter()))
        ),
        "segments_filtered_s": _best(
            runs,
            read(
                lambda s: segment_page(
                    s, config, END, SegmentFilter(band="red", tag="visited_pricing")
                )
            ),
        ),
    }
    base = found["baseline_read_accounts_s"]
    for key in ("portfolio_view_s", "segments_page_s", "segments_filtered_s"):
        found[key.replace("_s", "_ratio")] = round(found[key] / base, 1)
    return found


@contextmanager
def _postgres(admin_url: str) -> Iterator[str]:
    name = f"callintel_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    with Store(url) as store:
        with store.transaction() as session:
            stored = session.execute(select(func.count()).select_from(AccountRow)).scalar_one()
        filled = fill(store, args.customers, args.base, args.seed) if stored == 0 else 0.0
        with store.transaction() as session:
            counts = {
                t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (AccountRow, InteractionRow, TagRow, UsageEventRow, InvoiceRow)
            }
        return {"fill_s": round(filled, 1), "rows": counts, **time_book(store, args.runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--base", type=int, default=200, help="distinct synthetic customers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite", type=Path, help="this SQLite file (kept; reused if filled)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL to make a scratch database on")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.customers < 1 or not 1 <= args.base or args.runs < 1:
        parser.error("--customers, --base and --runs must be at least 1")
    results: dict[str, Any] = {"customers": args.customers, "base": args.base, "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="portfolio-speed-") as tmp:
        sqlite = args.sqlite or Path(tmp) / "book.db"
        results["sqlite"] = _measure(f"sqlite:///{sqlite}", args)
    if args.postgres:
        with _postgres(args.postgres) as url:
            results["postgresql"] = _measure(url, args)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for backend in ("sqlite", "postgresql"):
        if backend in results:
            r = results[backend]
            print(
                f"{backend}: {args.customers} customers ({r['rows']}; filled in {r['fill_s']} s); "
                f"portfolio view {r['portfolio_view_s']:.3f} s ({r['portfolio_view_ratio']}x reading the "
                f"accounts, {r['baseline_read_accounts_s'] * 1000:.1f} ms); segment page "
                f"{r['segments_page_s']:.3f} s; filtered {r['segments_filtered_s']:.3f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
