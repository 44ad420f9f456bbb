"""Customer histories as the risk engine reads them: interactions with their customer-side tags and sentiment,
usage events with their properties, and the account data (account, contacts, invoices, commercial events,
survey responses), as typed records (risk/history.py re-exports them; everything risk/ does with them is pure).

Functions over the caller's Session. The usage reads come in the pieces risk/window.py's bounded read puts
together: every event of some customers (``usage_of``), those in a span (``usage_between``), each kind's and
each user's latest event before a moment (``latest_usage_before``), and the first event of each distinct
(kind, properties) up to a moment (``first_usage_by_properties``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    String,
    Text,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import BindParameter

from models import convert
from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from models.records import InteractionKind, Record, Role
from models.tables import (
    AccountRow,
    CommercialEventRow,
    ContactRow,
    CustomerRow,
    InteractionRow,
    InvoiceRow,
    SurveyResponseRow,
    TagRow,
    UsageEventRow,
    UtcDateTime,
    UtteranceRow,
)

__all__ = [
    "AccountRead",
    "account_read",
    "account_records",
    "CustomerHistory",
    "InteractionFacts",
    "TagFact",
    "UsageFact",
    "UsageReader",
    "account_history",
    "first_usage_at",
    "first_usage_by_properties",
    "interactions_between",
    "last_usage_by_user",
    "usage_by_day",
    "latest_usage_before",
    "read_histories",
    "usage_between",
    "usage_of",
]


@dataclass(frozen=True)
class TagFact:
    label: str
    score: float
    evidence: str
    entity: str | None
    utterance_index: int
    start_s: float | None
    text: str
    role: Role
    sentiment: str | None


@dataclass(frozen=True)
class InteractionFacts:
    id: str
    kind: InteractionKind
    occurred_at: datetime
    title: str | None
    tags: tuple[TagFact, ...] = ()
    customer_sentiments: tuple[
        str, ...
    ] = ()  # the label of each customer (or unknown-role) utterance
    transcribed: bool = True  # False for a recording the pipeline has not transcribed (yet)


@dataclass(frozen=True)
class UsageFact:
    kind: str
    at: datetime
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerHistory:
    customer_id: str
    name: str | None = None
    interactions: tuple[InteractionFacts, ...] = ()  # in time order
    usage: tuple[UsageFact, ...] = ()  # in time order
    account: Account | None = None
    contacts: tuple[Contact, ...] = ()
    invoices: tuple[Invoice, ...] = ()  # by issue time
    commercial: tuple[CommercialEvent, ...] = ()  # in time order
    surveys: tuple[SurveyResponse, ...] = ()  # in time order


UsageReader = Callable[[Session, list[str]], dict[str, list[UsageFact]]]


def _facts(row: InteractionRow) -> InteractionFacts:
    return facts_of(row, row.utterances, row.tags)


def facts_of(interaction: Any, utterances: Sequence[Any], tags: Sequence[Any]) -> InteractionFacts:
    """An interaction's facts from its row, its utterances in order and its tags (ORM objects or Core rows
    with the columns' names)."""
    by_index = {u.idx: u for u in utterances}
    found = tuple(
        TagFact(
            t.label,
            t.score,
            t.evidence,
            t.entity,
            t.utterance_index,
            by_index[t.utterance_index].start_s,
            by_index[t.utterance_index].text,
            t.speaker_role,
            by_index[t.utterance_index].sentiment_label,
        )
        for t in sorted(tags, key=lambda t: (t.utterance_index, t.start, t.label))
        if t.utterance_index in by_index
    )
    sentiments = tuple(
        u.sentiment_label for u in utterances if u.speaker_role != "rep" and u.sentiment_label
    )
    return InteractionFacts(
        interaction.id,
        interaction.kind,
        interaction.occurred_at,
        interaction.title,
        found,
        sentiments,
        bool(utterances),
    )


