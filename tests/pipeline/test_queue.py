import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from models.errors import LeaseLost
from models.tables import JobRow
from pipeline.queue import JobQueue
from tests.models.test_store import make_call

pytestmark = pytest.mark.both_backends


@pytest.fixture
def queue(store) -> JobQueue:
    for n in range(3):
        store.save_interaction(*make_call(f"call-{n}".encode()))
    return JobQueue(store, lease_s=30, max_attempts=2)


def _expire(store, interaction_id):
    with store.transaction() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.interaction_id == interaction_id)
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )


def test_storing_an_interaction_queues_its_job(queue):
    assert queue.counts() == {"queued": 3}


def test_two_workers_never_hold_the_same_job(queue):
    claimed = [queue.claim(f"host:{n}") for n in range(4)]
    held = [job.interaction_id for job in claimed if job is not None]
    assert len(held) == len(set(held)) == 3 and claimed[3] is None
    assert all(job.attempts == 1 and job.status == "running" for job in claimed[:3])


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_commit(queue, store):
    job = queue.claim("host:1")
    _expire(store, job.interaction_id)
    taken = queue.claim("host:2")
    assert taken.interaction_id == job.interaction_id and taken.attempts == 2
    with pytest.raises(LeaseLost), store.transaction() as session:
        queue.advance(session, job.interaction_id, "host:1", "tag")
    with store.transaction() as session:
        queue.advance(session, job.interaction_id, "host:2", "tag")
    assert queue.jobs("running")[0].stage == "tag"


def test_a_job_whose_workers_keep_dying_is_failed_with_a_reason(queue, store):
    job = queue.claim("host:1")
    _expire(store, job.interaction_id)
    assert queue.claim("host:2").interaction_id == job.interaction_id  # attempt 2 of 2
    _expire(store, job.interaction_id)
    assert queue.give_up_exhausted() == 1
    failed = queue.jobs("failed")
    assert [j.interaction_id for j in failed] == [job.interaction_id]
    assert "gave up after 2 attempts" in failed[0].error


def test_jobs_of_dead_processes_on_this_host_go_back_to_the_queue(queue):
    from pipeline.queue import worker_name

    process = multiprocessing.get_context("spawn").Process(target=int)
    process.start()
    process.join()
    host = worker_name().rsplit(":", 1)[0]
    dead, alive = queue.claim(f"{host}:{process.pid}"), queue.claim(worker_name())
    assert queue.reclaim_orphans() == 1
    statuses = {j.interaction_id: j.status for j in queue.jobs()}
    assert statuses[dead.interaction_id] == "queued" and statuses[alive.interaction_id] == "running"


def test_fail_retries_while_attempts_remain_and_requeue_resets(queue):
    job = queue.claim("host:1")
    assert queue.fail(job.interaction_id, "host:1", "boom", retry=True).status == "queued"
    queue.claim("host:1")  # the oldest job again: attempt 2 of 2
    assert queue.fail(job.interaction_id, "host:1", "boom", retry=True).status == "failed"
    other = queue.claim("host:1")
    assert queue.fail(other.interaction_id, "host:1", "bad input", retry=False).status == "failed"
    assert queue.requeue("failed") == 2
    assert {j.attempts for j in queue.jobs("queued")} == {0}


def test_release_gives_the_attempt_back(queue):
    job = queue.claim("host:1")
    queue.release(job.interaction_id, "host:1")
    assert [j.attempts for j in queue.jobs() if j.interaction_id == job.interaction_id] == [0]
