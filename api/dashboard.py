"""The manager dashboard: server-rendered pages over the same store and the same reads as the JSON API.

    /dashboard/                 the flagged-call (or ticket) queue (filters: label, rep, customer, dates, score)
    /dashboard/calls/{id}       transcript with highlighted evidence, metrics, summary, audio player
    /dashboard/search?q=        full-text search across transcripts (a rep: their own calls)
    /dashboard/customers        customers at risk, riskiest first
    /dashboard/customers/{id}   health chart over time with its breakdown, signals, timeline; the account, its
                                contacts with their last login, payments, NPS/CSAT, the recommended action
                                and the alerts with their lifecycle controls
    /dashboard/alerts           alerts, newest first (filters: status, owner, customer); acknowledge, resolve

Sign-in is with an API token (its role decides what is shown); it starts a server-side session whose id is kept in
an HttpOnly cookie (api/sessions.py). Pages use no JavaScript framework, no inline script or style (the CSP of
api/security.py forbids them) and load nothing from outside the server: it works offline.
"""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import BaseModel, Field, field_validator

from api.account_view import account_summary
from api.auth import ApiToken
from api.dashboard_alerts import alert_rows
from api.dashboard_customer import customer_page_reads
from api.dashboard_panels import panels
from api.dashboard_rows import customer_lines
from api.dashboard_search import hit_rows
from api.dashboard_views import (
    health_chart,
    health_svg,
    highlight,
    page_links,
    relative,
)
from api.deps import COOKIE, ServiceDep, same_origin, sqlite_inline, viewer
from api.moments import Day
from api.permissions import ALERT_ACTORS
from api.queries import rep_scope
from api.routes_alerts import AlertId
from api.routes_queue import author, may_see, readable, readable_call
from models.analysis import ALERT_OUTCOMES, AlertOutcome, AlertStatus
from models.clock import clock
from models.errors import Forbidden, NotFound
from models.interactions_repo import InteractionView
from models.pages import FlagFilter
from models.queue import Visibility
from models.records import TAG_LABELS, Interaction, label_name
from models.store import StoredInteraction
from risk.alerts import MAX_NOTE

__all__ = ["back_to", "router", "templates"]

router = APIRouter(prefix="/dashboard", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.filters["clock"] = clock
templates.env.filters["relative"] = relative
templates.env.filters["label_name"] = label_name
templates.env.globals["TAG_LABELS"] = TAG_LABELS
templates.env.globals["ALERT_ACTORS"] = ALERT_ACTORS
templates.env.globals["page_links"] = page_links
templates.env.globals["health_svg"] = health_svg
templates.env.globals["alert_rows"] = alert_rows
_ASSETS: dict[tuple[str, str], str] = {}  # (root path, file): its URL, looked up by name once


@pass_context
def asset(context: Context, path: str) -> str:
    """A file of api/static as a root-relative URL: the router's lookup of the mount by name, made once (it
    costs more than the rest of a small page); every app (api/app.py) mounts it at the same path."""
    request: Request = context["request"]
    key = (request.scope.get("root_path", ""), path)
    if key not in _ASSETS:
        _ASSETS[key] = relative(request.url_for("dashboard_static", path=path))
    return _ASSETS[key]


templates.env.globals["asset"] = asset
CallViewer = Annotated[ApiToken, Depends(viewer("admin", "manager", "rep"))]
RiskViewer = Annotated[ApiToken, Depends(viewer("admin", "manager", "crm"))]
AlertViewer = Annotated[ApiToken, Depends(viewer(*ALERT_ACTORS))]  # who may act on alerts
PAGE_SIZE = 25


def _page(
    request: Request, name: str, token: ApiToken | None, status: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"token": token, **context}, status_code=status
    )


def _local(target: str | None) -> str:
    """Only paths on this server are followed after sign-in (no open redirect)."""
    return (
        target
        if target and target.startswith("/") and not target.startswith("//")
        else "/dashboard/"
    )


