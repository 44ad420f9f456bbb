"""The contact-frequency report and the per-rep drill-down, assembled from the SQL tallies of portfolio/contacts.py.

The norms are always the whole book's (every customer not churned by as_of): a ``rep`` or ``customer`` filter
narrows what is shown, never what a customer is compared with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.errors import NotFound
from models.store import Store
from portfolio.contact_records import (
    PERIOD_DAYS,
    ContactReport,
    ContactStats,
    ContactSummary,
    CustomerContacts,
    Period,
    RepContacts,
    RepDetail,
    RepRate,
    Status,
    Tally,
    stats,
)
from portfolio.contact_rules import (
    NO_SEGMENT,
    ContactRules,
    Judged,
    Judgement,
    cross_cells,
    judge,
)
from portfolio.contacts import (
    Cell,
    Scope,
    accounts_in_book,
    bands_at,
    cells,
    contact_rows,
    counts_by_rep,
    days_between,
    summed,
    tallies,
)

__all__ = ["CustomerFilter", "contact_report", "contact_summary", "rep_detail"]

STATUS_ORDER = {"neglected": 0, "over": 1, "normal": 2}


@dataclass(frozen=True)
class _Book:
    """What the report is built from, read in one transaction."""

    rules: ContactRules
    period: Period
    names: dict[str, tuple[str | None, str | None, str | None]]  # id -> (name, owner, segment)
    bands: dict[str, str]
    segments: Mapping[str, str | None]  # customer -> the segment judged in
    rates: dict[str, float]  # customer -> contacts per period, the whole book's, unrounded
    shown: dict[Any, Tally]  # by customer, or by (customer, rep) with a rep filter
    per_channel: dict[str, dict[str, Tally]]  # customer -> channel -> tally, filtered
    per_rep: dict[Any, Tally]  # by (customer, rep), filtered
    rep_channels: dict[str | None, dict[str, int]]  # rep -> channel -> contacts in the window
    judged: dict[str, Judgement]

    def stats(self, tally: Tally) -> ContactStats:
        return stats(tally, self.rules.window_days, self.period)


def _read(
    store: Store,
    rules: ContactRules,
    scope: Scope,
    period: Period,
    segments: Mapping[str, str | None] | None,
) -> _Book:
    book_scope = Scope(scope.as_of, scope.window_days, scope.conversion_days)
    with store.transaction() as session:
        accounts = accounts_in_book(session, scope.as_of)
        names = {cid: (name, owner, segment) for cid, name, owner, segment in accounts}
        if scope.customer is not None and scope.customer not in names:
            raise NotFound("customer", scope.customer)
        everything = cells(session, book_scope)
        found = everything if scope == book_scope else cells(session, scope)
        bands = bands_at(session, scope.as_of)
    per_customer = tallies(everything, scope.as_of, lambda c: c.customer_id)
    per_rep = tallies(found, scope.as_of, lambda c: (c.customer_id, c.rep))
    shown = (
        per_rep
        if scope.rep is not None
        else per_customer
        if found is everything
        else tallies(found, scope.as_of, lambda c: c.customer_id)
    )
    periods = rules.window_days / PERIOD_DAYS[period]
    rates = {cid: per_customer.get(cid, Tally()).contacts / periods for cid in names}
    recency = {cid: per_customer[cid].recency_days for cid in names if cid in per_customer}
    chosen = segments if segments is not None else {c: v[2] for c, v in names.items()}
    judged = judge(rates, recency, chosen, rules)
    per_channel, rep_channels = _by_channel(found, scope.as_of)
    return _Book(
        rules,
        period,
        names,
        bands,
        chosen,
        rates,
        shown,
        per_channel,
        per_rep,
        rep_channels,
        judged,
    )


def _by_channel(
    found: list[Cell], as_of: datetime
) -> tuple[dict[str, dict[str, Tally]], dict[str | None, dict[str, int]]]:
    """(customer -> channel -> tally, rep -> channel -> contacts in the window), channels in order."""
    per_channel: dict[str, dict[str, Tally]] = defaultdict(dict)
    for (cid, channel), tally in sorted(tallies(found, as_of, _channel_key).items()):
        per_channel[cid][channel] = tally
    rep_channels: dict[str | None, dict[str, int]] = defaultdict(dict)
    for cell in sorted(found, key=lambda c: c.channel):
        counts = rep_channels[cell.rep]
        counts[cell.channel] = counts.get(cell.channel, 0) + cell.contacts
    return per_channel, rep_channels


def _channel_key(cell: Cell) -> tuple[str, str]:
    return cell.customer_id, cell.channel


def _customer(book: _Book, cid: str, tally: Tally) -> CustomerContacts:
    name, owner, _ = book.names[cid]
    judged = book.judged[cid]
    channels = {channel: book.stats(t) for channel, t in book.per_channel.get(cid, {}).items()}
    return CustomerContacts(
        customer_id=cid,
        name=name,
        owner=owner,
        segment=book.segments.get(
            cid
        ),  # the segment judged in: the account's, or the value segment asked for
        band=book.bands.get(cid),
        stats=book.stats(tally),
        channels=channels,
        norm=judged.norm,
        status=judged.status,
        reason=judged.reason,
    )


@dataclass(frozen=True)
class CustomerFilter:
    """Which customers the report lists: a segment ("(none)": without one), a band ("unknown": no snapshot),
    a status; None or "*": any."""

    segment: str | None = None
    band: str | None = None
    status: Status | None = None

    def keeps(self, book: _Book, cid: str) -> bool:
        segment, band = book.segments.get(cid) or NO_SEGMENT, book.bands.get(cid) or "unknown"
        return (
            self.segment in (None, "*", segment)
            and self.band in (None, "*", band)
            and self.status in (None, book.judged[cid].status)
        )


def _shown_customers(
    book: _Book, scope: Scope, wanted: CustomerFilter, offset: int, limit: int
) -> tuple[int, list[CustomerContacts]]:
    """(customers matched, the page of them): sorted, then only the page's rows are made."""
    keys: list[tuple[str, Any]] = (
        [(c, c) for c in book.names if scope.customer in (None, c)]
        if scope.rep is None
        else [(key[0], key) for key in book.shown if key[0] in book.names]
    )
    keys = [k for k in keys if wanted.keeps(book, k[0])]
    keys.sort(key=lambda k: (STATUS_ORDER[book.judged[k[0]].status], k[0]))
    page = keys[offset : offset + limit]
    return len(keys), [_customer(book, cid, book.shown.get(key, Tally())) for cid, key in page]


