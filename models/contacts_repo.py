"""Contact frequency in SQL (SQLAlchemy Core, SQLite and PostgreSQL): the facts of every contact, summed per
customer, channel and rep; portfolio/contacts.py adds those cells up into tallies.

One *fact* per contact (an interaction at or before as_of, surveys left out) is a row of a subquery: its
channel (``channel_of``), whether it is in the window, whether an email was replied to or a ticket answered,
the call's duration, whether its summary agreed a next step, and whether a renewal or purchase followed within
``conversion_days``. The database then sums the facts per customer, channel and rep (``Cell``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased

from models.pages import _AgeDays
from models.tables import (
    AccountRow,
    CommercialEventRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    SummaryRow,
    TranscriptRow,
    UtcDateTime,
    UtteranceRow,
)

__all__ = [
    "CHANNELS",
    "Cell",
    "Channel",
    "ContactInteraction",
    "Scope",
    "Sums",
    "accounts_in_book",
    "bands_at",
    "cells",
    "channel_of",
    "contact_rows",
    "counts_by_rep",
    "facts",
]

Channel = Literal["call", "email", "meeting", "chat", "ticket"]
CHANNELS: tuple[str, ...] = get_args(Channel)


class ContactInteraction(BaseModel):
    """One contact, for the drill-down."""

    interaction_id: str
    customer_id: str
    rep: str | None
    channel: Channel
    occurred_at: datetime
    title: str | None
    answered: bool | None = Field(description="email replied or ticket answered; None: not asked")
    call_minutes: float | None
    next_step: bool | None
    converted: bool


CONVERTING = ("renewal", "purchase")
VOICE = ("call", "meeting")
ANSWERED = ("ticket", "chat")


def channel_of() -> ColumnElement[Any]:
    """An interaction's channel from what is stored: ``metadata.channel`` where a source sets one of
    call | email | meeting | chat | ticket; else an ``.eml`` is an email, a WebVTT transcript (what Zoom, Teams
    and Meet export) a meeting, any other ticket a ticket and any other call a call. A survey comment
    (stored as a ticket to be tagged) is no contact: NULL."""
    i = InteractionRow
    given, fmt = i.meta["channel"].as_string(), i.meta["format"].as_string()
    return case(
        (given.in_(CHANNELS), given),
        (fmt == "survey", null()),
        (fmt == "eml", "email"),
        (fmt == "webvtt", "meeting"),
        (i.kind == "ticket", "ticket"),
        else_="call",
    )


@dataclass(frozen=True)
class Scope:
    """Which contacts count: up to ``as_of``, the window's length, and optional filters."""

    as_of: datetime
    window_days: int
    conversion_days: int
    rep: str | None = None
    customer: str | None = None

    @property
    def window_start(self) -> datetime:
        return self.as_of - timedelta(days=self.window_days)

    def moment(self) -> ColumnElement[datetime]:
        return literal(self.as_of, UtcDateTime())


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _wrote_after(interaction_id: Any, first: str, then: str) -> ColumnElement[bool]:
    """``then`` wrote after ``first`` in the interaction (a reply to it)."""
    a, b = aliased(UtteranceRow), aliased(UtteranceRow)
    return exists().where(
        a.interaction_id == interaction_id,
        a.speaker_role == first,
        b.interaction_id == interaction_id,
        b.speaker_role == then,
        b.idx > a.idx,
    )


def _wrote(interaction_id: Any, role: str) -> ColumnElement[bool]:
    u = aliased(UtteranceRow)
    return exists().where(u.interaction_id == interaction_id, u.speaker_role == role)


def _in_book(as_of: datetime) -> ColumnElement[bool]:
    """The customer (its account outer-joined) is in the book at ``as_of``: not churned by then."""
    a = AccountRow
    return or_(a.status.is_(None), a.status != "churned", a.status_at > as_of)


def _contacts(scope: Scope) -> Subquery:
    i = InteractionRow
    query = (
        select(i.id, i.customer_id, i.rep, i.occurred_at, i.title, channel_of().label("channel"))
        .outerjoin(AccountRow, AccountRow.customer_id == i.customer_id)
        .where(i.occurred_at <= scope.moment(), _in_book(scope.as_of))
    )
    if scope.rep is not None:
        query = query.where(i.rep == scope.rep)
    if scope.customer is not None:
        query = query.where(i.customer_id == scope.customer)
    return query.subquery("contacts")