def _account_data(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each customer's account, contacts, invoices, commercial events and survey responses, as records."""
    found: dict[str, dict[str, Any]] = {i: {} for i in ids}
    for row in session.scalars(select(AccountRow).where(AccountRow.customer_id.in_(ids))):
        found[row.customer_id]["account"] = Account.model_validate(
            {**_columns(row), "name": row.customer.name if row.customer else None}
        )
    listed: tuple[tuple[str, Any, type[Record], Any], ...] = (
        ("contacts", ContactRow, Contact, ContactRow.user),
        ("invoices", InvoiceRow, Invoice, InvoiceRow.issued_at),
        ("commercial", CommercialEventRow, CommercialEvent, CommercialEventRow.occurred_at),
        ("surveys", SurveyResponseRow, SurveyResponse, SurveyResponseRow.responded_at),
    )
    for name, table, record, order in listed:
        query = select(table).where(table.customer_id.in_(ids)).order_by(order, table.id)
        for row in session.scalars(query):
            found[row.customer_id].setdefault(name, []).append(
                record.model_validate(_columns(row, set(record.model_fields)))
            )
    return {
        i: {k: v if k == "account" else tuple(v) for k, v in d.items()} for i, d in found.items()
    }


def _columns(row: Any, keep: set[str] | None = None) -> dict[str, Any]:
    names = [c.key for c in row.__table__.columns]
    return {n: getattr(row, n) for n in names if (keep is None or n in keep) and n != "updated_at"}


def _usage_rows(session: Session, where: Any) -> dict[str, list[UsageFact]]:
    """The usage events ``where`` selects, per customer in time order. Events share their properties' text
    (a user's logins, a feature's uses), so each distinct text is decoded once: the facts sharing it share
    one dict, which the signals only read."""
    usage: dict[str, list[UsageFact]] = {}
    decoded: dict[str | None, dict[str, Any]] = {}
    sqlite = session.get_bind().dialect.name == "sqlite"
    moment = type_coerce(UsageEventRow.occurred_at, String) if sqlite else UsageEventRow.occurred_at
    events = session.execute(
        select(UsageEventRow.customer_id, UsageEventRow.kind, moment)
        .add_columns(cast(UsageEventRow.properties, Text))
        .where(where)
        .order_by(UsageEventRow.customer_id, UsageEventRow.occurred_at, UsageEventRow.id)
    )  # the index's order: no sort
    for customer_id, kind, occurred_at, text in events:
        properties = decoded.get(text)
        if properties is None:
            properties = decoded[text] = (json.loads(text) if text else None) or {}
        at = datetime.fromisoformat(occurred_at).replace(tzinfo=UTC) if sqlite else occurred_at
        usage.setdefault(customer_id, []).append(UsageFact(kind, at, properties))
    return usage


def usage_of(session: Session, ids: list[str]) -> dict[str, list[UsageFact]]:
    """Every usage event of these customers, per customer in time order."""
    return _usage_rows(session, UsageEventRow.customer_id.in_(ids))


def usage_between(
    session: Session, ids: list[str], after: datetime, until: datetime
) -> dict[str, list[UsageFact]]:
    """These customers' usage events in (after, until], per customer in time order."""
    where = and_(
        UsageEventRow.customer_id.in_(ids),
        UsageEventRow.occurred_at > after,
        UsageEventRow.occurred_at <= until,
    )
    return _usage_rows(session, where)


def latest_usage_before(
    session: Session, ids: list[str], until: datetime
) -> list[tuple[str, datetime]]:
    """(customer, time) of each kind's and each user's latest usage event at or before ``until``."""
    user = UsageEventRow.properties["user"].as_string()
    found: list[tuple[str, datetime]] = []
    for key in (UsageEventRow.kind, user):
        latest = session.execute(
            select(UsageEventRow.customer_id, func.max(UsageEventRow.occurred_at))
            .where(UsageEventRow.customer_id.in_(ids), UsageEventRow.occurred_at <= until)
            .group_by(UsageEventRow.customer_id, key)
        )
        found += [(customer_id, at) for customer_id, at in latest]
    return found


def first_usage_by_properties(
    session: Session, ids: list[str], until: datetime
) -> list[tuple[str, UsageFact]]:
    """(customer, event) for the first usage event of each distinct (customer, kind, properties) at or
    before ``until`` (grouped in SQL)."""
    text = cast(UsageEventRow.properties, Text)
    first = session.execute(
        select(
            UsageEventRow.customer_id,
            UsageEventRow.kind,
            text,
            func.min(UsageEventRow.occurred_at),
        )
        .where(UsageEventRow.customer_id.in_(ids), UsageEventRow.occurred_at <= until)
        .group_by(UsageEventRow.customer_id, UsageEventRow.kind, text)
    )
    return [
        (customer_id, UsageFact(kind, at, (json.loads(properties) if properties else None) or {}))
        for customer_id, kind, properties, at in first
    ]


def read_histories(
    session: Session, customer_ids: list[str] | None = None, usage: UsageReader | None = None
) -> list[CustomerHistory]:
    """Every customer's history (or those named), in customer id order; ``usage`` reads their usage events
    (all of them when None: ``usage_of``)."""
    query = select(CustomerRow).order_by(CustomerRow.id)
    if customer_ids is not None:
        query = query.where(CustomerRow.id.in_(customer_ids))
    customers = list(session.scalars(query))
    ids = [c.id for c in customers]
    rows = session.scalars(
        select(InteractionRow)
        .where(InteractionRow.customer_id.in_(ids))
        .options(selectinload(InteractionRow.utterances), selectinload(InteractionRow.tags))
        .order_by(InteractionRow.occurred_at, InteractionRow.id)
    )
    interactions: dict[str, list[InteractionFacts]] = {}
    for row in rows:
        interactions.setdefault(row.customer_id, []).append(_facts(row))
    events = (usage or usage_of)(session, ids)
    accounts = _account_data(session, ids)
    return [
        CustomerHistory(
            c.id,
            c.name,
            tuple(interactions.get(c.id, ())),
            tuple(events.get(c.id, ())),
            **accounts[c.id],
        )
        for c in customers
    ]


# -- B: one customer's page read in parts (issue 19): only what the page shows, windowed in SQL -----------------


_ID: BindParameter[str] = bindparam("customer_id")
# the customer's name and account (if any) in one statement: the account's columns are NULL without one
_NAMED_ACCOUNT = (
    select(CustomerRow.name, *AccountRow.__table__.c)
    .outerjoin(AccountRow, AccountRow.customer_id == CustomerRow.id)
    .where(CustomerRow.id == _ID)
)


@dataclass(frozen=True)
class _List:
    """A list of the account data: its name (``CustomerHistory``'s field), record, table, order and
    condition (the customer's rows, and any more)."""

    name: str
    record: type[Record]
    table: Any
    order: tuple[Any, ...]
    where: tuple[Any, ...]


class _Lists:
    """Several lists of a customer's account data read in one statement: a UNION ALL of a branch a list,
    each row a list's number, its place in the list's order (``row_number``) and every list's columns side
    by side, the other lists' null (cast to the column's type: PostgreSQL resolves a UNION's column types
    from them, and each column's values are read as its type's). Built once."""

    def __init__(self, *lists: _List) -> None:
        self.lists = lists
        tables = [each.table.__table__ for each in lists]
        every = [column for table in tables for column in table.columns]
        branches = []
        for at, each in enumerate(lists):
            slots = [
                (c if c.table is each.table.__table__ else cast(null(), c.type)).label(f"c{n}")
                for n, c in enumerate(every)
            ]
            seq = func.row_number().over(order_by=each.order).label("seq")
            branches.append(select(literal(at).label("part"), seq, *slots).where(*each.where))
        union = union_all(*branches).subquery()
        self.statement = select(union).order_by(union.c.part, union.c.seq)
        self.names = [[column.key for column in table.columns] for table in tables]
        self.starts = [2]
        for names in self.names:
            self.starts.append(self.starts[-1] + len(names))

    def rows(self, run: Any, values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """Each list's rows (its columns by name, in its order)."""
        found: dict[str, list[dict[str, Any]]] = {each.name: [] for each in self.lists}
        for row in run(self.statement, values):
            part = row[0]
            kept = row[self.starts[part] : self.starts[part + 1]]
            found[self.lists[part].name].append(dict(zip(self.names[part], kept, strict=True)))
        return found

    def records(self, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        """Each list's rows as its records (as ``_fields`` keeps a row's columns)."""
        found: dict[str, Any] = {}  # a tuple of its records by the history's field
        for each in self.lists:
            kept = each.record.model_fields
            found[each.name] = tuple(
                each.record.model_validate(
                    {k: v for k, v in row.items() if k in kept and k != "updated_at"}
                )
                for row in rows[each.name]
            )
        return found


_ct, _I, _C, _S = ContactRow, InvoiceRow, CommercialEventRow, SurveyResponseRow
# the account page's four lists (account_read)
_ACCOUNT_LISTS = _Lists(
    _List("contacts", Contact, _ct, (_ct.user, _ct.id), (_ct.customer_id == _ID,)),
    _List("invoices", Invoice, _I, (_I.issued_at, _I.id), (_I.customer_id == _ID,)),
    _List("commercial", CommercialEvent, _C, (_C.occurred_at, _C.id), (_C.customer_id == _ID,)),
    _List("surveys", SurveyResponse, _S, (_S.responded_at, _S.id), (_S.customer_id == _ID,)),
)


@dataclass(frozen=True)
class AccountRead:
    """``account_history``'s history and its survey responses' tickets (dedup key -> interaction id, as
    models/accounts_repo.py ``survey_interactions``), read from the same rows."""

    history: CustomerHistory
    survey_links: dict[str, str]


def account_history(session: Session, customer_id: str) -> CustomerHistory | None:
    """The customer's name and account data (account, contacts, invoices, commercial events, survey
    responses, as ``read_histories`` gives them) as a history without interactions or usage; None if there
    is no such customer (``account_read``)."""
    found = account_read(session, customer_id)
    return None if found is None else found.history


def account_read(session: Session, customer_id: str) -> AccountRead | None:
    """``account_history`` with its surveys' tickets (the survey rows' own columns: no statement more), in
    two statements: the name and account, then the four lists (``_ACCOUNT_LISTS``). Rows, not ORM objects:
    prebuilt statements, run on the session's connection (through the session, the ORM's result handling
    doubles the cost of each)."""
    run = session.connection().execute
    named = run(_NAMED_ACCOUNT, {"customer_id": customer_id}).first()
    if named is None:
        return None
    found: dict[str, Any] = {}
    if named.customer_id is not None:
        found["account"] = Account.model_validate(_fields(named))
    lists = _ACCOUNT_LISTS.rows(run, {"customer_id": customer_id})
    found |= _ACCOUNT_LISTS.records(lists)
    surveys = lists["surveys"]
    links = {row["dedup_key"]: row["interaction_id"] for row in surveys if row["interaction_id"]}
    return AccountRead(CustomerHistory(customer_id, named[0], **found), links)


def account_records(
    session: Session | Connection, customer_id: str, start: datetime
) -> CustomerHistory:
    """The customer's invoices, commercial events and survey responses that a timeline from ``start``
    shows (as ``account_history`` reads them; an invoice with its issue, due or payment time from
    ``start`` on) as a history with nothing else."""
    wanted = {"customer_id": customer_id, "start": start}
    return CustomerHistory(customer_id, **_RECENT.records(_RECENT.rows(session.execute, wanted)))


def _fields(row: Any, record: type[Record] | None = None) -> dict[str, Any]:
    """A row's columns as ``_columns`` gives an ORM object's (only ``record``'s fields, when given)."""
    kept = record.model_fields if record is not None else None
    return {
        k: v for k, v in row._mapping.items() if (kept is None or k in kept) and k != "updated_at"
    }


def interactions_between(
    session: Session | Connection, customer_id: str, start: datetime, until: datetime
) -> tuple[InteractionFacts, ...]:
    """The customer's interactions in [start, until] with their tags and sentiment, in time order (as
    ``read_histories`` gives them): Core reads of only the columns the facts hold (not the utterances'
    word timings), prebuilt statements."""
    wanted = {"customer_id": customer_id, "start": start, "until": until}
    found = session.execute(_BETWEEN, wanted).all()
    if not found:
        return ()
    ids = {"ids": [row.id for row in found]}
    utterances: dict[str, list[Any]] = {}
    for u in session.execute(_UTTERANCES, ids):
        utterances.setdefault(u.interaction_id, []).append(u)
    tags: dict[str, list[Any]] = {}
    for t in session.execute(_TAGS, ids):
        tags.setdefault(t.interaction_id, []).append(t)
    return tuple(facts_of(r, utterances.get(r.id, []), tags.get(r.id, [])) for r in found)


_UNTIL: BindParameter[datetime] = bindparam("until")
_START: BindParameter[datetime] = bindparam("start")
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_BETWEEN = (
    select(InteractionRow.id, InteractionRow.kind, InteractionRow.occurred_at, InteractionRow.title)
    .where(
        InteractionRow.customer_id == _ID,
        InteractionRow.occurred_at >= _START,
        InteractionRow.occurred_at <= _UNTIL,
    )
    .order_by(InteractionRow.occurred_at, InteractionRow.id)
)
_U = UtteranceRow
_UTTERANCES = (
    select(_U.interaction_id, _U.idx, _U.start_s, _U.text, _U.speaker_role, _U.sentiment_label)
    .where(_U.interaction_id.in_(_IDS))
    .order_by(_U.interaction_id, _U.idx)
)
_TAGS = (
    select(
        TagRow.interaction_id,
        TagRow.label,
        TagRow.score,
        TagRow.evidence,
        TagRow.entity,
        TagRow.utterance_index,
        TagRow.start,
        TagRow.speaker_role,
    )
    .where(TagRow.interaction_id.in_(_IDS))
    .order_by(TagRow.interaction_id, TagRow.id)
)
# interactions_between's statements: built once
# account_records's lists, in one statement
_RECENT = _Lists(
    _List(
        "invoices",
        Invoice,
        _I,
        (_I.issued_at, _I.id),
        (
            _I.customer_id == _ID,
            or_(_I.issued_at >= _START, _I.due_at >= _START, _I.paid_at >= _START),
        ),
    ),
    _List(
        "commercial",
        CommercialEvent,
        _C,
        (_C.occurred_at, _C.id),
        (_C.customer_id == _ID, _C.occurred_at >= _START),
    ),
    _List(
        "surveys",
        SurveyResponse,
        _S,
        (_S.responded_at, _S.id),
        (_S.customer_id == _ID, _S.responded_at >= _START),
    ),
)


def _is_text(dialect: str, key: str) -> Any:
    """Whether the usage event's ``properties[key]`` is a JSON string."""
    if dialect == "sqlite":
        return func.json_type(UsageEventRow.properties, f"$.{key}") == "text"
    return func.json_typeof(UsageEventRow.properties[key]) == "string"


def _dialect(session: Session | Connection) -> str:
    return (
        session.dialect.name if isinstance(session, Connection) else session.get_bind().dialect.name
    )


# migration 0016's index: its user expression and its condition as it writes them (a read must repeat both
# exactly for the database to use it)
USER_INDEX: dict[str, tuple[str, str]] = {
    "sqlite": ("json_extract(properties, '$.user')", "json_type(properties, '$.user') = 'text'"),
    "postgresql": ("(properties ->> 'user')", "json_typeof(properties -> 'user') = 'string'"),
}


@cache
def _last_by_user(dialect: str) -> Any:  # a TextualSelect
    """Built once a dialect: each distinct user of the customer's events by a loose scan of 0016's index (a
    seek to the next user), then that user's latest event by ``until`` (the last stored of its moment) by
    two seeks (its kind, its time; null when it has none by then): a few index entries, however many events
    the customer has."""
    user, is_text = USER_INDEX[dialect]
    mine = f"FROM usage_events WHERE customer_id = :customer_id AND {is_text}"
    first = f"SELECT {user} {mine} ORDER BY {user} LIMIT 1"
    after = f"SELECT {user} {mine} AND {user} > seen.name ORDER BY {user} LIMIT 1"
    latest = f"{mine} AND {user} = seen.name AND occurred_at <= :until ORDER BY occurred_at DESC, id DESC"
    statement = sql_text(
        f"WITH RECURSIVE seen(name) AS (SELECT ({first}) UNION ALL "
        f"SELECT ({after}) FROM seen WHERE seen.name IS NOT NULL) "
        f"SELECT name, (SELECT kind {latest} LIMIT 1), (SELECT occurred_at {latest} LIMIT 1) "
        "FROM seen WHERE name IS NOT NULL"
    )
    return statement.bindparams(bindparam("until", type_=UtcDateTime())).columns(
        column("name", String), column("kind", String), column("occurred_at", UtcDateTime())
    )


def last_usage_by_user(
    session: Session, customer_id: str, until: datetime
) -> list[tuple[str, str, datetime]]:
    """(user, kind, time) of the latest usage event (by time, then the last stored) of each distinct string
    ``properties.user`` of the customer's events at or before ``until``: a row a user, read by seeks of
    migration 0016's index (``_last_by_user``)."""
    latest = session.connection().execute(
        _last_by_user(_dialect(session)), {"customer_id": customer_id, "until": until}
    )
    return [(name, kind, convert.aware(at)) for name, kind, at in latest if at is not None]


_FIRST_USAGE = select(func.min(UsageEventRow.occurred_at)).where(UsageEventRow.customer_id == _ID)


def first_usage_at(session: Session, customer_id: str) -> datetime | None:
    """The time of the customer's first usage event (one seek of the (customer, time) index); None: none."""
    first = session.scalar(_FIRST_USAGE, {"customer_id": customer_id})
    return None if first is None else convert.aware(first)


@cache
def _usage_at(dialect: str) -> Any:
    u = UsageEventRow
    return (
        select(u.properties["user"].as_string(), u.kind)
        .where(u.customer_id == _ID, u.occurred_at == _UNTIL, _is_text(dialect, "user"))
        .order_by(u.id.desc())
    )


def usage_at(session: Session, customer_id: str, at: datetime) -> list[tuple[str, str]]:
    """(user, kind) of the customer's usage events at exactly ``at`` with a string ``properties.user``, the
    last stored first (to settle which of several events at one moment is a user's latest)."""
    wanted = {"customer_id": customer_id, "until": at}
    found = session.connection().execute(_usage_at(_dialect(session)), wanted)
    return [(user, kind) for user, kind in found]


@cache
def _by_day(dialect: str) -> Any:
    u = UsageEventRow
    if dialect == "sqlite":
        day: Any = func.substr(type_coerce(u.occurred_at, String), 1, 10)
    else:
        day = cast(func.timezone("UTC", u.occurred_at), Date)
    return (
        select(day, u.kind, func.count())
        .where(u.customer_id == _ID, u.occurred_at >= _START, u.occurred_at <= _UNTIL)
        .group_by(day, u.kind)
    )


def usage_by_day(
    session: Session | Connection, customer_id: str, start: datetime, until: datetime
) -> list[tuple[date, str, int]]:
    """(UTC day, kind, how many) of the customer's usage events in [start, until], counted in SQL."""
    wanted = {"customer_id": customer_id, "start": start, "until": until}
    counts = session.execute(_by_day(_dialect(session)), wanted)
    return [(d if isinstance(d, date) else date.fromisoformat(d), kind, n) for d, kind, n in counts]
