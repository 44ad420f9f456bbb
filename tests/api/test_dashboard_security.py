"""The dashboard's defences through TestClient on real stores: sessions, cross-site forms, hosts, headers, OpenAPI."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.app import create_app
from api.auth import create_token, revoke_token
from api.deps import COOKIE
from api.sessions import session_token, session_token_async
from models.errors import ConfigError
from models.settings import Settings
from models.store import Store
from models.tables import DashboardSessionRow
from tests.helpers import known

ORIGIN = {"Origin": "http://testserver"}


def sign_in(
    client: TestClient, secret: str, origin: str = "http://testserver", next: str = "/dashboard/"
):
    headers = {"Origin": origin} if origin else {}
    return client.post(
        "/dashboard/login",
        data={"token": secret, "next": next},
        headers=headers,
        follow_redirects=False,
    )


def signed_in(client: TestClient) -> bool:
    return client.get("/dashboard/search", follow_redirects=False).status_code == 200


def session_rows(store: Store) -> list[DashboardSessionRow]:
    with store.transaction() as session:
        return list(session.scalars(select(DashboardSessionRow).order_by(DashboardSessionRow.id)))


def age_sessions(store: Store, **values: datetime) -> None:
    with store.transaction() as session:
        session.execute(update(DashboardSessionRow).values(**values))


@pytest.fixture
def dashboard(db_url: str, tmp_path, migrated_copy):
    """An app over an empty store (SQLite or PostgreSQL), a manager token's id and secret, and the store."""
    with Store(migrated_copy(db_url)) as store:
        token, secret = create_token(store, "manager", "laptop")
        settings = Settings(
            database_url=db_url,
            upload_dir=tmp_path / "uploads",
            session_hours=12,
            session_idle_minutes=60,
        )
        with TestClient(create_app(settings, store)) as client:
            yield client, store, token, secret


@pytest.mark.both_backends
def test_the_cookie_holds_a_session_stored_only_hashed_and_tied_to_the_token(dashboard):
    client, store, token, secret = dashboard
    signed = sign_in(client, secret)
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard/"
    cookie = client.cookies[COOKIE]
    assert secret not in signed.headers["set-cookie"] and len(cookie) >= 43
    assert "max-age=43200" in signed.headers["set-cookie"].lower()  # CALLINTEL_SESSION_HOURS
    [row] = session_rows(store)
    assert (
        row.session_hash == hashlib.sha256(cookie.encode()).hexdigest() and row.token_id == token.id
    )
    assert row.expires_at - row.created_at == timedelta(hours=12)
    assert signed_in(client)
    sign_in(client, secret)  # again, in the same browser: the new session replaces the old one
    assert [row.session_hash for row in session_rows(store)] == [
        hashlib.sha256(client.cookies[COOKIE].encode()).hexdigest()
    ]


@pytest.mark.both_backends
def test_a_session_ends_when_idle_when_old_when_its_token_is_revoked_and_on_sign_out(dashboard):
    client, store, token, secret = dashboard
    now = datetime.now(UTC)
    sign_in(client, secret)
    age_sessions(store, last_seen_at=now - timedelta(minutes=30))
    assert signed_in(
        client
    )  # idle for half the idle timeout: still on, and the request is recorded
    assert now - session_rows(store)[0].last_seen_at < timedelta(minutes=1)
    age_sessions(store, last_seen_at=now - timedelta(minutes=61))
    away = client.get("/dashboard/", follow_redirects=False)
    assert (
        away.status_code == 303
        and away.headers["location"] == "/dashboard/login?next=%2Fdashboard%2F"
    )
    sign_in(client, secret)
    age_sessions(store, created_at=now - timedelta(hours=13), expires_at=now - timedelta(hours=1))
    assert not signed_in(client)  # past CALLINTEL_SESSION_HOURS, however busy
    sign_in(client, secret)
    old_cookie = client.cookies[COOKIE]
    assert (
        client.post("/dashboard/logout", headers=ORIGIN, follow_redirects=False).status_code == 303
    )
    assert all(
        row.session_hash != hashlib.sha256(old_cookie.encode()).hexdigest()
        for row in session_rows(store)
    )
    client.cookies.set(COOKIE, old_cookie, path="/dashboard")
    assert not signed_in(client)  # the signed-out cookie, replayed, opens nothing
    sign_in(client, secret)
    assert signed_in(client) and revoke_token(store, token.id)
    assert not signed_in(client)


