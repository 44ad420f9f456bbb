"""Putting data in over HTTP: uploads (recordings, transcripts, tickets) and batches of usage events."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import JSONResponse

from api.auth import ApiToken
from api.deps import ServiceDep, allow
from api.permissions import UsageWriter, check_write, record_types, writers_of
from api.schemas import ErrorBody, UploadResult, UsageBatch
from api.service import Callintel
from api.uploads import receive
from ingest import FileOutcome, ParsedSource
from ingest.audio import AUDIO_SUFFIXES
from ingest.readers import SUFFIXES
from models.errors import CallintelError, UnsupportedSource
from models.records import UsageEvent

logger = logging.getLogger("callintel.api")
router = APIRouter(prefix="/api", tags=["ingest"])
Uploader = Annotated[
    ApiToken, Depends(allow(*writers_of()))
]  # what a file may hold is checked once it is read


def dispatch_new(callintel: Callintel, interaction_ids: list[str]) -> None:
    """Hand new jobs to the Celery workers; without a broker, serve's own workers pick them up from the store."""
    try:
        callintel.dispatch(interaction_ids)
    except (
        Exception
    ) as exc:  # the upload is stored and its job queued: 'callintel jobs run' dispatches it later
        logger.warning(
            "could not send %s to the broker (%s); the jobs wait in the queue", interaction_ids, exc
        )


def _already_stored(
    callintel: Callintel, token: ApiToken, outcome: FileOutcome, stored_ids: list[str]
) -> int:
    """Duplicates the caller may know of: a rep hears only of their own interactions, never that another's exists."""
    if token.role != "rep" or not outcome.skipped:
        return outcome.skipped
    existing = set(stored_ids) - set(outcome.created)
    return sum(1 for i in callintel.interactions_by_id(existing) if i.rep == token.rep)


def _for_the_caller(error: CallintelError, where: Path, filename: str | None) -> CallintelError:
    """The error naming the user's file, never where the server put it."""
    error.path = filename
    error.message = error.message.replace(str(where.resolve()), where.name).replace(
        str(where), where.name
    )
    return error


@router.post(
    "/uploads",
    response_model=UploadResult,
    status_code=201,
    responses={status: {"model": ErrorBody} for status in (500, 503, 507)},
    summary="Upload a recording, transcript, ticket, usage or account-data file; it is checked, stored and queued "
    "for analysis",
)
def upload(
    callintel: ServiceDep,
    token: Uploader,
    file: Annotated[UploadFile, File()],
    customer_id: Annotated[str | None, Form()] = None,
    rep: Annotated[str | None, Form()] = None,
):
    settings = callintel.settings
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedSource(
            f"unsupported file type {suffix or '(none)'} (expected one of {', '.join(sorted(SUFFIXES))})",
            file.filename,
        )
    limit = (
        (settings.max_upload_mb, "CALLINTEL_MAX_UPLOAD_MB")
        if suffix in AUDIO_SUFFIXES
        # text is parsed
        else (settings.max_text_mb, "CALLINTEL_MAX_TEXT_MB")
    )  # in memory: it gets the smaller limit
    defaults = callintel.ingest_defaults(customer_id, token.rep if token.role == "rep" else rep)
    ids: list[str] = []

    def allowed(parsed: ParsedSource) -> None:
        check_write(token, record_types(parsed))  # before anything is stored: refused, nothing is
        ids.extend(item.interaction.id for item in parsed.items)

    with receive(file.file, file.filename, Path(settings.upload_dir), *limit) as received:
        outcome = callintel.ingest_one(received.path, defaults, check=allowed)
        if outcome.error is not None:
            raise _for_the_caller(outcome.error, received.path, file.filename)
        received.keep = bool(outcome.created)  # already stored: the earlier copy is the one kept
    if outcome.created and settings.broker_url:
        dispatch_new(callintel, outcome.created)
    result = UploadResult(
        file=file.filename or received.path.name,
        created=outcome.created,
        already_stored=_already_stored(callintel, token, outcome, ids),
        usage_events=outcome.usage_events,
        account_data=_account_data(outcome),
        problems=[_for_the_caller(p, received.path, None).message for p in outcome.problems],
    )
    return _response(result, outcome)


def _response(result: UploadResult, outcome: FileOutcome) -> JSONResponse:
    """201 when anything new was stored, else 200; a file of no account data answers without its fields."""
    new = outcome.created or outcome.usage_events or outcome.accounts.total()
    plain = not (outcome.account_rows or outcome.problems)
    body = result.model_dump(exclude={"account_data", "problems"} if plain else None)
    return JSONResponse(body, status_code=201 if new else 200)


def _account_data(outcome: FileOutcome) -> dict[str, int]:
    """What the file's account data changed, if it held any."""
    if not outcome.account_rows:
        return {}
    counts = outcome.accounts
    return {
        "accounts": counts.accounts,
        "contacts": counts.contacts,
        "invoices": counts.invoices,
        "commercial_events": counts.commercial,
        "surveys": counts.surveys,
    }


@router.post(
    "/usage-events",
    status_code=201,
    summary="Push a batch of usage events (duplicates are skipped)",
)
def push_usage(batch: UsageBatch, callintel: ServiceDep, _: UsageWriter) -> dict[str, int]:
    events = [UsageEvent(**event.model_dump()) for event in batch.events]
    stored = callintel.save_usage(events)
    return {"received": len(events), "stored": stored, "duplicates": len(events) - stored}
