"""Risk at scale: the full and the incremental refresh of a stored portfolio, and the pipeline's risk stage
against the customer's history size; before (the whole history, once per interaction) and after, same run.

    python bench/make_portfolio.py --customers 10000 --database-url sqlite:////tmp/p.db
    python bench/risk_refresh.py --database-url sqlite:////tmp/p.db [--baseline 200] [--new 100] [--refresh-only]
    python bench/risk_refresh.py --stage-only [--years 0.25 0.5 1 2] [--batch 10]

Refresh (on the stored portfolio, as of its end, 2026-10-31): the full refresh (risk/refresh.py) of every
customer, then --new new tickets (half with a cancellation tag) for as many
customers and the incremental refresh, each timed, with the process's peak RSS after it; then today's
``risk.engine.evaluate`` against the refresh on the first --baseline customers.

Stage: one customer with a steady 20 usage events a day over each of --years and a ticket a week; --batch of
their interactions analysed in one batch. Before: the risk stage as it was (the whole history read, assessed
once per interaction). After: the bounded read (risk/window.py), assessed once per batch. Milliseconds per
interaction, min of --runs.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.records import (  # noqa: E402
    Interaction,
    Sentiment,
    Speaker,
    Tag,
    Transcript,
    UsageEvent,
    Utterance,
)
from models.store import Store  # noqa: E402
from risk.config import RiskConfig, load_config  # noqa: E402
from risk.engine import assess, evaluate, last_snapshot  # noqa: E402
from risk.history import load_history, read_histories  # noqa: E402
from risk.refresh import refresh  # noqa: E402
from risk.window import Window  # noqa: E402

END = datetime(2026, 10, 31, tzinfo=UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ticket(customer: str, at: datetime, number: int, cancel: bool) -> tuple:
    text = "Please cancel our subscription." if cancel else "How do I share a call clip?"
    interaction = Interaction.from_content(
        f"bench:{customer}:{number}:{at.isoformat()}".encode(),
        customer_id=customer,
        kind="ticket",
        occurred_at=at,
        source="bench",
        title="Ticket",
    )
    transcript = Transcript(
        interaction_id=interaction.id,
        engine="import",
        utterances=[Utterance(index=0, speaker=Speaker(role="customer", label="C"), text=text)],
    )
    tag = Tag(label="cancellation_intent", score=0.95, start=7, end=13, evidence="cancel")
    sentiment = Sentiment(label="negative" if cancel else "neutral", score=0.9)
    return interaction, transcript, [tag] if cancel else [], [sentiment]


def bench_refresh(url: str, baseline: int, new: int) -> None:
    config = load_config()
    with Store(url) as store:
        customers = [c.customer_id for c in store.customer_counts()]
        print(f"{len(customers)} customers in {store.display_url}; as of {END:%Y-%m-%d}")
        cpu = time.process_time()
        full = refresh(store, config, END, full=True)
        cpu = time.process_time() - cpu  # what this process got of a shared machine
        print(
            f"full refresh: {full.evaluated} customers in {full.seconds:.1f} s "
            f"({full.seconds / full.evaluated * 1000:.1f} ms a customer; CPU {cpu:.1f} s, "
            f"{cpu / full.evaluated * 1000:.1f} ms a customer), {len(full.alerts)} new alerts; "
            f"peak RSS {peak_rss_mb():.0f} MB"
        )
        run = time.time_ns()  # new content each run (the same content is stored once)
        for n in range(new):
            customer = customers[(n * 97) % len(customers)]
            store.save_interaction(*ticket(customer, END, run + n, n % 2 == 1))
        incremental = refresh(store, config, END)
        print(
            f"incremental refresh after {new} new tickets: {incremental.evaluated} customers in "
            f"{incremental.seconds:.2f} s, {len(incremental.alerts)} new alerts; "
            f"peak RSS {peak_rss_mb():.0f} MB"
        )
        some = customers[:baseline]  # today's evaluate last: it holds every history at once
        started = time.perf_counter()
        refresh(store, config, END, customers=some)
        after = (time.perf_counter() - started) / len(some)
        started = time.perf_counter()
        evaluate(store, config, END, some)
        before = (time.perf_counter() - started) / len(some)
        print(
            f"first {len(some)} customers: evaluate (whole histories) {before * 1000:.1f} ms a customer, "
            f"refresh (bounded read, batched) {after * 1000:.1f} ms a customer: {before / after:.2f}x"
        )


def customer_store(url: str, years: float, batch: int) -> list[str]:
    """One customer with 20 usage events a day over ``years`` and a ticket a week; the ids of ``batch``
    new tickets (queued, as a batch)."""
    days = int(365 * years)
    with Store(url) as store:
        events = [
            UsageEvent(
                customer_id="big",
                kind=("login", "feature_used", "page_visit")[n % 3],
                occurred_at=END - timedelta(days=day, minutes=n * 29),
                properties={"user": f"u{n % 5}@big.example", "feature": "dashboards"},
            )
            for day in range(days)
            for n in range(20)
        ]
        store.save_usage_events(events)
        for week in range(days // 7):
            store.save_interaction(*ticket("big", END - timedelta(days=7 * week + 3), week, False))
        queued = [ticket("big", END - timedelta(hours=n), 10_000 + n, n == 1) for n in range(batch)]
        for item in queued:
            store.save_interaction(*item)
        return [item[0].id for item in queued]


def stage_before(store: Store, config: RiskConfig, count: int) -> None:
    """The risk stage as it was: the whole history read and assessed for each interaction."""
    for _ in range(count):
        history = load_history(store, "big")
        with store.transaction() as session:
            previous = last_snapshot(session, "big", END)
        assert history is not None
        assess(history, END, config, previous)


def stage_after(store: Store, config: RiskConfig) -> None:
    """Now: the bounded read, assessed once for the batch."""
    with store.transaction() as session:
        (history,) = read_histories(session, ["big"], Window.for_config(config, END))
        previous = last_snapshot(session, "big", END)
    assess(history, END, config, previous)


def bench_stage(years: list[float], batch: int, runs: int) -> None:
    config = load_config()
    print(f"risk stage, ms per interaction, a batch of {batch} interactions of one customer:")
    for span in years:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/stage.db"
            customer_store(url, span, batch)
            with Store(url) as store:
                before = after = float("inf")
                for _ in range(runs):
                    started = time.perf_counter()
                    stage_before(store, config, batch)
                    before = min(before, (time.perf_counter() - started) / batch)
                    started = time.perf_counter()
                    stage_after(store, config)
                    after = min(after, (time.perf_counter() - started) / batch)
                events = store.customer_counts()[0].usage_events
        print(
            f"  {span:g} years ({events} usage events): before {before * 1000:.1f} ms, "
            f"after {after * 1000:.1f} ms ({before / after:.1f}x)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a stored portfolio (bench/make_portfolio.py)")
    parser.add_argument("--baseline", type=int, default=200)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--stage-only", action="store_true")
    parser.add_argument("--years", type=float, nargs="+", default=[0.25, 0.5, 1, 2])
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--refresh-only", action="store_true", help="skip the risk stage's bench")
    args = parser.parse_args(argv)
    if not args.stage_only:
        if not args.database_url:
            parser.error("--database-url is needed (or --stage-only)")
        bench_refresh(args.database_url, args.baseline, args.new)
    if not args.refresh_only:
        bench_stage(args.years, args.batch, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