@contextmanager
def write_locked(store: Store, backend: str) -> Iterator[None]:
    """Another connection holds the lock the last-request write needs: SQLite's write lock, PostgreSQL's row lock."""
    if backend == "sqlite":
        holder = sqlite3.connect(known(store.engine.url.database), timeout=0.1)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    with store.engine.connect() as connection, connection.begin():
        connection.execute(select(DashboardSessionRow.id).with_for_update())
        yield


@pytest.mark.both_backends
def test_recording_a_sessions_last_request_never_holds_a_read_up(dashboard, backend):
    client, store, token, secret = dashboard
    settings = client.app.state.settings
    sign_in(client, secret)
    old = datetime.now(UTC) - timedelta(minutes=5)
    age_sessions(store, last_seen_at=old)
    with write_locked(store, backend):
        assert (
            known(session_token(store, client.cookies[COOKIE], settings)).id == token.id
        )  # at once, not after a lock wait
    assert (
        session_rows(store)[0].last_seen_at == old
    )  # the database was busy: not recorded this time
    assert signed_in(client) and datetime.now(UTC) - session_rows(store)[
        0
    ].last_seen_at < timedelta(minutes=1)


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://testserver.evil.example", ""]
)
def test_cross_site_sign_in_and_sign_out_are_refused(dashboard, origin):
    client, store, _, secret = dashboard
    refused = sign_in(client, secret, origin=origin)
    assert (
        refused.status_code == 403
        and "set-cookie" not in refused.headers
        and "cannot sign in or out" in refused.text
    )
    assert session_rows(store) == []
    sign_in(client, secret)
    headers = {"Origin": origin} if origin else {}
    assert (
        client.post("/dashboard/logout", headers=headers, follow_redirects=False).status_code == 403
    )
    assert signed_in(client) and len(session_rows(store)) == 1


def test_the_cookie_is_secure_over_https(dashboard, tmp_path):
    _, store, _, secret = dashboard
    app = create_app(Settings(database_url=store.url, upload_dir=tmp_path / "uploads"), store)
    with TestClient(app, base_url="https://callintel.example") as https:
        signed = sign_in(https, secret, origin="https://callintel.example")
        assert signed.status_code == 303 and "; secure" in signed.headers["set-cookie"].lower()
        assert (
            sign_in(https, secret, origin="http://callintel.example").status_code == 403
        )  # another origin
    plain = sign_in(dashboard[0], secret)
    assert "secure" not in plain.headers["set-cookie"].lower()


def test_headers_forbid_framing_sniffing_inline_script_and_outside_assets(world):
    client = world.client
    for path in ("/dashboard/login", "/dashboard/static/dashboard.js", "/dashboard/nowhere"):
        response = client.get(path)
        csp = dict(
            part.strip().split(" ", 1)
            for part in response.headers["content-security-policy"].split(";")
        )
        assert csp["default-src"] == csp["script-src"] == csp["style-src"] == "'self'", path
        assert (
            csp["frame-ancestors"] == "'none'"
            and csp["object-src"] == "'none'"
            and "unsafe" not in str(csp)
        )
        assert (
            response.headers["x-frame-options"] == "DENY"
            and response.headers["x-content-type-options"] == "nosniff"
        )
        assert response.headers["referrer-policy"] == "same-origin"
    for response in (
        client.get("/api/health"),
        client.get("/api/queue"),
        client.get("/api/nowhere"),
    ):
        assert (
            response.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )
        assert (
            response.headers["x-content-type-options"] == "nosniff"
            and response.headers["x-frame-options"] == "DENY"
        )


def test_no_page_has_inline_script_style_or_handlers(world):
    with TestClient(create_app(world.settings, world.store)) as client:
        assert sign_in(client, world.tokens["manager"]).status_code == 303
        pages = [
            "/dashboard/login",
            "/dashboard/",
            f"/dashboard/calls/{world.recording_id}",
            "/dashboard/search?q=price",
            "/dashboard/customers",
            "/dashboard/customers/acme",
            "/dashboard/alerts",
            "/dashboard/calls/nobody",
        ]
        for path in pages:
            html = client.get(path).text
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
            assert not re.search(r"<style|\sstyle=|\son[a-z]+=|javascript:", html, re.I), path
            assert not re.search(r"(src|href)=\"(https?:)?//", html), (
                path
            )  # nothing from outside the server
        customer = client.get("/dashboard/customers/acme").text
        assert re.search(r'<span data-width="[\d.]+" data-colour="#[0-9a-f]{6}"></span>', customer)


