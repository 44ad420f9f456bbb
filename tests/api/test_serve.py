"""`callintel token` and `callintel serve` as a user runs them: a real server on a loopback port."""

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from pipeline.webhooks import verify_signature
from tests.conftest import CALLINTEL
from tests.helpers import Receiver, free_port, known, one_line_error, serving
from tests.pipeline.receivers import wait_until


def test_tokens_are_created_listed_and_revoked(cli, db_url):
    made = cli(
        "token",
        "create",
        "--role",
        "rep",
        "--rep",
        "sam",
        "--name",
        "Sam's laptop",
        "--database-url",
        db_url,
    )
    assert made.returncode == 0 and made.stdout.splitlines()[0].startswith(
        "created token 1 (rep, rep sam)"
    )
    secret = made.stdout.splitlines()[-1]
    assert secret.startswith("ci_") and len(secret) > 40
    listed = cli("token", "list", "--database-url", db_url)
    assert (
        "Sam's laptop" in listed.stdout
        and secret[:10] in listed.stdout
        and secret not in listed.stdout
    )
    assert cli("token", "revoke", "1", "--database-url", db_url).stdout.strip() == "revoked token 1"
    assert "no live token with id 1" in one_line_error(
        cli("token", "revoke", "1", "--database-url", db_url)
    )
    assert "a rep token needs --rep NAME" in one_line_error(
        cli("token", "create", "--role", "rep", "--database-url", db_url)
    )


def test_serve_answers_over_http_and_keeps_out_strangers(cli, db_url):
    secret = cli(
        "token", "create", "--role", "manager", "--database-url", db_url
    ).stdout.splitlines()[-1]
    with serving("--database-url", db_url, "--workers", "0") as base:
        assert httpx.get(f"{base}/api/queue").status_code == 401
        page = httpx.get(f"{base}/api/queue", headers={"Authorization": f"Bearer {secret}"})
        assert page.status_code == 200 and page.json() == {
            "total": 0,
            "limit": 50,
            "offset": 0,
            "items": [],
        }


@pytest.mark.slow
def test_serve_analyses_uploads_and_sends_webhooks_on_its_own(cli, db_url, monkeypatch):
    """No `jobs run`, no cron: serve's worker analyses the upload and delivers the signed webhook."""
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")  # the receiver is on loopback
    receiver = Receiver([500])  # the first delivery fails: the worker retries it after its backoff
    try:
        secret = cli(
            "token", "create", "--role", "manager", "--database-url", db_url
        ).stdout.splitlines()[-1]
        signing = cli(
            "webhook",
            "add",
            receiver.url,
            "--event",
            "interaction.analysed",
            "--database-url",
            db_url,
        ).stdout.splitlines()[-1]
        headers = {"Authorization": f"Bearer {secret}"}
        with serving("--database-url", db_url, "--workers", "1") as base:
            text = b"Rep: Thanks for joining.\nCustomer: Honestly the price is too high, we will cancel in January.\n"
            made = httpx.post(
                f"{base}/api/uploads",
                files={"file": ("call.txt", text)},
                data={"customer_id": "acme"},
                headers=headers,
            )
            assert made.status_code == 201, made.text
            interaction_id = made.json()["created"][0]
            deadline = time.monotonic() + 240
            while (
                time.monotonic() < deadline
                and not (
                    detail := httpx.get(
                        f"{base}/api/interactions/{interaction_id}", headers=headers
                    ).json()
                )["summary"]
            ):
                time.sleep(1)
            assert {t["label"] for t in detail["tags"]} >= {
                "price_objection",
                "cancellation_intent",
            }
            while time.monotonic() < deadline and len(receiver.requests) < 2:
                time.sleep(0.5)
        first, second = receiver.requests[:2]
        assert (
            first[0]["X-Callintel-Delivery"]
            == second[0]["X-Callintel-Delivery"]
            == f"interaction.analysed:{interaction_id}"
        )
        assert verify_signature(signing, second[0]["X-Callintel-Signature"], second[1])
        assert json.loads(second[1])["data"]["tag_counts"]["price_objection"] >= 1
    finally:
        receiver.server.shutdown()


