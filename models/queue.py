"""The managers' queue workflow: a flagged call marked reviewed, assigned to a rep, commented on.

Reviewed calls leave the queue (models/pages.py hides them unless asked). Comments carry a visibility: ``all``
(anyone who may read the call) or ``managers`` (admins and managers only). Who may do what is decided by the
caller (api/routes_queue.py); these functions check only that the call exists and the change makes sense.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session

from models.errors import Conflict, InputError, NotFound
from models.store import Store
from models.tables import InteractionRow, QueueCommentRow, QueueReviewRow

__all__ = [
    "CallComments",
    "Comment",
    "QueueState",
    "Visibility",
    "add_comment",
    "assign",
    "call_comments",
    "comments",
    "queue_state",
    "review",
]

Visibility = Literal["all", "managers"]
MAX_COMMENT = 10_000


@dataclass(frozen=True)
class QueueState:
    interaction_id: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    assignee: str | None


@dataclass(frozen=True)
class Comment:
    id: int
    interaction_id: str
    author: str
    role: str
    body: str
    created_at: datetime
    visibility: Visibility


def _state(interaction_id: str, row: QueueReviewRow | None) -> QueueState:
    if row is None:
        return QueueState(interaction_id, None, None, None)
    return QueueState(interaction_id, row.reviewed_at, row.reviewed_by, row.assignee)


def _review_row(session: Session, interaction_id: str) -> QueueReviewRow:
    """The call's queue row (made on first use); NotFound when there is no such call."""
    if session.get(InteractionRow, interaction_id) is None:
        raise NotFound("interaction", interaction_id)
    row = session.get(QueueReviewRow, interaction_id)
    if row is None:
        row = QueueReviewRow(interaction_id=interaction_id)
        session.add(row)
    return row


def queue_state(store: Store, interaction_id: str) -> QueueState:
    """Whether the call is reviewed and who it is assigned to (all None when never touched)."""
    with store.transaction() as session:
        return _state(interaction_id, session.get(QueueReviewRow, interaction_id))


def review(
    store: Store, interaction_id: str, by: str, reviewed: bool = True, at: datetime | None = None
) -> QueueState:
    """Mark the call reviewed by ``by`` (or back to unreviewed); Conflict when it already is in that state."""
    with store.transaction() as session:
        row = _review_row(session, interaction_id)
        if (row.reviewed_at is not None) == reviewed:
            state = "reviewed" if reviewed else "not reviewed"
            raise Conflict(f"interaction {interaction_id!r} is already {state}")
        row.reviewed_at = (at or datetime.now(UTC)) if reviewed else None
        row.reviewed_by = by if reviewed else None
        session.flush()
        return _state(interaction_id, row)


def assign(store: Store, interaction_id: str, assignee: str | None) -> QueueState:
    """Assign the call to a rep (None: unassign); Conflict when it is assigned to them already."""
    if assignee is not None and not assignee.strip():
        raise InputError("assignee: must not be empty (send null to unassign)")
    with store.transaction() as session:
        row = _review_row(session, interaction_id)
        if row.assignee == assignee:
            raise Conflict(f"interaction {interaction_id!r} is already assigned to {assignee!r}")
        row.assignee = assignee
        session.flush()
        return _state(interaction_id, row)


def _comment(row: QueueCommentRow) -> Comment:
    visibility: Visibility = "managers" if row.visibility == "managers" else "all"
    return Comment(
        row.id, row.interaction_id, row.author, row.role, row.body, row.created_at, visibility
    )


def add_comment(
    store: Store,
    interaction_id: str,
    author: str,
    role: str,
    body: str,
    visibility: Visibility = "all",
) -> Comment:
    """Add a comment to the call; InputError for an empty or over-long body, NotFound for no such call."""
    text = body.strip()
    if not text or len(text) > MAX_COMMENT:
        raise InputError(f"body: must be 1 to {MAX_COMMENT} characters")
    with store.transaction() as session:
        if session.get(InteractionRow, interaction_id) is None:
            raise NotFound("interaction", interaction_id)
        row = QueueCommentRow(
            interaction_id=interaction_id,
            author=author,
            role=role,
            body=text,
            visibility=visibility,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        return _comment(row)


def comments(store: Store, interaction_id: str, managers: bool) -> list[Comment]:
    """The call's comments, oldest first; ``managers=False`` leaves out those marked ``managers``."""
    query = select(QueueCommentRow).where(QueueCommentRow.interaction_id == interaction_id)
    if not managers:
        query = query.where(QueueCommentRow.visibility != "managers")
    query = query.order_by(QueueCommentRow.created_at, QueueCommentRow.id)
    with store.transaction() as session:
        return [_comment(row) for row in session.scalars(query)]


@dataclass(frozen=True)
class CallComments:
    """A call's comments, oldest first, with who may read them: the call's rep and its assignee."""

    rep: str | None
    assignee: str | None
    comments: list[Comment]


def _call_comments(managers: bool) -> Select:
    """The call's rep and assignee beside each of its comments (``managers``: those marked ``managers`` too),
    oldest first; one row with null comment columns when it has none, no row when there is no such call."""
    c = QueueCommentRow
    joined = c.interaction_id == InteractionRow.id
    if not managers:
        joined = and_(joined, c.visibility != "managers")
    return (
        select(InteractionRow.rep, QueueReviewRow.assignee)
        .add_columns(c.id, c.interaction_id, c.author, c.role, c.body, c.created_at, c.visibility)
        .outerjoin(QueueReviewRow, QueueReviewRow.interaction_id == InteractionRow.id)
        .outerjoin(c, joined)
        .where(InteractionRow.id == bindparam("interaction_id"))
        .order_by(c.created_at, c.id)
    )


_CALL_COMMENTS = {managers: _call_comments(managers) for managers in (False, True)}  # built once


def call_comments(store: Store, interaction_id: str, managers: bool) -> CallComments | None:
    """``comments`` with the call's rep and assignee (who may read them: api/routes_queue.py), read in one
    statement outside a transaction; None when there is no such call."""
    with store.reading() as reads:
        rows = reads.execute(_CALL_COMMENTS[managers], {"interaction_id": interaction_id}).all()
    if not rows:
        return None
    found = [
        Comment(i, call, who, role, body, at, "managers" if seen == "managers" else "all")
        for _, _, i, call, who, role, body, at, seen in rows
        if i is not None
    ]
    return CallComments(rows[0][0], rows[0][1], found)