def test_links_and_redirects_never_carry_the_host_header(world, monkeypatch):
    monkeypatch.setattr("api.dashboard.PAGE_SIZE", 2)  # pager links on the queue
    with TestClient(
        create_app(world.settings, world.store), base_url="http://evil.example"
    ) as client:
        away = client.get("/dashboard/customers?band=red", follow_redirects=False)
        assert (
            away.headers["location"]
            == "/dashboard/login?next=%2Fdashboard%2Fcustomers%3Fband%3Dred"
        )
        assert (
            sign_in(client, world.tokens["manager"], origin="http://evil.example").status_code
            == 303
        )
        for path in (
            "/dashboard/",
            "/dashboard/?kind=ticket&page=1",
            "/dashboard/customers",
            "/dashboard/customers/acme",
            "/dashboard/alerts?status=open",
            "/dashboard/calls/nobody",
        ):
            html = client.get(path).text
            assert (
                "evil.example" not in html and 'href="/dashboard/static/dashboard.css"' in html
            ), path
            for target in re.findall(r'name="next" value="([^"]*)"', html):  # the alert forms
                assert target.startswith("/dashboard/"), (path, target)
        pager = re.findall(
            r'<nav class="pages">(.*?)</nav>',
            client.get("/dashboard/", params={"label": ""}).text,
            re.S,
        )
        assert pager and re.findall(r'href="([^"]+)"', pager[0])[0].startswith(
            "/dashboard/?label=&amp;page="
        )


def test_only_trusted_hosts_are_answered(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'hosts.db'}",
        trusted_hosts="callintel.example, *.corp.example",
    )
    app = create_app(settings)
    for host, status in (
        ("callintel.example", 200),
        ("a.corp.example", 200),
        ("evil.example", 400),
        ("127.0.0.1", 400),
    ):
        with TestClient(app, base_url=f"http://{host}") as client:
            response = client.get("/api/health")
            assert response.status_code == status, host
            assert response.headers["x-content-type-options"] == "nosniff"
    with TestClient(
        create_app(Settings(database_url=settings.database_url)), base_url="http://anything.example"
    ) as client:
        assert client.get("/api/health").status_code == 200  # the default `*`: any host
    with pytest.raises(ConfigError, match="CALLINTEL_TRUSTED_HOSTS"):
        create_app(Settings(database_url=settings.database_url, trusted_hosts="callintel.*"))


def test_the_openapi_document_needs_a_token_and_no_page_loads_from_a_cdn(world):
    client = world.client
    assert client.get("/openapi.json").status_code == 401
    assert (
        client.get("/openapi.json", headers={"Authorization": "Bearer ci_wrong"}).status_code == 401
    )
    for role in ("crm", "rep"):
        document = client.get(
            "/openapi.json", headers={"Authorization": f"Bearer {world.tokens[role]}"}
        )
        assert document.status_code == 200 and "/api/queue" in document.json()["paths"]
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path


@pytest.mark.both_backends
def test_the_pages_session_check_on_the_event_loop_is_the_same_check(dashboard, backend):
    """api/deps.py checks a page's session with ``session_token_async`` (on the loop; the write hops): the same
    token, None for an unknown secret, and the last request recorded when due but never waited for."""
    client, store, token, secret = dashboard
    settings = client.app.state.settings
    sign_in(client, secret)
    cookie = client.cookies[COOKIE]
    assert anyio.run(session_token_async, store, "not-a-session", settings) is None
    old = datetime.now(UTC) - timedelta(minutes=5)
    age_sessions(store, last_seen_at=old)
    with write_locked(store, backend):
        found = anyio.run(session_token_async, store, cookie, settings)
    assert known(found).id == token.id and session_rows(store)[0].last_seen_at == old
    assert known(anyio.run(session_token_async, store, cookie, settings)).id == token.id
    assert datetime.now(UTC) - session_rows(store)[0].last_seen_at < timedelta(minutes=1)