def _converted(c: Subquery, scope: Scope) -> ColumnElement[bool]:
    ce = CommercialEventRow
    return exists().where(
        ce.customer_id == c.c.customer_id,
        ce.kind.in_(CONVERTING),
        ce.occurred_at >= c.c.occurred_at,
        ce.occurred_at <= scope.moment(),
        _AgeDays(ce.occurred_at, c.c.occurred_at) <= scope.conversion_days,
    )


def facts(scope: Scope) -> Subquery:
    """One row per contact: its keys, ``in_window`` and 0/1 flags (0 outside the window), ``seconds``."""
    c = _contacts(scope)
    w = c.c.occurred_at > literal(scope.window_start, UtcDateTime())
    voice = and_(w, c.c.channel.in_(VOICE))
    last_end = (
        select(func.max(UtteranceRow.end_s))
        .where(UtteranceRow.interaction_id == c.c.id)
        .scalar_subquery()
    )
    seconds = func.coalesce(TranscriptRow.duration_s, last_end)
    steps = func.coalesce(SummaryRow.data["next_steps"].as_string(), "[]")
    email, answered = and_(w, c.c.channel == "email"), and_(w, c.c.channel.in_(ANSWERED))
    query = (
        select(
            c.c.id,
            c.c.customer_id,
            c.c.rep,
            c.c.channel,
            c.c.occurred_at,
            c.c.title,
            _flag(w).label("in_window"),
            _flag(and_(email, _wrote(c.c.id, "rep"))).label("email_sent"),
            _flag(and_(email, _wrote_after(c.c.id, "rep", "customer"))).label("email_replied"),
            _flag(and_(answered, _wrote(c.c.id, "customer"))).label("ticket_opened"),
            _flag(and_(answered, _wrote_after(c.c.id, "customer", "rep"))).label("ticket_answered"),
            _flag(and_(voice, seconds.is_not(None))).label("timed"),
            case((voice, func.coalesce(seconds, 0.0)), else_=0.0).label("seconds"),
            _flag(and_(voice, SummaryRow.interaction_id.is_not(None))).label("summarised"),
            _flag(and_(voice, SummaryRow.interaction_id.is_not(None), steps != "[]")).label(
                "next_step"
            ),
            _flag(and_(w, _converted(c, scope))).label("converted"),
        )
        .outerjoin(TranscriptRow, TranscriptRow.interaction_id == c.c.id)
        .outerjoin(SummaryRow, SummaryRow.interaction_id == c.c.id)
        .where(c.c.channel.is_not(None))
    )
    return query.subquery("facts")


SUMS = (  # the 0/1 flags (and seconds) of ``facts`` the database adds up
    "email_sent",
    "email_replied",
    "ticket_opened",
    "ticket_answered",
    "timed",
    "seconds",
    "summarised",
    "next_step",
    "converted",
)


Sums = tuple[
    int, int, int, int, int, float, int, int, int
]  # SUMS in order: Tally's fields from emails_sent


def _sums(row: Any) -> Sums:
    """A row's sums, in the order of SUMS (and of the Tally fields they add up to)."""
    m = row._mapping
    return (
        int(m["email_sent"]),
        int(m["email_replied"]),
        int(m["ticket_opened"]),
        int(m["ticket_answered"]),
        int(m["timed"]),
        float(m["seconds"]),
        int(m["summarised"]),
        int(m["next_step"]),
        int(m["converted"]),
    )


@dataclass(frozen=True)
class Cell:
    """The contacts of one customer on one channel by one rep: the finest grain the database sums to."""

    customer_id: str
    channel: str
    rep: str | None
    contacts: int  # in the window
    first_at: datetime | None  # the first and last contact in the window
    last_in_window: datetime | None
    last_at: datetime | None  # the last contact at or before as_of
    sums: Sums  # the flags' sums


