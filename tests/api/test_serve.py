"""`callintel token` and `callintel serve` as a user runs them: a real server on a loopback port."""

import socket
import subprocess
import time

import httpx

from tests.conftest import CALLINTEL
from tests.helpers import one_line_error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tokens_are_created_listed_and_revoked(cli, db_url):
    made = cli("token", "create", "--role", "rep", "--rep", "sam", "--name", "Sam's laptop", "--database-url", db_url)
    assert made.returncode == 0 and made.stdout.splitlines()[0].startswith("created token 1 (rep, rep sam)")
    secret = made.stdout.splitlines()[-1]
    assert secret.startswith("ci_") and len(secret) > 40
    listed = cli("token", "list", "--database-url", db_url)
    assert "Sam's laptop" in listed.stdout and secret[:10] in listed.stdout and secret not in listed.stdout
    assert cli("token", "revoke", "1", "--database-url", db_url).stdout.strip() == "revoked token 1"
    assert "no live token with id 1" in one_line_error(cli("token", "revoke", "1", "--database-url", db_url))
    assert "a rep token needs --rep NAME" in one_line_error(cli("token", "create", "--role", "rep", "--database-url", db_url))


def test_serve_answers_over_http_and_keeps_out_strangers(cli, db_url, tmp_path):
    secret = cli("token", "create", "--role", "manager", "--database-url", db_url).stdout.splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen([str(CALLINTEL), "serve", "--port", str(port), "--database-url", db_url],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert httpx.get(f"{base}/api/queue").status_code == 401
        page = httpx.get(f"{base}/api/queue", headers={"Authorization": f"Bearer {secret}"})
        assert page.status_code == 200 and page.json() == {"total": 0, "limit": 50, "offset": 0, "items": []}
    finally:
        server.terminate()
        server.wait(20)


def test_webhook_commands(cli, db_url):
    added = cli("webhook", "add", "http://127.0.0.1:9/hooks", "--event", "interaction.analysed", "--event",
                "health.band_changed", "--database-url", db_url)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("subscription 1: http://127.0.0.1:9/hooks <- health.band_changed, interaction.analysed")
    assert added.stdout.splitlines()[-1].startswith("whsec_")
    bad = cli("webhook", "add", "http://x", "--event", "nope", "--database-url", db_url)
    assert "unknown events ['nope']" in one_line_error(bad)
    assert "Webhook deliveries" in cli("webhook", "deliveries", "--database-url", db_url).stdout
    assert cli("webhook", "deliver", "--database-url", db_url).stdout.strip() == "delivered 0, retrying later 0, failed 0"
    listed = cli("webhook", "list", "--database-url", db_url).stdout
    assert "http://127.0.0.1:9/hooks" in listed and "whsec_" not in listed
    assert cli("webhook", "remove", "1", "--database-url", db_url).stdout.strip() == "removed subscription 1"
    assert "http://127.0.0.1:9/hooks" not in cli("webhook", "list", "--database-url", db_url).stdout
    assert "no webhook subscription with id '1'" in one_line_error(cli("webhook", "remove", "1", "--database-url", db_url))
