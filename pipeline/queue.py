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

from sqlalchemy.orm import Session

from models import jobs_repo
from models.analysis import Job, Stage
from models.store import Store

__all__ = ["JobQueue", "worker_name"]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


class JobQueue:
    """The queue's policy (lease, attempts, which workers are gone) over the jobs' rows (models/jobs_repo.py)."""

    def __init__(self, store: Store, lease_s: float = 120.0, max_attempts: int = 3) -> None:
        self.store = store
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts

    def claim(self, worker: str) -> Job | None:
        """Take the oldest claimable job: queued, or running under an expired lease; None when there is none."""
        self.give_up_exhausted()
        now = _now()
        with self.store.transaction() as session:
            candidates = jobs_repo.claimable_ids(session, now, self.max_attempts, limit=16)
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
            return jobs_repo.take(
                session, interaction_id, worker, now, now + self.lease, self.max_attempts
            )

    def pending_ids(self) -> list[str]:
        """Jobs waiting for a worker: queued, or running under an expired lease, oldest first."""
        with self.store.transaction() as session:
            return jobs_repo.claimable_ids(session, _now(), self.max_attempts)

    def give_up_exhausted(self) -> int:
        """Jobs whose workers died on every attempt are failed, with a reason."""
        now = _now()
        with self.store.transaction() as session:  # a read first: an idle poll takes no write lock
            if not jobs_repo.has_exhausted(session, now, self.max_attempts):
                return 0
        error = f"gave up after {self.max_attempts} attempts: the worker stopped before finishing"
        with self.store.transaction() as session:
            return jobs_repo.fail_exhausted(session, now, self.max_attempts, error)

    def reclaim_orphans(self) -> int:
        """Running jobs of workers on this host whose process is gone go back to the queue."""
        with self.store.transaction() as session:
            return jobs_repo.reclaim(
                session, socket.gethostname(), lambda worker: not _alive(_pid(worker)), _now()
            )

    def advance(self, session: Session, interaction_id: str, worker: str, stage: Stage) -> None:
        """Record ``stage`` as done, in the transaction that commits its output; renews the lease.
        LeaseLost when ``worker`` no longer holds the job."""
        now = _now()
        jobs_repo.advance(session, interaction_id, worker, stage, now, now + self.lease)

    def heartbeat(self, interaction_id: str, worker: str) -> None:
        with self.store.transaction() as session:
            jobs_repo.heartbeat(session, interaction_id, worker, _now() + self.lease)

    def finish(self, interaction_id: str, worker: str) -> None:
        """Mark the job done and announce it (``interaction.analysed``) in the same transaction."""
        with self.store.transaction() as session:
            jobs_repo.finish_job(session, interaction_id, worker, _now())

    def fail(self, interaction_id: str, worker: str, error: str, retry: bool) -> Job:
        """Record ``error``; the job is queued again while attempts remain and ``retry`` allows it."""
        with self.store.transaction() as session:
            return jobs_repo.fail_job(
                session, interaction_id, worker, error, retry, self.max_attempts, _now()
            )

    def release(self, interaction_id: str, worker: str) -> None:
        """Give a job back untouched (the worker is stopping): its attempt is not counted."""
        with self.store.transaction() as session:
            jobs_repo.release(session, interaction_id, worker, _now())

    def requeue(self, status: str = "failed", stages_too: bool = False) -> int:
        """Put jobs with ``status`` back in the queue with fresh attempts (``stages_too``: from the first stage)."""
        with self.store.transaction() as session:
            return jobs_repo.requeue(session, status, stages_too, _now())

    def enqueue(self, interaction_ids: list[str]) -> int:
        """Queue the interactions again from the first stage (e.g. after a model change); returns how many."""
        with self.store.transaction() as session:
            return jobs_repo.enqueue(session, interaction_ids, _now())

    def job(self, interaction_id: str) -> Job | None:
        with self.store.transaction() as session:
            return jobs_repo.get_job(session, interaction_id)

    def jobs(self, status: str | None = None) -> list[Job]:
        with self.store.transaction() as session:
            return jobs_repo.list_jobs(session, status)

    def counts(self) -> Counter[str]:
        with self.store.transaction() as session:
            return jobs_repo.job_counts(session)


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