def _no_jit(session: Session) -> None:
    """PostgreSQL's planner prices the correlated subqueries of ``facts`` high enough to JIT-compile the query,
    which then costs seconds more than running it (4 of 5 s on 24,000 contacts): off for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def cells(session: Session, scope: Scope) -> list[Cell]:
    """The contacts in scope summed per customer, channel and rep, in one pass over them."""
    _no_jit(session)
    f = facts(scope)
    in_window = f.c.in_window == 1
    keys = [f.c.customer_id, f.c.channel, f.c.rep]
    query: Select[Any] = select(
        *keys,
        func.sum(f.c.in_window).label("contacts"),
        func.min(case((in_window, f.c.occurred_at))).label("first_at"),
        func.max(case((in_window, f.c.occurred_at))).label("last_in_window"),
        func.max(f.c.occurred_at).label("last_at"),
        *(func.sum(f.c[name]).label(name) for name in SUMS),
    ).group_by(*keys)
    return [
        Cell(
            row.customer_id,
            row.channel,
            row.rep,
            int(row.contacts),
            row.first_at,
            row.last_in_window,
            row.last_at,
            _sums(row),
        )
        for row in session.execute(query)
    ]


def counts_by_rep(session: Session, scope: Scope) -> list[tuple[str, str | None, int, datetime]]:
    """(customer, rep, contacts in the window, last contact at or before as_of) per customer and rep: the
    counts of ``cells`` without the per-contact flags of ``facts`` (replies, durations, conversions), which are
    what costs. The same contacts: those in scope on a channel (surveys left out)."""
    c = _contacts(scope)
    in_window = _flag(c.c.occurred_at > literal(scope.window_start, UtcDateTime()))
    keys = [c.c.customer_id, c.c.rep]
    query: Select[Any] = (
        select(*keys, func.sum(in_window), func.max(c.c.occurred_at))
        .where(c.c.channel.is_not(None))
        .group_by(*keys)
    )
    return [(row[0], row[1], int(row[2]), row[3]) for row in session.execute(query)]


def accounts_in_book(
    session: Session, as_of: datetime, customer: str | None = None
) -> list[tuple[str, str | None, str | None, str | None]]:
    """(customer id, name, owner, segment) of every customer not churned by ``as_of``."""
    a = AccountRow
    query = (
        select(CustomerRow.id, CustomerRow.name, a.owner, a.segment)
        .outerjoin(a, a.customer_id == CustomerRow.id)
        .where(_in_book(as_of))
        .order_by(CustomerRow.id)
    )
    if customer is not None:
        query = query.where(CustomerRow.id == customer)
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(query)]


def bands_at(session: Session, as_of: datetime) -> dict[str, str]:
    """Each customer's band in its latest stored health snapshot at or before ``as_of``."""
    h = HealthSnapshotRow
    latest = (
        select(h.customer_id, func.max(h.as_of).label("at"))
        .where(h.as_of <= as_of)
        .group_by(h.customer_id)
        .subquery()
    )
    query = select(h.customer_id, h.band).join(
        latest, and_(h.customer_id == latest.c.customer_id, h.as_of == latest.c.at)
    )
    return {customer: band for customer, band in session.execute(query)}


def contact_rows(session: Session, scope: Scope, limit: int) -> list[ContactInteraction]:
    """The contacts in the window (the scope's rep or customer), newest first, at most ``limit``."""
    _no_jit(session)
    f = facts(scope)
    query = (
        select(f).where(f.c.in_window == 1).order_by(f.c.occurred_at.desc(), f.c.id).limit(limit)
    )
    return [_interaction(row) for row in session.execute(query)]


def _interaction(row: Any) -> ContactInteraction:
    answered: bool | None = None
    if row.email_sent:
        answered = bool(row.email_replied)
    elif row.ticket_opened:
        answered = bool(row.ticket_answered)
    return ContactInteraction(
        interaction_id=row.id,
        customer_id=row.customer_id,
        rep=row.rep,
        channel=row.channel,
        occurred_at=row.occurred_at,
        title=row.title,
        answered=answered,
        call_minutes=round(row.seconds / 60, 4) if row.timed else None,
        next_step=bool(row.next_step) if row.summarised else None,
        converted=bool(row.converted),
    )