def test_webhook_commands(cli, db_url, monkeypatch):
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    added = cli(
        "webhook",
        "add",
        "http://127.0.0.1:9/hooks",
        "--event",
        "interaction.analysed",
        "--event",
        "health.band_changed",
        "--database-url",
        db_url,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith(
        "subscription 1: http://127.0.0.1:9/hooks <- health.band_changed, interaction.analysed"
    )
    assert added.stdout.splitlines()[-1].startswith("whsec_")
    bad = cli("webhook", "add", "http://x", "--event", "nope", "--database-url", db_url)
    assert "unknown events ['nope']" in one_line_error(bad)
    short = cli(
        "webhook",
        "add",
        "http://x",
        "--event",
        "interaction.analysed",
        "--secret",
        "x",
        "--database-url",
        db_url,
    )
    assert "a signing secret has 16 to 128 characters (this one has 1)" in one_line_error(short)
    assert short.returncode == 1  # the API's rule too
    for internal in (
        "http://169.254.169.254/latest/meta-data/",
        "http://0xA9FEA9FE/",
        "http://[::1]:6379/",
    ):
        refused = cli(
            "webhook", "add", internal, "--event", "interaction.analysed", "--database-url", db_url
        )
        assert "webhooks may not go to" in one_line_error(refused) and refused.returncode == 1
    loopback = cli(
        "webhook",
        "add",
        "http://127.0.0.1:9/x",
        "--event",
        "interaction.analysed",
        "--database-url",
        db_url,
        env={"CALLINTEL_WEBHOOK_ALLOW_HOSTS": ""},
    )
    assert "CALLINTEL_WEBHOOK_ALLOW_HOSTS" in one_line_error(loopback)
    bogus = cli("webhook", "deliveries", "--status", "bogus", "--database-url", db_url)
    assert "unknown delivery status 'bogus'" in one_line_error(bogus) and bogus.returncode == 1
    assert "Webhook deliveries" in cli("webhook", "deliveries", "--database-url", db_url).stdout
    assert (
        cli("webhook", "deliver", "--database-url", db_url).stdout.strip()
        == "delivered 0, retrying later 0, failed 0"
    )
    listed = cli("webhook", "list", "--database-url", db_url).stdout
    assert "http://127.0.0.1:9/hooks" in listed and "whsec_" not in listed
    assert (
        cli("webhook", "remove", "1", "--database-url", db_url).stdout.strip()
        == "removed subscription 1"
    )
    assert "http://127.0.0.1:9/hooks" not in cli("webhook", "list", "--database-url", db_url).stdout
    assert "no webhook subscription with id '1'" in one_line_error(
        cli("webhook", "remove", "1", "--database-url", db_url)
    )


def _children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (from /proc: no extra package)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


@pytest.mark.slow
def test_serve_workers_stop_when_the_server_is_killed_outright(db_url):
    port = free_port()
    server = subprocess.Popen(
        [str(CALLINTEL), "serve", "--port", str(port), "--workers", "1", "--database-url", db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _children(server.pid):
            time.sleep(0.2)
        workers = _children(server.pid)
        assert workers
    finally:
        server.send_signal(signal.SIGKILL)  # no chance to stop its workers itself
        server.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _workers_of(pid: int) -> set[int]:
    """serve's worker processes (spawned by multiprocessing), not its resource tracker."""
    return {
        child
        for child in _children(pid)
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    }


def _health(base: str) -> dict | None:
    """serve's /api/health, or None while nothing answers on its port."""
    try:
        return httpx.get(f"{base}/api/health").json()
    except httpx.TransportError:
        return None


def _wait_for(condition) -> None:
    wait_until(condition, every=0.2)
    assert condition()


@pytest.mark.slow
def test_serve_starts_a_dead_worker_again_and_says_so_in_health(db_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(CALLINTEL), "serve", "--port", str(port), "--workers", "1", "--database-url", db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def health() -> dict | None:
        return _health(base)

    try:
        _wait_for(
            lambda: (
                (h := health()) is not None
                and h["workers"]["running"] == 1
                and _workers_of(server.pid)
            )
        )
        found = health()
        assert found is not None and found.pop("reports")["process"]  # start-up warming's state
        assert found == {"status": "ok", "workers": {"expected": 1, "running": 1, "restarts": 0}}
        (first,) = _workers_of(server.pid)
        os.kill(first, signal.SIGKILL)
        _wait_for(
            lambda: (
                (h := health()) is not None
                and h["workers"]["restarts"] == 1
                and h["workers"]["running"] == 1
            )
        )
        assert known(health())["status"] == "ok"
        _wait_for(lambda: len(_workers_of(server.pid) - {first}) == 1)
    finally:
        server.terminate()
        server.wait(60)


def test_serve_on_a_busy_port_is_one_line(cli_process, db_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        run = cli_process(
            "serve", "--port", str(port), "--workers", "0", "--database-url", db_url, timeout=300
        )
    assert one_line_error(run) == f"callintel: port {port} on 127.0.0.1 is already in use"
    assert run.returncode == 2


def test_serve_with_no_web_process_is_one_line(cli_process, db_url):
    run = cli_process("serve", "--web-workers", "0", "--database-url", db_url, timeout=300)
    assert run.returncode == 2
    assert "Invalid value for '--web-workers'" in one_line_error(run)


def test_serve_on_an_address_not_of_this_machine_is_one_line(cli_process, db_url):
    run = cli_process(
        "serve", "--host", "192.0.2.1", "--workers", "0", "--database-url", db_url, timeout=300
    )
    assert run.returncode == 2 and "cannot listen on port 8000 on 192.0.2.1" in one_line_error(run)


def test_serve_on_a_host_name_that_does_not_resolve_is_one_line(cli_process, db_url):
    run = cli_process(
        "serve",
        "--host",
        "no-such-host.invalid",
        "--workers",
        "0",
        "--database-url",
        db_url,
        timeout=300,
    )
    assert (
        run.returncode == 2
        and "cannot listen on port 8000 on no-such-host.invalid" in one_line_error(run)
    )


@pytest.mark.slow
def test_serve_with_two_web_processes_answers_and_stops_cleanly(cli, db_url):
    """--web-workers 2: two web processes beside the one pipeline worker (which alone runs the refresh);
    both stop, and the server exits 0, on SIGTERM."""
    secret = cli(
        "token", "create", "--role", "manager", "--database-url", db_url
    ).stdout.splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = ["serve", "--port", str(port), "--workers", "1", "--web-workers", "2"]
    server = subprocess.Popen(
        [str(CALLINTEL), *argv, "--database-url", db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def health() -> dict | None:
        return _health(base)

    wait_until(  # polling for readiness; the asserts below say what was missing
        lambda: (
            (h := health()) is not None
            and h["workers"]["running"] == 1
            and len(_workers_of(server.pid)) == 3
        )
    )
    try:
        found = health()
        assert found is not None and found.pop("reports")["process"]  # start-up warming's state
        assert found == {"status": "ok", "workers": {"expected": 1, "running": 1, "restarts": 0}}
        processes = _workers_of(server.pid)
        assert len(processes) == 3  # two web processes and one pipeline worker
        headers = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=base, headers=headers) as client:
            pages = [client.get("/api/queue?limit=5") for _ in range(6)]
        assert all(p.status_code == 200 and p.json()["items"] == [] for p in pages)
    finally:
        server.terminate()
        assert server.wait(60) == 0
    wait_until(lambda: not any(_alive(pid) for pid in processes), timeout=20)
    assert not any(_alive(pid) for pid in processes)
