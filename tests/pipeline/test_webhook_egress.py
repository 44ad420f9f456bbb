"""Where webhooks may go and what a delivery may cost: internal addresses refused when subscribed and again
after resolving, one deadline per delivery, a capped read, and a log that tells nothing about what listens where."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc

import pytest
from sqlalchemy import select, update

from models.errors import AddressRefused, ConfigError
from models.outbox import emit
from models.settings import Settings
from models.tables import WebhookDeliveryRow, WebhookSubscriptionRow
from pipeline import egress
from pipeline.egress import AllowList
from pipeline.webhooks import NO_ANSWER, add_subscription, deliver_due
from tests.helpers import Receiver
from tests.pipeline.receivers import Flooding, Trickling

INTERNAL = (
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://0xA9FEA9FE/",
    "http://2852039166/",
    "http://127.0.0.1:22/",
    "http://[::1]:6379/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0x7f.1/",
    "http://localhost:8000/",
    "http://api.localhost/",
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[fe80::1%25eth0]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://0/",
    "http://224.0.0.251/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://127.0.0.1./",
    "http://LOCALHOST/",
    "http://[::ffff:169.254.169.254]/",
    "http://10.0.0.5/hooks",
    "http://224.0.0.1/",
    "https://192.168.1.1/",
)


def _settings(allow: str = "") -> Settings:
    return Settings(webhook_allow_hosts=allow)


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_and_metadata_addresses_are_refused_when_subscribed(store, url):
    with pytest.raises(AddressRefused, match="CALLINTEL_WEBHOOK_ALLOW_HOSTS"):
        add_subscription(store, url, ["interaction.analysed"], settings=_settings())


def test_the_allow_list_lets_on_premises_receivers_through(store):
    settings = _settings("10.0.0.0/8, 127.0.0.1, crm.localhost, [fd00::1]")
    for url in (
        "http://10.1.2.3/hooks",
        "http://127.0.0.1:8080/",
        "http://2130706433/",
        "http://crm.localhost/",
        "http://[fd00::1]/",
    ):
        add_subscription(store, url, ["interaction.analysed"], settings=settings)
    for url in ("http://192.168.0.1/", "http://[::1]/", "http://[fd00::2]/"):
        with pytest.raises(AddressRefused):
            add_subscription(store, url, ["interaction.analysed"], settings=settings)
    add_subscription(
        store, "https://crm.example.com/hooks", ["interaction.analysed"], settings=_settings()
    )
    add_subscription(store, "http://93.184.215.14/", ["interaction.analysed"], settings=_settings())
    with pytest.raises(ConfigError, match="CALLINTEL_WEBHOOK_ALLOW_HOSTS"):
        AllowList.parse("10.0.0.0/8, not a host")


def _queue_one(store, url: str, event_id: str = "interaction.analysed:x") -> None:
    """A subscription whose stored URL is ``url`` (stored before these rules, or a name re-pointed since)."""
    add_subscription(
        store, "https://crm.example.com/hooks", ["interaction.analysed"], settings=_settings()
    )
    with store.transaction() as session:
        session.execute(update(WebhookSubscriptionRow).values(url=url))
        emit(session, "interaction.analysed", event_id, {"interaction_id": "x"})


def _rows(store) -> list[WebhookDeliveryRow]:
    with store.transaction() as session:
        return list(session.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id)))


@pytest.mark.both_backends
def test_a_name_that_resolves_to_loopback_is_refused_at_delivery(store):
    receiver = Receiver([])
    try:
        port = receiver.server.server_address[1]
        _queue_one(store, f"http://localhost:{port}/hooks")  # resolved when delivered: 127.0.0.1
        assert deliver_due(store, _settings()).retrying == 1 and receiver.requests == []
        with store.transaction() as session:
            session.execute(
                update(WebhookSubscriptionRow).values(url=f"http://2130706433:{port}/hooks")
            )
            session.execute(
                update(WebhookDeliveryRow).values(next_attempt_at=WebhookDeliveryRow.created_at)
            )
        assert (
            deliver_due(store, _settings()).retrying == 1 and receiver.requests == []
        )  # inet_aton's 127.0.0.1
        (row,) = _rows(store)
        assert (row.attempts, row.last_status, row.last_error) == (2, None, NO_ANSWER)
        with store.transaction() as session:
            session.execute(
                update(WebhookDeliveryRow).values(next_attempt_at=WebhookDeliveryRow.created_at)
            )
        assert (
            deliver_due(store, _settings("127.0.0.0/8")).delivered == 1
            and len(receiver.requests) == 1
        )
    finally:
        receiver.server.shutdown()


def _closing_server(banner: bytes) -> tuple[socket.socket, int]:
    """A TCP port that says ``banner`` (an SSH or Redis server, say) and hangs up: no HTTP."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.sendall(banner)

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


