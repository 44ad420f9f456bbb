"""Putting data in over HTTP: uploads (recordings, transcripts, tickets) and batches of usage events."""

from __future__ import annotations

import logging
import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import JSONResponse

from api.auth import ApiToken
from api.deps import SettingsDep, StoreDep, allow
from api.schemas import UploadResult, UsageBatch
from ingest import IngestDefaults, ingest_file
from ingest.audio import AUDIO_SUFFIXES
from ingest.readers import SUFFIXES
from models.errors import CallintelError, UnsupportedSource
from models.records import UsageEvent

logger = logging.getLogger("callintel.api")
router = APIRouter(prefix="/api", tags=["ingest"])
Uploader = Annotated[ApiToken, Depends(allow("admin", "manager", "rep"))]
UsagePusher = Annotated[ApiToken, Depends(allow("admin", "crm"))]
CHUNK = 1024 * 1024


class TooLarge(CallintelError):
    http_status = 413


def _safe_name(name: str | None) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", Path(name or "upload").name).strip("._") or "upload"
    return cleaned[:120]


def _save(upload: UploadFile, folder: Path, limit_mb: int, setting: str) -> Path:
    """Stream the upload to ``folder``; over the limit, nothing is kept."""
    folder.mkdir(parents=True)
    path = folder / _safe_name(upload.filename)
    written = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            written += len(chunk)
            if written > limit_mb * CHUNK:
                raise TooLarge(f"the file is larger than {limit_mb} MiB ({setting})", upload.filename)
            out.write(chunk)
    return path


def _dispatch(store, settings, interaction_ids: list[str]) -> None:
    """Hand new jobs to the Celery workers; without a broker, serve's own workers pick them up from the store."""
    from pipeline.distributed import dispatch

    try:
        dispatch(store, settings, interaction_ids)
    except Exception as exc:  # the upload is stored and its job queued: 'callintel jobs run' dispatches it later
        logger.warning("could not send %s to the broker (%s); the jobs wait in the queue", interaction_ids, exc)


@router.post("/uploads", response_model=UploadResult, status_code=201,
             summary="Upload a recording, transcript or ticket file; it is checked, stored and queued for analysis")
def upload(store: StoreDep, settings: SettingsDep, token: Uploader, file: Annotated[UploadFile, File()],
           customer_id: Annotated[str | None, Form()] = None, rep: Annotated[str | None, Form()] = None):
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedSource(f"unsupported file type {suffix or '(none)'} (expected one of {', '.join(sorted(SUFFIXES))})",
                                file.filename)
    folder = Path(settings.upload_dir) / uuid.uuid4().hex
    try:
        audio = suffix in AUDIO_SUFFIXES  # text is parsed in memory: it gets the smaller limit
        path = _save(file, folder, *((settings.max_upload_mb, "CALLINTEL_MAX_UPLOAD_MB") if audio else
                                     (settings.max_text_mb, "CALLINTEL_MAX_TEXT_MB")))
        defaults = IngestDefaults(customer_id=customer_id, rep=token.rep if token.role == "rep" else rep)
        outcome = ingest_file(path, store, defaults)
        if outcome.error is not None:
            outcome.error.path = file.filename  # name the user's file, not where the server put it
            raise outcome.error
    except CallintelError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not outcome.created:
        shutil.rmtree(folder, ignore_errors=True)  # already stored: the earlier copy is the one kept
    elif settings.broker_url:
        _dispatch(store, settings, outcome.created)
    result = UploadResult(file=file.filename or path.name, created=outcome.created, already_stored=outcome.skipped,
                          usage_events=outcome.usage_events)
    return JSONResponse(result.model_dump(), status_code=201 if outcome.created or outcome.usage_events else 200)


@router.post("/usage-events", status_code=201, summary="Push a batch of usage events (duplicates are skipped)")
def push_usage(batch: UsageBatch, store: StoreDep, _: UsagePusher) -> dict[str, int]:
    events = [UsageEvent(**event.model_dump()) for event in batch.events]
    stored = store.save_usage_events(events)
    return {"received": len(events), "stored": stored, "duplicates": len(events) - stored}
