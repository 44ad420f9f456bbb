"""How long the contact-frequency report takes on a large book, on SQLite and PostgreSQL, in one run.

    python bench/contacts_speed.py [--customers 10000] [--contacts 12] [--runs 3] [--postgres URL] [--json]

Writes a synthetic book straight into the tables (no pipeline): ``--customers`` accounts in three segments, each
with about ``--contacts`` contacts over 180 days up to 2026-10-31 on random channels (calls with a duration and a
summary, emails, tickets, meetings; two utterances each), a renewal for one customer in five and a health
snapshot a month. Then times ``contact_report`` (the whole report: per channel, per rep, every customer judged
against its segment, the cross-analysis), ``contact_summary`` (what the dashboard's Portfolio page shows: the
segments' norms and the reps' rates, from a count per customer and rep) and ``rep_detail`` for one rep: the
minimum of ``--runs`` runs each.
The baseline, in the same process run, is one pass over the same interactions in SQL (a count per customer
and channel): the ratio says what the report costs over the floor of reading the contacts once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from models.store import Store  # noqa: E402
from models.tables import (  # noqa: E402
    AccountRow,
    CommercialEventRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    SummaryRow,
    TranscriptRow,
    UtteranceRow,
)
from portfolio.contact_report import contact_report, contact_summary, rep_detail  # noqa: E402
from portfolio.contact_rules import load_rules  # noqa: E402
from portfolio.contacts import channel_of  # noqa: E402

AS_OF = datetime(2026, 10, 31, tzinfo=UTC)
FORMATS = {"call": "callintel-json", "email": "eml", "ticket": "ticket", "meeting": "webvtt"}
REPS = [f"rep{n:02d}" for n in range(40)]
CHUNK = 5000


def _contact_rows(cid: str, n: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {"i": [], "u": [], "t": [], "s": []}
    rep = rng.choice(REPS)
    for k in range(n):
        channel = rng.choices(list(FORMATS), weights=(5, 4, 2, 1))[0]
        iid = f"{cid}-{k}"
        when = AS_OF - timedelta(days=rng.uniform(0, 180))
        rows["i"].append(
            {"id": iid, "customer_id": cid, "kind": "ticket" if channel in ("email", "ticket") else "call",
             "occurred_at": when, "source": iid, "sha256": hashlib.sha256(iid.encode()).hexdigest(), "rep": rep, "title": None,
             "meta": {"format": FORMATS[channel]}, "ingested_at": when}
        )  # fmt: skip
        first = "customer" if channel == "ticket" else "rep"
        for idx, role in enumerate([first, rng.choice(("rep", "customer"))]):
            rows["u"].append(
                {"interaction_id": iid, "idx": idx, "speaker_role": role, "speaker_label": role,
                 "start_s": None, "end_s": None, "text": "hello"}
            )  # fmt: skip
        if channel in ("call", "meeting"):
            rows["t"].append({"interaction_id": iid, "language": "en", "engine": "bench",
                              "duration_s": rng.uniform(120, 3600)})  # fmt: skip
            steps = [{"utterance_index": 0, "text": "x", "commitment": "x"}] * rng.randint(0, 1)
            rows["s"].append({"interaction_id": iid, "data": {"next_steps": steps}})
    return rows


def seed(store: Store, customers: int, contacts: int, seed: int = 7) -> int:
    """Write the synthetic book; the number of interactions written."""
    rng, written = random.Random(seed), 0
    ids = [f"c{n:05d}" for n in range(customers)]
    for start in range(0, customers, CHUNK // max(1, contacts)):
        batch = ids[start : start + CHUNK // max(1, contacts)]
        rows: dict[str, list[dict[str, Any]]] = {"i": [], "u": [], "t": [], "s": []}
        for cid in batch:
            for key, values in _contact_rows(cid, rng.randint(0, 2 * contacts), rng).items():
                rows[key].extend(values)
        with store.transaction() as session:
            session.execute(insert(CustomerRow), [{"id": c, "name": c} for c in batch])
            session.execute(
                insert(AccountRow),
                [{"customer_id": c, "segment": rng.choice(("smb", "mid", "ent")), "status": "active",
                  "currency": "USD", "updated_at": AS_OF} for c in batch],
            )  # fmt: skip
            for table, key in (
                (InteractionRow, "i"),
                (UtteranceRow, "u"),
                (TranscriptRow, "t"),
                (SummaryRow, "s"),
            ):
                if rows[key]:
                    session.execute(insert(table), rows[key])
            session.execute(insert(HealthSnapshotRow), [
                {"customer_id": c, "as_of": AS_OF - timedelta(days=30 * m), "score": 50.0,
                 "band": rng.choice(("green", "yellow", "red")), "breakdown": {}}
                for c in batch for m in range(6)])  # fmt: skip
            renewals = [c for c in batch if rng.random() < 0.2]
            if renewals:
                session.execute(insert(CommercialEventRow), [
                    {"customer_id": c, "kind": "renewal", "occurred_at": AS_OF - timedelta(days=rng.uniform(0, 90)),
                     "currency": "USD", "dedup_key": f"r-{c}"} for c in renewals])  # fmt: skip
        written += len(rows["i"])
    return written


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def floor_pass(store: Store) -> None:
    """The baseline: one grouped pass over the interactions (count per customer and channel)."""
    channel = channel_of()
    query = select(InteractionRow.customer_id, channel, func.count()).where(
        InteractionRow.occurred_at <= AS_OF
    )
    with store.transaction() as session:
        session.execute(query.group_by(InteractionRow.customer_id, channel)).all()


def measure(url: str, customers: int, contacts: int, runs: int) -> dict[str, Any]:
    with Store(url) as store:
        began = time.perf_counter()
        interactions = seed(store, customers, contacts)
        seeded = time.perf_counter() - began
        rules = load_rules()
        baseline = best_of(runs, lambda: floor_pass(store))
        report = best_of(runs, lambda: contact_report(store, rules, AS_OF))
        summary = best_of(runs, lambda: contact_summary(store, rules, AS_OF))
        rep = best_of(runs, lambda: rep_detail(store, rules, AS_OF, REPS[0]))
    return {
        "backend": url.split(":", 1)[0].split("+")[0],
        "customers": customers,
        "interactions": interactions,
        "seed_s": round(seeded, 1),
        "baseline_s": round(baseline, 3),
        "report_s": round(report, 3),
        "summary_s": round(summary, 3),
        "rep_detail_s": round(rep, 3),
        "report_over_baseline": round(report / baseline, 1),
        "summary_over_baseline": round(summary / baseline, 1),
    }


def _postgres_db(url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on the server at ``url``, and how to drop it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"callintel_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=12, help="mean contacts per customer")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--postgres", help="a PostgreSQL server URL (a database is made there and dropped)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import tempfile

    results = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        results.append(measure(url, args.customers, args.contacts, args.runs))
    if args.postgres:
        url, drop = _postgres_db(args.postgres)
        try:
            results.append(measure(url, args.customers, args.contacts, args.runs))
        finally:
            drop()
    for result in results:
        print(json.dumps(result) if args.json else "  ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
