"""Where webhooks may go, and how a delivery reaches it: public addresses only, one deadline, a capped read.

A webhook URL is checked twice. When it is subscribed, a host that is (or is written as) a loopback, private,
link-local, multicast, reserved or otherwise non-public address is refused, numeric forms included
(``0xA9FEA9FE``, ``2852039166``, ``0177.0.0.1``, ``127.1``: what ``inet_aton`` and so browsers, curl and the
resolver read as IPv4), as are ``localhost`` names. When it is delivered, the host name is resolved and every
address it resolves to is checked again; the connection is then made to a checked address (never resolved a
second time), so a name that resolves to 127.0.0.1, or is re-pointed there later, is refused too.
CALLINTEL_WEBHOOK_ALLOW_HOSTS lists host names, addresses and networks (CIDR) that are let through all the same
(on-premises receivers).

A delivery has one deadline for everything (resolving, connect, TLS, sending, the answer), not a timeout per
read, and reads at most ``READ_CAP`` bytes of the answer: the status is all it needs.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpcore
import httpx

from models.errors import AddressRefused, ConfigError

__all__ = [
    "DEADLINE_S",
    "READ_CAP",
    "AllowList",
    "check_host",
    "is_public",
    "literal_address",
    "post",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEADLINE_S = 10.0  # a whole delivery: connect, TLS, send, answer
READ_CAP = 4096  # bytes of the answer read at most (and per socket read)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


class Refused(httpcore.ConnectError):
    """At delivery: the host resolved to an address webhooks may not go to."""


@dataclass(frozen=True)
class AllowList:
    """CALLINTEL_WEBHOOK_ALLOW_HOSTS: host names, and addresses or networks, let through although not public."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        names, networks = set(), []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if not re.fullmatch(r"[A-Za-z0-9_.-]+", entry) or "/" in entry:
                    raise ConfigError(
                        f"invalid setting CALLINTEL_WEBHOOK_ALLOW_HOSTS: {entry!r} is not a host name, "
                        "an IP address or a network (CIDR)"
                    ) from None
                names.add(_name(entry))
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, address: IPAddress | None = None) -> bool:
        return _name(host) in self.names or (
            address is not None and any(address in n for n in self.networks)
        )


def _name(host: str) -> str:
    return host.strip("[]").lower().rstrip(".")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), which is where it really goes."""
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """False for loopback, private, link-local, multicast, reserved, unspecified and the like (RFC 6890)."""
    if isinstance(address, ipaddress.IPv6Address):
        if (inner := _embedded_ipv4(address)) is not None:
            return is_public(inner)
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_private
    )


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read as ``inet_aton`` reads it (1 to 4 parts, each decimal, octal or hex); None if it is a name.

    Raises AddressRefused for a host made only of such numbers whose value is no IPv4 address."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    values = [
        int(p[2:] or "0", 16)
        if p[:2].lower() == "0x"
        else int(p, 8)
        if p.startswith("0")
        else int(p)
        for p in parts
    ]
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        raise AddressRefused(f"not a valid IPv4 address: {host!r}")
    return ipaddress.IPv4Address(sum(v << 8 * (3 - i) for i, v in enumerate(head)) + last)


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` is written as (IPv6, dotted IPv4 or one of inet_aton's numeric forms), else None."""
    name = _name(host)
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return _inet_aton(name)


def _refusal(host: str) -> AddressRefused:
    return AddressRefused(
        f"webhooks may not go to {host!r}: it is a loopback, private, link-local, multicast or "
        "reserved address (list it in CALLINTEL_WEBHOOK_ALLOW_HOSTS for an on-premises receiver)"
    )


def check_host(host: str, allow: AllowList) -> None:
    """At subscription: refuse a host that is, or is written as, a non-public address, unless it is allowed."""
    name = _name(host)
    address = literal_address(name)
    if address is None and (name == "localhost" or name.endswith(".localhost")):
        address = ipaddress.IPv4Address("127.0.0.1")  # RFC 6761: always loopback
    if address is not None and not is_public(address) and not allow.allows(name, address):
        raise _refusal(host)


@dataclass(frozen=True)
class Deadline:
    at: float

    def cap(self, timeout: float | None) -> float:
        """The time an operation may take: its own timeout, but never past the deadline."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the delivery's deadline passed")
        return left if timeout is None else min(timeout, left)


def _lookup(host: str, port: int, deadline: Deadline) -> list[IPAddress]:
    """The addresses ``host`` resolves to, by the deadline (a resolver that hangs is left to finish on its own)."""
    answer: list[Any] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(_name(host), port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            answer.append(exc)

    thread = threading.Thread(target=lookup, name="callintel-resolve", daemon=True)
    thread.start()
    thread.join(deadline.cap(None))
    if not answer:
        raise httpcore.ConnectTimeout(f"resolving {host!r} took past the delivery's deadline")
    if isinstance(answer[0], Exception):
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {answer[0]}")
    return list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in answer[0])
    )


def resolve(host: str, port: int, allow: AllowList, deadline: Deadline) -> list[IPAddress]:
    """At delivery: the addresses ``host`` resolves to, every one of them checked (Refused if any is not allowed)."""
    address = literal_address(host)
    found = [address] if address is not None else _lookup(host, port, deadline)
    refused = [a for a in found if not is_public(a) and not allow.allows(host, a)]
    if refused or not found:
        raise Refused(f"{host!r} resolves to {', '.join(map(str, refused))}: not a public address")
    return found


class _Stream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline, and whose reads are at most READ_CAP."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner, self._deadline = inner, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(min(max_bytes, READ_CAP), self._deadline.cap(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.cap(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(
            self._inner.start_tls(ssl_context, server_hostname, self._deadline.cap(timeout)),
            self._deadline,
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """Connects only to checked addresses (the TLS name stays the URL's host), within the deadline."""

    def __init__(self, allow: AllowList, deadline: Deadline) -> None:
        self._sync, self._allow, self._deadline = httpcore.SyncBackend(), allow, deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        error: Exception | None = None
        for address in resolve(host, port, self._allow, self._deadline):
            try:
                stream = self._sync.connect_tcp(
                    str(address), port, self._deadline.cap(timeout), local_address, socket_options
                )
                return _Stream(stream, self._deadline)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host!r}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks go over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self._deadline.cap(seconds)))


@cache
def _ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    allow: AllowList,
    deadline_s: float | None = None,
) -> int:
    """POST ``body`` to ``url``; the answer's status. Raises (httpcore or httpx errors, Refused) on no answer."""
    deadline_s = DEADLINE_S if deadline_s is None else deadline_s
    parsed = httpx.URL(url)
    target = httpcore.URL(
        scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
    )
    deadline = Deadline(time.monotonic() + deadline_s)
    timeouts = dict.fromkeys(("connect", "read", "write", "pool"), deadline_s)
    with httpcore.ConnectionPool(
        ssl_context=_ssl_context(),
        network_backend=_Backend(allow, deadline),
        max_keepalive_connections=0,
    ) as pool:
        with pool.stream(
            "POST",
            target,
            headers=list(headers.items()),
            content=body,
            extensions={"timeout": timeouts},
        ) as response:
            read = 0
            for chunk in response.iter_stream():  # a little of the answer, never all of it
                read += len(chunk)
                if read >= READ_CAP:
                    break
            return response.status
