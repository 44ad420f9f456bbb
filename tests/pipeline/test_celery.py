"""The distributed pipeline for real: redis-server, two `callintel worker` processes, PostgreSQL, a killed worker."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter

import pytest

from models.store import Store
from pipeline.queue import JobQueue
from samples import SAMPLES_DIR
from tests.conftest import CALLINTEL
from tests.helpers import known

STAGES = ("transcribe", "tag", "metrics", "summary", "risk")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (.ci/services.sh installs it)")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _long_call(path, utterances=1200):
    lines = [
        "Thanks for joining, how is the rollout going?",
        "Honestly the price is too high for our budget.",
        "We are looking at Gong as well.",
        "How do we export all of our call notes?",
    ]
    doc = {
        "customer_id": "bigco",
        "occurred_at": "2026-10-20T10:00:00Z",
        "title": "Marathon call",
        "utterances": [
            {
                "speaker": "rep" if i % 2 == 0 else "customer",
                "start_s": 3.0 * i,
                "end_s": 3.0 * i + 2.5,
                "text": lines[i % 4],
            }
            for i in range(utterances)
        ],
    }
    path.write_text(json.dumps(doc))


def test_two_celery_workers_do_each_job_once_and_take_over_a_killed_workers_job(
    tmp_path, postgres_url, redis_url, cli
):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES_DIR / "calls" / "srt", inbox / "srt")
    shutil.copytree(SAMPLES_DIR / "calls" / "text", inbox / "text")
    _long_call(inbox / "a-marathon.json")
    env = {
        "CALLINTEL_DATABASE_URL": postgres_url,
        "CALLINTEL_BROKER_URL": redis_url,
        "CALLINTEL_JOB_LEASE_S": "600",
    }
    assert cli("ingest", "--no-analyse", str(inbox), env=env).returncode == 0
    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    workers = [
        subprocess.Popen(
            [str(CALLINTEL), "worker", "--concurrency", "1"],
            env={**os.environ, **env},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for log in logs
    ]
    try:
        _wait_for(
            lambda: all(" ready." in log.read_text() for log in logs),
            180,
            "both workers to be ready",
        )
        run = subprocess.Popen(
            [str(CALLINTEL), "jobs", "run"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with Store(postgres_url) as store:
            queue = JobQueue(store)
            marathon = next(i.id for i in store.list_interactions() if i.title == "Marathon call")

            def running_marathon():
                return [
                    j
                    for j in queue.jobs("running")
                    if j.interaction_id == marathon and j.stage == "transcribe"
                ]

            _wait_for(running_marathon, 120, "a worker to be tagging the long call")
            # the stage commits before its log line is written: wait for the line, so the kill cannot fall between
            _wait_for(
                lambda: f"{marathon}: transcribe done" in "".join(log.read_text() for log in logs),
                60,
                "the worker to log the long call's transcribe stage",
            )
            victim = int(running_marathon()[0].worker.rsplit(":", 1)[1])
            os.kill(victim, signal.SIGKILL)  # the worker process running the task, mid-stage
            out, err = run.communicate(timeout=400)
            assert run.returncode == 0, err
            jobs = {j.interaction_id: j for j in queue.jobs()}
            assert {j.status for j in jobs.values()} == {"done"} and len(jobs) == 9
            assert jobs[marathon].attempts == 2 and not known(jobs[marathon].worker).endswith(
                f":{victim}"
            )
            assert {j.attempts for i, j in jobs.items() if i != marathon} == {1}
            assert all(
                store.get_summary(i) is not None for i in jobs
            )  # the results are in PostgreSQL
            assert len(known(store.get_interaction(marathon)).tags) > 0
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
    done = Counter(
        re.findall(
            r"callintel\.pipeline: (int_\w+): (\w+) done", "".join(log.read_text() for log in logs)
        )
    )
    assert set(done.values()) == {1} and len(done) == 9 * len(
        STAGES
    )  # each stage of each job committed once
    assert sum(" ready." in log.read_text() for log in logs) >= 2
