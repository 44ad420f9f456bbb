"""Pipeline jobs: one row per interaction (queued when it is stored: models/interactions_repo.py), claimed under
a lease by a compare-and-set UPDATE.

Functions over the caller's Session; the policy (lease length, attempts, which workers are gone) is the caller's
(pipeline/queue.py's ``JobQueue``), passed in as values. A stage's output is committed with ``advance`` in one
transaction, so a killed worker's job resumes after its last committed stage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from models.analysis import Job, Stage
from models.database import rowcount
from models.errors import LeaseLost, StoreError
from models.tables import InteractionRow, JobRow
from models.webhooks_repo import emit

__all__ = [
    "advance",
    "claimable_ids",
    "enqueue",
    "fail_exhausted",
    "fail_job",
    "finish_job",
    "get_job",
    "has_exhausted",
    "heartbeat",
    "job_counts",
    "list_jobs",
    "other_job_before",
    "reclaim",
    "release",
    "requeue",
    "take",
]


def _job(row: JobRow) -> Job:
    return Job(
        interaction_id=row.interaction_id,
        status=row.status,
        stage=row.stage,
        attempts=row.attempts,
        error=row.error,
        worker=row.worker,
        updated_at=row.updated_at,
    )


def _claimable(now: datetime, max_attempts: int) -> ColumnElement[bool]:
    """Queued, or running under an expired lease; with attempts left."""
    expired = and_(JobRow.status == "running", JobRow.lease_until < now)
    return and_(or_(JobRow.status == "queued", expired), JobRow.attempts < max_attempts)


def claimable_ids(
    session: Session, now: datetime, max_attempts: int, limit: int | None = None
) -> list[str]:
    """The claimable jobs, oldest first."""
    query = (
        select(JobRow.interaction_id)
        .where(_claimable(now, max_attempts))
        .order_by(JobRow.created_at, JobRow.interaction_id)
    )
    return list(session.scalars(query.limit(limit)))


def take(
    session: Session,
    interaction_id: str,
    worker: str,
    now: datetime,
    lease_until: datetime,
    max_attempts: int,
) -> Job | None:
    """The compare-and-set: the job becomes ``worker``'s only if it is still claimable; None if it is not."""
    taken = session.execute(
        update(JobRow)
        .where(JobRow.interaction_id == interaction_id, _claimable(now, max_attempts))
        .values(
            status="running",
            worker=worker,
            lease_until=lease_until,
            attempts=JobRow.attempts + 1,
            updated_at=now,
        )
    )
    if rowcount(taken) != 1:
        return None
    row = session.get(JobRow, interaction_id)
    return _job(row) if row is not None else None  # None: the interaction was deleted since


def _exhausted(now: datetime, max_attempts: int) -> tuple[ColumnElement[bool], ...]:
    return (
        JobRow.status == "running",
        JobRow.lease_until < now,
        JobRow.attempts >= max_attempts,
    )


def has_exhausted(session: Session, now: datetime, max_attempts: int) -> bool:
    """Whether a job's worker died on its last attempt (a read: an idle poll takes no write lock)."""
    query = select(JobRow.interaction_id).where(*_exhausted(now, max_attempts)).limit(1)
    return session.scalars(query).first() is not None


def fail_exhausted(session: Session, now: datetime, max_attempts: int, error: str) -> int:
    """Fail the jobs whose workers died on every attempt, with ``error``; how many."""
    failed = session.execute(
        update(JobRow)
        .where(*_exhausted(now, max_attempts))
        .values(status="failed", updated_at=now, lease_until=None, error=error)
    )
    return rowcount(failed)


def reclaim(session: Session, host: str, gone: Callable[[str], bool], now: datetime) -> int:
    """Running jobs of workers on ``host`` (``host:pid``) that are ``gone`` go back to the queue; how many."""
    rows = session.scalars(
        select(JobRow).where(JobRow.status == "running", JobRow.worker.startswith(f"{host}:"))
    )
    orphans = [row for row in rows if row.worker and gone(row.worker)]
    for row in orphans:
        row.status, row.worker, row.lease_until, row.updated_at = "queued", None, None, now
    return len(orphans)


def _owned(session: Session, interaction_id: str, worker: str) -> JobRow:
    """The job row, locked for this transaction's update, if ``worker`` still holds it; else LeaseLost."""
    row = session.get(JobRow, interaction_id, with_for_update=True, populate_existing=True)
    if row is None or row.status != "running" or row.worker != worker:
        raise LeaseLost(f"job {interaction_id} is no longer held by {worker}")
    return row


def advance(
    session: Session,
    interaction_id: str,
    worker: str,
    stage: Stage,
    now: datetime,
    lease_until: datetime,
) -> None:
    """Record ``stage`` as done (in the transaction that commits its output) and renew the lease."""
    row = _owned(session, interaction_id, worker)
    row.stage, row.updated_at, row.lease_until = stage, now, lease_until


