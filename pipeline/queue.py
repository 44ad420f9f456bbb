"""The job queue, kept in the store: one job per interaction, claimed under a lease.

A job is ``queued`` when its interaction is stored (in the same transaction), ``running`` while a worker holds
its lease, ``done`` after the last stage, ``failed`` with the error when it cannot go on. Claiming is a
compare-and-set UPDATE, so two workers never hold the same job. Each stage's output is committed together with
the job's ``stage`` (see pipeline.runner), so a killed worker's job resumes after its last committed stage: a
re-run loses nothing and duplicates nothing. A worker that dies leaves its lease to expire, or is noticed at
once on the same host because its process is gone (``reclaim_orphans``).
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from models.analysis import Job, Stage
from models.errors import LeaseLost, StoreError
from models.outbox import emit
from models.store import Store, rowcount
from models.tables import InteractionRow, JobRow

__all__ = ["JobQueue", "worker_name"]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


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


class JobQueue:
    def __init__(self, store: Store, lease_s: float = 120.0, max_attempts: int = 3) -> None:
        self.store = store
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts

    def _claimable(self, now: datetime):
        expired = and_(JobRow.status == "running", JobRow.lease_until < now)
        return and_(or_(JobRow.status == "queued", expired), JobRow.attempts < self.max_attempts)

    def claim(self, worker: str) -> Job | None:
        """Take the oldest claimable job: queued, or running under an expired lease; None when there is none."""
        self.give_up_exhausted()
        now = _now()
        with self.store.transaction() as session:
            query = (
                select(JobRow.interaction_id)
                .where(self._claimable(now))
                .order_by(JobRow.created_at, JobRow.interaction_id)
            )
            candidates = list(session.scalars(query.limit(16)))
        for interaction_id in candidates:
            if (job := self._take(interaction_id, worker, now)) is not None:
                return job
        return None

    def claim_job(self, interaction_id: str, worker: str) -> Job | None:
        """Take this one job if it is claimable (a Celery task names its job); None otherwise."""
        self.give_up_exhausted()
        return self._take(interaction_id, worker, _now())

    def _take(self, interaction_id: str, worker: str, now: datetime) -> Job | None:
        """The compare-and-set: the job becomes ``worker``'s only if it is still claimable."""
        with self.store.transaction() as session:
            taken = session.execute(
                update(JobRow)
                .where(JobRow.interaction_id == interaction_id, self._claimable(now))
                .values(
                    status="running",
                    worker=worker,
                    lease_until=now + self.lease,
                    attempts=JobRow.attempts + 1,
                    updated_at=now,
                )
            )
            if rowcount(taken) != 1:
                return None
            row = session.get(JobRow, interaction_id)
            if row is None:  # the interaction was deleted, and its job with it, since the UPDATE
                return None
            return _job(row)

    def pending_ids(self) -> list[str]:
        """Jobs waiting for a worker: queued, or running under an expired lease, oldest first."""
        with self.store.transaction() as session:
            query = select(JobRow.interaction_id).where(self._claimable(_now()))
            return list(session.scalars(query.order_by(JobRow.created_at, JobRow.interaction_id)))

    def give_up_exhausted(self) -> int:
        """Jobs whose workers died on every attempt are failed, with a reason."""
        now = _now()
        exhausted = (
            JobRow.status == "running",
            JobRow.lease_until < now,
            JobRow.attempts >= self.max_attempts,
        )
        with self.store.transaction() as session:  # a read first: an idle poll takes no write lock
            if (
                session.scalars(select(JobRow.interaction_id).where(*exhausted).limit(1)).first()
                is None
            ):
                return 0
        with self.store.transaction() as session:
            failed = session.execute(
                update(JobRow)
                .where(*exhausted)
                .values(
                    status="failed",
                    updated_at=now,
                    lease_until=None,
                    error=f"gave up after {self.max_attempts} attempts: the worker stopped before finishing",
                )
            )
            return rowcount(failed)

    def reclaim_orphans(self) -> int:
        """Running jobs of workers on this host whose process is gone go back to the queue."""
        host = socket.gethostname()
        with self.store.transaction() as session:
            rows = session.scalars(
                select(JobRow).where(
                    JobRow.status == "running", JobRow.worker.startswith(f"{host}:")
                )
            )
            orphans = [row for row in rows if row.worker and not _alive(_pid(row.worker))]
            for row in orphans:
                row.status, row.worker, row.lease_until, row.updated_at = (
                    "queued",
                    None,
                    None,
                    _now(),
                )
            return len(orphans)

    def owned(self, session: Session, interaction_id: str, worker: str) -> JobRow:
        """The job row, locked for this transaction's update, if ``worker`` still holds it; else LeaseLost."""
        row = session.get(JobRow, interaction_id, with_for_update=True, populate_existing=True)
        if row is None or row.status != "running" or row.worker != worker:
            raise LeaseLost(f"job {interaction_id} is no longer held by {worker}")
        return row

    def advance(self, session: Session, interaction_id: str, worker: str, stage: Stage) -> None:
        """Record ``stage`` as done, in the transaction that commits its output; renews the lease."""
        row = self.owned(session, interaction_id, worker)
        row.stage, row.updated_at, row.lease_until = stage, _now(), _now() + self.lease

    def heartbeat(self, interaction_id: str, worker: str) -> None:
        with self.store.transaction() as session:
            session.execute(
                update(JobRow)
                .where(
                    JobRow.interaction_id == interaction_id,
                    JobRow.worker == worker,
                    JobRow.status == "running",
                )
                .values(lease_until=_now() + self.lease)
            )

    def finish(self, interaction_id: str, worker: str) -> None:
        """Mark the job done and announce it (``interaction.analysed``) in the same transaction."""
        with self.store.transaction() as session:
            row = self.owned(session, interaction_id, worker)
            row.status, row.error, row.lease_until, row.updated_at = "done", None, None, _now()
            interaction = session.get(InteractionRow, interaction_id)
            if (
                interaction is None
            ):  # deleting it deletes its job too, so owned() has raised already
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

    def fail(self, interaction_id: str, worker: str, error: str, retry: bool) -> Job:
        """Record ``error``; the job is queued again while attempts remain and ``retry`` allows it."""
        with self.store.transaction() as session:
            row = self.owned(session, interaction_id, worker)
            again = retry and row.attempts < self.max_attempts
            row.status, row.error, row.worker, row.lease_until, row.updated_at = (
                "queued" if again else "failed",
                error[:2000],
                None,
                None,
                _now(),
            )
            return _job(row)

    def release(self, interaction_id: str, worker: str) -> None:
        """Give a job back untouched (the worker is stopping): its attempt is not counted."""
        with self.store.transaction() as session:
            session.execute(
                update(JobRow)
                .where(
                    JobRow.interaction_id == interaction_id,
                    JobRow.worker == worker,
                    JobRow.status == "running",
                )
                .values(
                    status="queued",
                    worker=None,
                    lease_until=None,
                    attempts=JobRow.attempts - 1,
                    updated_at=_now(),
                )
            )

    def requeue(self, status: str = "failed", stages_too: bool = False) -> int:
        """Put jobs with ``status`` back in the queue with fresh attempts (``stages_too``: from the first stage)."""
        values = {
            "status": "queued",
            "attempts": 0,
            "error": None,
            "worker": None,
            "lease_until": None,
            "updated_at": _now(),
        }
        if stages_too:
            values["stage"] = None
        with self.store.transaction() as session:
            return rowcount(
                session.execute(update(JobRow).where(JobRow.status == status).values(**values))
            )

    def enqueue(self, interaction_ids: list[str]) -> int:
        """Queue the interactions again from the first stage (e.g. after a model change); returns how many."""
        with self.store.transaction() as session:
            queued = session.execute(
                update(JobRow)
                .where(JobRow.interaction_id.in_(interaction_ids), JobRow.status != "running")
                .values(status="queued", stage=None, attempts=0, error=None, updated_at=_now())
            )
            return rowcount(queued)

    def job(self, interaction_id: str) -> Job | None:
        with self.store.transaction() as session:
            row = session.get(JobRow, interaction_id)
            return _job(row) if row is not None else None

    def jobs(self, status: str | None = None) -> list[Job]:
        query = select(JobRow).order_by(JobRow.created_at, JobRow.interaction_id)
        if status:
            query = query.where(JobRow.status == status)
        with self.store.transaction() as session:
            return [_job(row) for row in session.scalars(query)]

    def counts(self) -> Counter[str]:
        with self.store.transaction() as session:
            return Counter(
                dict(
                    session.execute(
                        select(JobRow.status, func.count()).group_by(JobRow.status)
                    ).all()
                )
            )


def _pid(worker: str) -> int:
    """The process id in a worker's name (``host:pid``, see worker_name)."""
    return int(worker.rsplit(":", 1)[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
