"""Settings that cannot work, and a broker that cannot be reached: one line on stderr, the right exit code."""

from __future__ import annotations

import pytest

from samples import SAMPLES_DIR
from tests.helpers import one_line_error

TICKETS = str(SAMPLES_DIR / "tickets" / "tickets.jsonl")
COMMANDS = [
    ["jobs", "run"],
    ["worker"],
    ["serve", "--port", "1"],
    ["ingest", TICKETS, "--no-analyse"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CALLINTEL_JOB_LEASE_S", "inf"),
        ("CALLINTEL_THREADS", "100000"),
        ("CALLINTEL_BROKER_URL", "garbage"),
    ],
)
def test_a_setting_that_cannot_work_is_one_line_exit_2(cli, command, variable, value):
    run = cli(*command, env={variable: value}, timeout=60)
    line = one_line_error(run)
    assert run.returncode == 2 and f"invalid setting {variable}" in line


UNREACHABLE = {"CALLINTEL_BROKER_URL": "redis://:broker-pw@127.0.0.1:1/0"}


@pytest.mark.parametrize("command", [["worker"], ["ingest", TICKETS]], ids=lambda c: c[0])
def test_a_broker_that_cannot_be_reached_is_one_line_exit_4(cli, command):
    run = cli(*command, env=UNREACHABLE, timeout=60)  # the worker would otherwise retry for ever
    line = one_line_error(run)
    assert run.returncode == 4 and "cannot reach the broker at redis://:**@127.0.0.1:1/0" in line
    assert "broker-pw" not in run.stderr


def test_jobs_run_with_pending_jobs_and_no_broker_is_one_line_exit_4(cli):
    assert cli("ingest", TICKETS, "--no-analyse").returncode == 0
    run = cli("jobs", "run", env=UNREACHABLE, timeout=60)
    assert run.returncode == 4 and "cannot reach the broker" in one_line_error(run)