def _reps(book: _Book) -> list[RepContacts]:
    grouped: dict[str | None, list[tuple[str, Tally]]] = defaultdict(list)
    for (cid, rep), t in book.per_rep.items():
        grouped[rep].append((cid, t))
    reps = []
    for rep, pairs in grouped.items():
        active = [cid for cid, _ in pairs if cid in book.judged]
        reps.append(
            RepContacts(
                rep=rep,
                customers=len(active),
                over=sum(book.judged[c].status == "over" for c in active),
                neglected=sum(book.judged[c].status == "neglected" for c in active),
                stats=book.stats(summed(t for _, t in pairs)),
                channels={ch: n for ch, n in book.rep_channels.get(rep, {}).items() if n},
            )
        )
    return sorted(reps, key=lambda r: (-r.stats.contacts, r.rep or ""))


def contact_report(
    store: Store,
    rules: ContactRules,
    as_of: datetime,
    period: Period | None = None,
    rep: str | None = None,
    customer: str | None = None,
    limit: int = 100,
    offset: int = 0,
    segments: Mapping[str, str | None] | None = None,
    wanted: CustomerFilter | None = None,
) -> ContactReport:
    """Contact frequency at ``as_of``: per channel, per rep, per customer (paged, neglected first) with the
    customer's status against its segment's norm (``segments``: customer -> segment; default the accounts'),
    and the cross-analysis by segment and health band. NotFound for an unknown ``customer``; an unknown
    ``rep`` has no contacts (empty lists); ``wanted`` narrows the customers listed."""
    scope = Scope(as_of, rules.window_days, rules.conversion_days, rep, customer)
    book = _read(store, rules, scope, period or rules.period, segments)
    total, customers = _shown_customers(book, scope, wanted or CustomerFilter(), offset, limit)
    per_channel: dict[str, list[Tally]] = defaultdict(list)
    for channels in book.per_channel.values():
        for channel, t in channels.items():
            per_channel[channel].append(t)
    judged = [
        Judged(book.segments.get(c), book.bands.get(c), book.rates[c], j.status)
        for c, j in book.judged.items()
    ]
    by_segment, cross = cross_cells(judged)
    return ContactReport(
        as_of=as_of,
        window_days=rules.window_days,
        period=book.period,
        channels={ch: book.stats(summed(ts)) for ch, ts in sorted(per_channel.items())},
        reps=_reps(book),
        total=total,
        customers=customers,
        segments=by_segment,
        cross=cross,
    )