def back_to(next: str, anchor: str, within: str = "/") -> RedirectResponse:
    """After a form's POST, back to the page it was on at ``#anchor`` (a row): only a path on this server under
    ``within``; else ``within`` itself (the dashboard's home for "/")."""
    target = _local(next)
    if not target.startswith(within):
        target = within
    return RedirectResponse(f"{target.split('#')[0]}#{anchor}", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _page(request, "login.html", None, next=_local(next), problem=None)


@router.post("/login", dependencies=[Depends(same_origin)])
def login(
    request: Request,
    callintel: ServiceDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    settings = callintel.settings
    found = callintel.verify_token(token.strip())
    if found is None:
        return _page(
            request,
            "login.html",
            None,
            401,
            next=_local(next),
            problem="That token is not valid or was revoked.",
        )
    if previous := request.cookies.get(COOKIE):
        callintel.end_session(
            previous
        )  # signing in again replaces the session, never keeps a second one open
    target = (
        _local(next)
        if found.role != "crm" or "/customers" in _local(next)
        else "/dashboard/customers"
    )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        callintel.start_session(found),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=round(settings.session_hours * 3600),
        path="/dashboard",
    )
    return response


@router.post("/logout", dependencies=[Depends(same_origin)])
def logout(request: Request, callintel: ServiceDep) -> Response:
    if secret := request.cookies.get(COOKIE):
        callintel.end_session(secret)
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(
        COOKIE,
        path="/dashboard",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


class QueueForm(BaseModel):
    """The queue's filter form; an empty field means no filter."""

    label: Literal[TAG_LABELS] | None = None  # type: ignore[valid-type]
    rep: str | None = Field(None, max_length=128)
    customer: str | None = Field(None, max_length=128)
    since: Day | None = None  # years 1970-2999 (api/moments.py): until + 1 day cannot overflow
    until: Day | None = None
    min_score: float | None = Field(None, ge=0, le=1)
    kind: Literal["call", "ticket"] = "call"
    reviewed: bool = False  # include the calls marked reviewed
    page: int = Field(1, ge=1, le=40_000_000)  # its offset stays within what the database takes

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def queue_filter(self, rep: str | None) -> FlagFilter:
        since = datetime.combine(self.since, time(), UTC) if self.since else None
        until = (
            datetime.combine(self.until, time(), UTC) + timedelta(days=1) if self.until else None
        )
        return FlagFilter(
            self.label,
            rep,
            self.customer,
            since,
            until,
            self.min_score or 0.0,
            self.kind,
            self.reviewed,
        )


@router.get("/")
def queue(
    request: Request,
    callintel: ServiceDep,
    token: CallViewer,
    form: Annotated[QueueForm, Query()],
) -> HTMLResponse:
    start = (form.page - 1) * PAGE_SIZE
    wanted = form.queue_filter(rep_scope(token, form.rep))
    if token.role == "rep":  # a rep's own calls and those assigned to them
        wanted = replace(wanted, rep=None, mine=token.rep)
    page = callintel.flagged(wanted, PAGE_SIZE, start)
    pages = max(1, -(-page.total // PAGE_SIZE))
    return _page(
        request,
        "queue.html",
        token,
        form=form,
        rows=page.items,
        total=page.total,
        pages=pages,
        reps=callintel.store.list_reps(form.kind),
    )


def _audio(stored: StoredInteraction) -> Path | None:
    meta = stored.interaction.metadata
    path = (
        Path(meta["audio_path"])
        if meta.get("format") == "audio" and meta.get("audio_path")
        else None
    )
    return path if path is not None and path.is_file() else None


def _interaction(view: InteractionView) -> Interaction:
    return view.stored.interaction


@router.get("/calls/{interaction_id}")
@sqlite_inline()  # a read: on SQLite on the event loop (api/deps.py)
def call_page(
    interaction_id: str, request: Request, callintel: ServiceDep, token: CallViewer
) -> HTMLResponse:
    view = readable(  # the call, its metrics and its summary read together
        callintel, token, interaction_id, callintel.interaction_view(interaction_id), _interaction
    )
    stored = view.stored
    by_utterance = defaultdict(list)
    for tag in stored.tags:
        by_utterance[tag.utterance_index].append(tag)
    utterances = stored.transcript.utterances if stored.transcript else []
    lines = [
        (
            u,
            stored.sentiments[u.index] if u.index < len(stored.sentiments) else None,
            highlight(u.text, by_utterance[u.index]),
        )
        for u in utterances
    ]
    starts = {u.index: u.start_s for u in utterances}
    return _page(
        request,
        "call.html",
        token,
        stored=stored,
        i=stored.interaction,
        lines=lines,
        starts=starts,
        tags=sorted(stored.tags, key=lambda t: (t.utterance_index, t.start)),
        audio=_audio(stored) is not None,
        metrics=view.metrics,
        summary=view.summary,
        review=callintel.queue_state(interaction_id),
        comments=callintel.comments(interaction_id, managers=token.role != "rep"),
    )


@router.get("/calls/{interaction_id}/audio")
def call_audio(interaction_id: str, callintel: ServiceDep, token: CallViewer) -> FileResponse:
    path = _audio(readable_call(callintel, token, interaction_id))
    if path is None:
        raise NotFound("recording on this server for the interaction", interaction_id)
    media_type = {".opus": "audio/ogg", ".oga": "audio/ogg", ".m4a": "audio/mp4"}.get(
        path.suffix.lower()
    )
    return FileResponse(
        path,
        media_type=media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream",
    )


@router.get("/search")
@sqlite_inline()  # a read: on SQLite on the event loop (api/deps.py)
def search(
    request: Request,
    callintel: ServiceDep,
    token: CallViewer,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    query = q.strip()
    hits = callintel.search_rows(query, rep_scope(token, None), 100) if len(query) >= 2 else []
    rows = hit_rows(hits, query)  # drawn once (api/dashboard_search.py)
    return _page(request, "search.html", token, q=query, rows=rows)


@router.get("/customers")
@sqlite_inline()  # a read: on SQLite on the event loop (api/deps.py)
def at_risk(
    request: Request,
    callintel: ServiceDep,
    token: RiskViewer,
    band: Annotated[Literal["green", "yellow", "red", ""], Query()] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> HTMLResponse:
    moment = callintel.as_of()
    page = callintel.risk_lines(
        moment, band or None, limit, offset
    )  # F: the stored health, one page
    pages = {"total": page.total, "offset": offset, "limit": limit}
    return _page(
        request,
        "customers.html",
        token,
        rows=customer_lines(callintel.store, page.items),
        as_of=moment,
        band=band,
        pages=pages,
    )


@router.get("/customers/{customer_id}")
@sqlite_inline()  # a read: on SQLite on the event loop (api/deps.py)
def customer_page(
    customer_id: str,
    request: Request,
    callintel: ServiceDep,
    token: RiskViewer,
    days: Annotated[int, Query(ge=14, le=730)] = 120,
) -> HTMLResponse:
    moment = callintel.as_of()
    # C: the stored health, the weeks' stored evaluations, the account, its alerts (api/dashboard_customer.py)
    page = customer_page_reads(callintel, customer_id, moment, days)
    view, alerts = page.view, page.alerts
    chart = health_chart(view.replay, callintel.risk_config().bands)
    panel = account_summary(view.history, moment, alerts, view.recommendation, page.contacts)
    calls_visible = token.role != "crm"
    return _page(
        request,
        "customer.html",
        token,
        view=view,
        chart=chart,
        days=days,
        signals=list(zip(view.health.signals, view.health.points, strict=True)),
        alerts=alerts,
        panel=panel,
        panels=panels(view.timeline, panel, view.health.as_of, calls_visible),
        calls_visible=calls_visible,
        outcomes=ALERT_OUTCOMES,
    )


class AlertsForm(BaseModel):
    """The alerts page's filter form; an empty field means no filter."""

    status: AlertStatus | None = None
    owner: str | None = Field(None, max_length=256)
    customer: str | None = Field(None, max_length=128)
    page: int = Field(1, ge=1, le=40_000_000)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


@router.get("/alerts")
@sqlite_inline()  # a read: on SQLite on the event loop (api/deps.py)
def alerts_page(
    request: Request,
    callintel: ServiceDep,
    token: RiskViewer,
    form: Annotated[AlertsForm, Query()],
) -> HTMLResponse:
    start = (form.page - 1) * PAGE_SIZE
    page = callintel.alerts_page(form.status, form.owner, form.customer, PAGE_SIZE, start)
    return _page(
        request,
        "alerts.html",
        token,
        form=form,
        alerts=page.items,
        total=page.total,
        pages=max(1, -(-page.total // PAGE_SIZE)),
        outcomes=ALERT_OUTCOMES,
        owners=callintel.alert_owners(),
    )


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[Depends(same_origin)])
def acknowledge_alert(
    alert_id: AlertId,
    callintel: ServiceDep,
    token: AlertViewer,
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    callintel.acknowledge_alert(alert_id, token.name)
    return back_to(next, f"alert-{alert_id}")


@router.post("/alerts/{alert_id}/resolve", dependencies=[Depends(same_origin)])
def resolve_alert(
    alert_id: AlertId,
    callintel: ServiceDep,
    token: AlertViewer,
    outcome: Annotated[AlertOutcome, Form()],
    note: Annotated[str, Form(max_length=MAX_NOTE)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    callintel.resolve_alert(alert_id, outcome, token.name, note or None)
    return back_to(next, f"alert-{alert_id}")


# -- I: the queue workflow on the call page (review, assign, comment; api/routes_queue.py over HTTP) --

Manager = Annotated[ApiToken, Depends(viewer("admin", "manager"))]


def _to_call(interaction_id: str) -> RedirectResponse:
    return RedirectResponse(f"/dashboard/calls/{interaction_id}#review", status_code=303)


@router.post("/calls/{interaction_id}/review", dependencies=[Depends(same_origin)])
def review_call(
    interaction_id: str,
    callintel: ServiceDep,
    token: Manager,
    reviewed: Annotated[bool, Form()] = True,
) -> Response:
    callintel.review(interaction_id, token.name, reviewed)
    return _to_call(interaction_id)


@router.post("/calls/{interaction_id}/assign", dependencies=[Depends(same_origin)])
def assign_call(
    interaction_id: str,
    callintel: ServiceDep,
    token: Manager,
    assignee: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    callintel.assign(interaction_id, assignee.strip() or None)
    return _to_call(interaction_id)


@router.post("/calls/{interaction_id}/comments", dependencies=[Depends(same_origin)])
def comment_call(
    interaction_id: str,
    callintel: ServiceDep,
    token: CallViewer,
    body: Annotated[str, Form(min_length=1, max_length=10_000)],
    visibility: Annotated[Visibility, Form()] = "all",
) -> Response:
    may_see(callintel, token, interaction_id)
    if token.role == "rep" and visibility == "managers":
        raise Forbidden("a rep cannot write a managers-only comment")
    callintel.comment(interaction_id, author(token), token.role, body, visibility)
    return _to_call(interaction_id)