def _running(interaction_id: str, worker: str) -> tuple[ColumnElement[bool], ...]:
    """The job of ``interaction_id`` while ``worker`` runs it (a lease it lost is not its own any more)."""
    return (
        JobRow.interaction_id == interaction_id,
        JobRow.worker == worker,
        JobRow.status == "running",
    )


def heartbeat(session: Session, interaction_id: str, worker: str, lease_until: datetime) -> None:
    session.execute(
        update(JobRow).where(*_running(interaction_id, worker)).values(lease_until=lease_until)
    )


def finish_job(session: Session, interaction_id: str, worker: str, now: datetime) -> None:
    """Mark the job done and announce it (``interaction.analysed``, models/webhooks_repo.py)."""
    row = _owned(session, interaction_id, worker)
    row.status, row.error, row.lease_until, row.updated_at = "done", None, None, now
    interaction = session.get(InteractionRow, interaction_id)
    if interaction is None:  # deleting it deletes its job too, so _owned() has raised already
        raise StoreError(f"interaction {interaction_id} is no longer stored")
    labels = Counter(t.label for t in interaction.tags)
    emit(
        session,
        "interaction.analysed",
        f"interaction.analysed:{interaction_id}",
        {
            "interaction_id": interaction_id,
            "customer_id": interaction.customer_id,
            "kind": interaction.kind,
            "rep": interaction.rep,
            "occurred_at": interaction.occurred_at.isoformat(),
            "title": interaction.title,
            "tag_counts": dict(sorted(labels.items())),
        },
    )


def fail_job(
    session: Session,
    interaction_id: str,
    worker: str,
    error: str,
    retry: bool,
    max_attempts: int,
    now: datetime,
) -> Job:
    """Record ``error``; the job is queued again while attempts remain and ``retry`` allows it."""
    row = _owned(session, interaction_id, worker)
    again = retry and row.attempts < max_attempts
    row.status, row.error, row.worker, row.lease_until, row.updated_at = (
        "queued" if again else "failed",
        error[:2000],
        None,
        None,
        now,
    )
    return _job(row)


def release(session: Session, interaction_id: str, worker: str, now: datetime) -> None:
    """Give a job back untouched: its attempt is not counted."""
    session.execute(
        update(JobRow)
        .where(*_running(interaction_id, worker))
        .values(
            status="queued",
            worker=None,
            lease_until=None,
            attempts=JobRow.attempts - 1,
            updated_at=now,
        )
    )


def requeue(session: Session, status: str, stages_too: bool, now: datetime) -> int:
    """Jobs with ``status`` back in the queue with fresh attempts (``stages_too``: from the first stage)."""
    values = {
        "status": "queued",
        "attempts": 0,
        "error": None,
        "worker": None,
        "lease_until": None,
        "updated_at": now,
    }
    if stages_too:
        values["stage"] = None
    return rowcount(session.execute(update(JobRow).where(JobRow.status == status).values(**values)))


def enqueue(session: Session, interaction_ids: Iterable[str], now: datetime) -> int:
    """The interactions' jobs queued again from the first stage (not one running); how many."""
    queued = session.execute(
        update(JobRow)
        .where(JobRow.interaction_id.in_(list(interaction_ids)), JobRow.status != "running")
        .values(status="queued", stage=None, attempts=0, error=None, updated_at=now)
    )
    return rowcount(queued)


def get_job(session: Session, interaction_id: str) -> Job | None:
    row = session.get(JobRow, interaction_id)
    return _job(row) if row is not None else None


def list_jobs(session: Session, status: str | None = None) -> list[Job]:
    query = select(JobRow).order_by(JobRow.created_at, JobRow.interaction_id)
    if status:
        query = query.where(JobRow.status == status)
    return [_job(row) for row in session.scalars(query)]


def job_counts(session: Session) -> Counter[str]:
    """Jobs per status."""
    counts = session.execute(select(JobRow.status, func.count()).group_by(JobRow.status))
    return Counter(dict(counts.all()))


def other_job_before(
    session: Session, customer_id: str, interaction_id: str, stages: Iterable[str]
) -> bool:
    """Whether another job of the customer is queued, or running with only ``stages`` (or none) done."""
    pending = (
        select(JobRow.interaction_id)
        .join(InteractionRow, InteractionRow.id == JobRow.interaction_id)
        .where(
            InteractionRow.customer_id == customer_id,
            JobRow.interaction_id != interaction_id,
            or_(
                JobRow.status == "queued",
                and_(
                    JobRow.status == "running",
                    or_(JobRow.stage.is_(None), JobRow.stage.in_(list(stages))),
                ),
            ),
        )
        .limit(1)
    )
    return session.scalar(pending) is not None
