"""Interactions, the flagged-call queue and search: what managers and reps read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import TypeAdapter

from api import routes_queue
from api.auth import ApiToken
from api.deps import CursorParam, ServiceDep, allow, json_answer, keyset_cursor, sqlite_inline
from api.moments import Moment, bounded_moment
from api.queries import public_interaction, public_line, rep_scope
from api.routes_queue import readable
from api.schemas import InteractionDetail, Page, SearchHit
from models.keyset import NewestFirst, QueuePlace
from models.pages import FlagFilter, InteractionLine
from models.records import TAG_LABELS
from models.search_lines import SearchLine
from models.store import FlaggedInteraction

router = APIRouter(prefix="/api", tags=["interactions"])
router.include_router(routes_queue.router)  # review, assign, comments (api/routes_queue.py)
Reader = Annotated[ApiToken, Depends(allow("admin", "manager", "rep"))]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[
    int, Query(ge=0, le=1_000_000_000)
]  # past it: 422, not an integer the database overflows on


@dataclass(frozen=True, slots=True)
class LinePage:
    """``Page`` of the interaction list's records (``InteractionLine``: ``Interaction``'s fields in its order):
    the same JSON, written from the records without building the models."""

    total: int
    limit: int
    offset: int
    items: list[InteractionLine]


_LINES = TypeAdapter(LinePage)


@router.get("/interactions", response_model=Page, summary="Interactions, newest first")
@sqlite_inline()
def list_interactions(
    callintel: ServiceDep,
    token: Reader,
    customer: str | None = None,
    rep: str | None = None,
    kind: Annotated[str | None, Query(pattern="^(call|ticket)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: CursorParam = None,
) -> Response:
    """``X-Next-Cursor`` (a full page only): pass it as ``cursor`` for the next page (keyset paging)."""
    after = keyset_cursor(cursor, NewestFirst.decode)
    page = callintel.interactions(customer, kind, rep_scope(token, rep), limit, offset, after)
    items = [public_line(i) for i in page.items]  # written from the records as they are (LinePage)
    return json_answer(_LINES, LinePage(page.total, limit, offset, items), page.next_cursor)


def _queue_place(token: str) -> QueuePlace:
    """A queue page's cursor, its moment in range (ValueError otherwise, as for a forged one)."""
    place = QueuePlace.decode(token)
    bounded_moment(place.as_of)
    return place


@router.get(
    "/interactions/{interaction_id}",
    response_model=InteractionDetail,
    summary="One interaction with its transcript, tags, metrics and summary",
)
@sqlite_inline()
def get_interaction(interaction_id: str, callintel: ServiceDep, token: Reader) -> Response:
    """Read in one transaction (models/interactions_repo.py interaction_view), as rows."""
    found = readable(
        callintel,
        token,
        interaction_id,
        callintel.interaction_view(interaction_id),
        lambda v: v.stored.interaction,
    )
    stored = found.stored
    detail = InteractionDetail(
        interaction=public_interaction(stored.interaction),
        transcript=stored.transcript,
        sentiments=stored.sentiments,
        tags=stored.tags,
        metrics=found.metrics,
        summary=found.summary,
    )
    return json_answer(_DETAIL, detail)


_DETAIL = TypeAdapter(InteractionDetail)


@router.get(
    "/queue", response_model=Page, summary="The flagged-call queue, strongest evidence first"
)
def flagged_queue(
    callintel: ServiceDep,
    token: Reader,
    label: Annotated[str | None, Query(pattern="^(" + "|".join(TAG_LABELS) + ")$")] = None,
    rep: str | None = None,
    customer: str | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    min_score: Annotated[float, Query(ge=0, le=1)] = 0.0,
    kind: Annotated[str, Query(pattern="^(call|ticket)$")] = "call",
    reviewed: Annotated[bool, Query(description="Include calls marked reviewed")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: CursorParam = None,
) -> Response:
    """``X-Next-Cursor`` (a full page only): pass it as ``cursor`` for the next page, ranked at the same
    moment as the first (keyset paging). Written from the queue's records as they are (``QueuePage``)."""
    after = keyset_cursor(cursor, _queue_place)
    wanted = FlagFilter(
        label, rep_scope(token, rep), customer, since, until, min_score, kind, reviewed
    )
    if token.role == "rep":  # a rep's own calls and those assigned to them
        wanted = replace(wanted, rep=None, mine=token.rep)
    page = callintel.flagged(wanted, limit, offset, after)
    items = [replace(f, interaction=public_interaction(f.interaction)) for f in page.items]
    return json_answer(_QUEUE, QueuePage(page.total, limit, offset, items), page.next_cursor)


@dataclass(frozen=True, slots=True)
class QueuePage:
    """``Page`` of queue rows, whose fields (``FlaggedInteraction``'s, ``Severity``'s) are ``FlaggedItem``'s and
    ``SeverityOut``'s in their order: the same JSON, written from the records without building the models."""

    total: int
    limit: int
    offset: int
    items: list[FlaggedInteraction]


_QUEUE = TypeAdapter(QueuePage)


_HITS = TypeAdapter(list[SearchLine])  # the JSON of list[SearchHit]: the records as they are


@router.get(
    "/search", response_model=list[SearchHit], summary="Full-text search across transcripts"
)
@sqlite_inline()
def search(
    callintel: ServiceDep,
    token: Reader,
    q: Annotated[str, Query(min_length=2, max_length=200)],
    limit: Limit = 50,
) -> Response:
    """The hits serialised from their records as they are (models/search_lines.py), not validated again:
    the JSON ``SearchHit``'s would give."""
    hits = callintel.search_lines(q, rep=rep_scope(token, None), limit=limit)
    return Response(_HITS.dump_json(hits), media_type="application/json")