def test_the_log_tells_nothing_about_what_listens_where(store):
    """Closed port, open non-HTTP port, refused address: the same reason in the log, no status."""
    listener, open_port = _closing_server(b"SSH-2.0-OpenSSH_9.6\r\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # bound, not listening: connections are refused
        try:
            for index, url in enumerate(
                (
                    f"http://127.0.0.1:{closed_port}/",
                    f"http://127.0.0.1:{open_port}/",
                    "http://169.254.169.254/latest/meta-data/",
                )
            ):
                _queue_one(store, url, f"interaction.analysed:{index}")
                with store.transaction() as session:  # each subscription keeps its own URL
                    session.execute(
                        update(WebhookSubscriptionRow)
                        .where(WebhookSubscriptionRow.url == url)
                        .values(active=False)
                    )
            assert deliver_due(store, _settings("127.0.0.1")).retrying == 3
        finally:
            listener.close()
    assert {(row.last_status, row.last_error) for row in _rows(store)} == {(None, NO_ANSWER)}


def test_one_deadline_for_the_whole_delivery_not_per_read(store, monkeypatch):
    """Each byte of the answer comes quickly, the answer never does: the delivery ends at its deadline."""
    monkeypatch.setattr(egress, "DEADLINE_S", 1.0)
    receiver = Trickling(every=0.2)  # about 80 bytes: 16 s in all, 0.2 s per read
    try:
        _queue_one(store, receiver.url)
        started = time.monotonic()
        assert deliver_due(store, _settings("127.0.0.1")).retrying == 1
        assert time.monotonic() - started < 4.0
        assert receiver.answered == 0 and _rows(store)[0].last_error == NO_ANSWER
    finally:
        receiver.close()


def test_a_huge_answer_is_not_read(store):
    """A receiver answers 200 with 64 MiB: the delivery counts, and reads a few KiB of it, not the body whole."""
    receiver = Flooding(64 * 1024 * 1024)
    try:
        _queue_one(store, receiver.url)
        tracemalloc.start()
        try:
            outcome = deliver_due(store, _settings("127.0.0.1"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert outcome.delivered == 1 and _rows(store)[0].last_status == 200
        assert peak < 4 * 1024 * 1024, peak
        assert receiver.finished.wait(30) and receiver.sent < receiver.size  # we hung up on it
    finally:
        receiver.close()


def test_a_resolver_that_hangs_is_within_the_deadline_too(store, monkeypatch):
    """The name server never answers (stood in for by a getaddrinfo that waits): the delivery ends at its deadline."""
    answered, real = threading.Event(), socket.getaddrinfo

    def hanging(host, *args, **kwargs):
        if host != "crm.example.com":
            return real(host, *args, **kwargs)
        answered.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    monkeypatch.setattr(egress, "DEADLINE_S", 0.5)
    _queue_one(store, "https://crm.example.com/hooks")
    started = time.monotonic()
    try:
        assert deliver_due(store, _settings()).retrying == 1
        assert time.monotonic() - started < 3.0 and _rows(store)[0].last_error == NO_ANSWER
    finally:
        answered.set()


def test_the_connection_goes_to_the_address_that_was_checked(store, monkeypatch):
    """DNS rebinding: the name answers a public address when checked, then 127.0.0.1. It is resolved once and
    the connection made to the checked address, so the loopback receiver never hears of it."""
    receiver, real, calls = Receiver([]), socket.getaddrinfo, []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example.com":
            return real(host, port, *args, **kwargs)
        calls.append(host)
        address = (
            "192.0.0.9" if len(calls) == 1 else "127.0.0.1"
        )  # 192.0.0.9/32 is global (RFC 7723)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(egress, "DEADLINE_S", 1.0)
    try:
        _queue_one(store, f"http://rebind.example.com:{receiver.server.server_address[1]}/hooks")
        assert deliver_due(store, _settings()).retrying == 1
        assert calls == ["rebind.example.com"] and receiver.requests == []
    finally:
        receiver.server.shutdown()
