"""The managers' queue workflow over HTTP: mark a call reviewed, assign it to a rep, comment on it.

    POST /api/interactions/{id}/review     admin, manager   {"reviewed": true}; 409 if it already is
    POST /api/interactions/{id}/assign     admin, manager   {"assignee": "dana"} (null unassigns); 409 if it is
    GET  /api/interactions/{id}/comments   admin, manager, rep (a rep: own or assigned calls; no ``managers`` ones)
    POST /api/interactions/{id}/comments   same roles       {"body": "...", "visibility": "all" | "managers"}

A rep asking about a call that is neither theirs nor assigned to them gets 404, as for reading it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.auth import ApiToken
from api.deps import ServiceDep, allow
from api.service import Callintel
from models.errors import Forbidden, NotFound
from models.queue import Visibility
from models.records import Interaction
from models.store import StoredInteraction

T = TypeVar("T")
router = APIRouter(
    prefix="/interactions", tags=["queue"]
)  # under /api: routes_interactions includes it
Manager = Annotated[ApiToken, Depends(allow("admin", "manager"))]
Reader = Annotated[ApiToken, Depends(allow("admin", "manager", "rep"))]


class ReviewIn(BaseModel):
    reviewed: bool = True


class AssignIn(BaseModel):
    assignee: str | None = Field(max_length=256)


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)
    visibility: Visibility = "all"


class QueueStateOut(BaseModel):
    interaction_id: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    assignee: str | None


class CommentOut(BaseModel):
    id: int
    interaction_id: str
    author: str
    role: str
    body: str
    created_at: datetime
    visibility: str


def author(token: ApiToken) -> str:
    """Who a comment or review is recorded as: a rep token's rep, else the token's name."""
    return token.rep or token.name if token.role == "rep" else token.name


def readable_call(callintel: Callintel, token: ApiToken, interaction_id: str) -> StoredInteraction:
    """The call if the token may see it: admins and managers any, a rep their own calls and those assigned
    to them; else 404, the same either way (a rep does not learn that another rep's call exists)."""
    stored = callintel.interaction(interaction_id)
    return readable(callintel, token, interaction_id, stored, lambda s: s.interaction)


def readable(
    callintel: Callintel,
    token: ApiToken,
    interaction_id: str,
    found: T | None,
    interaction: Callable[[T], Interaction],
) -> T:
    """``found`` (what was read of the call, None if there is no such call) if the token may see the call
    (``interaction`` of it): as ``readable_call``, else 404."""
    if found is None:
        raise NotFound("interaction", interaction_id)
    if token.role == "rep" and interaction(found).rep != token.rep:
        if callintel.queue_state(interaction_id).assignee != token.rep:
            raise NotFound("interaction", interaction_id)
    return found


def may_see(callintel: Callintel, token: ApiToken, interaction_id: str) -> None:
    """404 unless the token may see the call (``readable_call``)."""
    readable_call(callintel, token, interaction_id)


@router.post("/{interaction_id}/review", response_model=QueueStateOut, summary="Mark reviewed")
def review(
    interaction_id: str, body: ReviewIn, callintel: ServiceDep, token: Manager
) -> QueueStateOut:
    state = callintel.review(interaction_id, author(token), body.reviewed)
    return QueueStateOut(**vars(state))


@router.post("/{interaction_id}/assign", response_model=QueueStateOut, summary="Assign to a rep")
def assign(
    interaction_id: str, body: AssignIn, callintel: ServiceDep, token: Manager
) -> QueueStateOut:
    state = callintel.assign(interaction_id, body.assignee)
    return QueueStateOut(**vars(state))


@router.get(
    "/{interaction_id}/comments", response_model=list[CommentOut], summary="A call's comments"
)
def list_comments(interaction_id: str, callintel: ServiceDep, token: Reader) -> list[CommentOut]:
    # the comments the token may read, with the call's rep and assignee (readable_call's check) in one read
    # (a comment, not a docstring: FastAPI would publish it in /openapi.json)
    found = callintel.call_comments(interaction_id, managers=token.role != "rep")
    if found is None or (token.role == "rep" and token.rep not in (found.rep, found.assignee)):
        raise NotFound("interaction", interaction_id)
    return [CommentOut(**vars(c)) for c in found.comments]


@router.post(
    "/{interaction_id}/comments", response_model=CommentOut, status_code=201, summary="Comment"
)
def add_comment(
    interaction_id: str, body: CommentIn, callintel: ServiceDep, token: Reader
) -> CommentOut:
    may_see(callintel, token, interaction_id)
    if token.role == "rep" and body.visibility == "managers":
        raise Forbidden("a rep cannot write a managers-only comment")
    made = callintel.comment(interaction_id, author(token), token.role, body.body, body.visibility)
    return CommentOut(**vars(made))