def contact_summary(
    store: Store, rules: ContactRules, as_of: datetime, period: Period | None = None
) -> ContactSummary:
    """``contact_report(...).summary()`` (each segment's norm and counts, each rep's contacts per period) from
    a count of the contacts per customer and rep, without the per-contact flags the rest of the report needs."""
    period = period or rules.period
    scope = Scope(as_of, rules.window_days, rules.conversion_days)
    with store.transaction() as session:
        accounts = accounts_in_book(session, as_of)
        counts = counts_by_rep(session, scope)
    contacts: dict[str, int] = defaultdict(int)
    by_rep: dict[str | None, int] = defaultdict(int)
    last: dict[str, datetime] = {}
    for cid, rep, n, last_at in counts:
        contacts[cid] += n
        by_rep[rep] += n
        last[cid] = max(last_at, last.get(cid, last_at))
    periods = rules.window_days / PERIOD_DAYS[period]
    segments = {cid: segment for cid, _, _, segment in accounts}
    rates = {cid: contacts.get(cid, 0) / periods for cid in segments}
    recency = {cid: days_between(as_of, last[cid]) for cid in segments if cid in last}
    judged = judge(rates, recency, segments, rules)
    by_segment, _ = cross_cells(
        Judged(segments[c], None, rates[c], j.status) for c, j in judged.items()
    )
    reps = [
        RepRate(rep=rep, contacts=n, per_period=round(n / periods, 4))
        for rep, n in sorted(by_rep.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    ]
    return ContactSummary(
        as_of=as_of, window_days=rules.window_days, period=period, segments=by_segment, reps=reps
    )


def rep_detail(
    store: Store,
    rules: ContactRules,
    as_of: datetime,
    rep: str,
    period: Period | None = None,
    limit: int = 200,
) -> RepDetail:
    """One rep: their totals, their customers (the rep's contacts with each, the customer's status) and their
    contacts in the window, newest first. A rep with no contacts gets zeros and empty lists."""
    report = contact_report(store, rules, as_of, period, rep=rep, limit=1_000_000)
    scope = Scope(as_of, rules.window_days, rules.conversion_days, rep=rep)
    with store.transaction() as session:
        interactions = contact_rows(session, scope, limit)
    empty = RepContacts(
        rep=rep,
        customers=0,
        over=0,
        neglected=0,
        stats=stats(Tally(), rules.window_days, report.period),
        channels={},
    )
    return RepDetail(
        as_of=as_of,
        window_days=rules.window_days,
        period=report.period,
        rep=next((r for r in report.reps if r.rep == rep), empty),
        customers=report.customers,
        interactions=interactions,
    )
