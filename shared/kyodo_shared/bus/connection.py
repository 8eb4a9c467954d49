"""The service's NATS connection: reconnect forever once connected, but a bounded wait for the first connection.

nats-py treats `max_reconnect_attempts=-1` as "never give up", for the first connection too: a service started
while NATS is down, or pointed at a wrong URL, would sit in its startup forever without a word (no HTTP port yet,
so no /readyz to ask). A running service must ride out a NATS restart, so the unbounded reconnect stays; the first
connection gets `connect_wait_seconds`, then the start fails naming the URL and what to check (Kubernetes restarts
the pod, `kyodo up` reports it).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from typing import TypedDict
from urllib.parse import urlsplit, urlunsplit

import structlog
from nats.aio.client import Client as NatsClient

from kyodo_shared.settings import BusSettings

log = structlog.get_logger(__name__)


PERMISSIONS_VIOLATION = "permissions violation"  # nats-server's -ERR for a subject the user may not use


class BusUnreachable(RuntimeError):
    """NATS did not answer within the start's wait."""


class BusTlsError(BusUnreachable):
    """KYODO_BUS__TLS_CA_FILE names no readable CA certificate: no connection can be trusted."""


class TlsOptions(TypedDict):
    tls: ssl.SSLContext | None
    tls_handshake_first: bool


def tls_options(bus: BusSettings) -> TlsOptions:
    """nats.connect's TLS arguments for every connection to the bus (the kernel's, `kyodo replay`'s, …): with
    KYODO_BUS__TLS_CA_FILE, TLS from the first byte — nats-py would otherwise send its CONNECT, password included, in
    plaintext to a server that does not ask for TLS — trusting that CA alone; without it, plain TCP."""
    tls = tls_context(bus)
    return TlsOptions(tls=tls, tls_handshake_first=tls is not None)


def tls_context(bus: BusSettings) -> ssl.SSLContext | None:
    """The TLS context that trusts KYODO_BUS__TLS_CA_FILE alone (and checks the server's name), or None without it."""
    if bus.tls_ca_file is None:
        return None
    try:
        return ssl.create_default_context(cafile=str(bus.tls_ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise BusTlsError(
            f"KYODO_BUS__TLS_CA_FILE={bus.tls_ca_file} is not a readable PEM certificate ({exc}): mount the CA of "
            "NATS's certificate there (deploy/nats/README.md, TLS), or unset the variable on a loopback rig"
        ) from None


def inbox_prefix(user: str) -> str:
    """The inbox prefix of a service's (or a reader's) connections, `_INBOX_<name>`: its NATS user may subscribe to
    its own replies only (deploy/nats/auth.conf), never to the shared `_INBOX.>` where others' pulled messages go."""
    return f"_INBOX_{user.replace('-', '_')}"


def servers_of(nats_url: str) -> list[str]:
    """The servers KYODO_BUS__NATS_URL names: one URL, or several separated by commas (a cluster's servers, each
    with the service's credentials — nats-py sends a URL's credentials to that URL's server only)."""
    return [part.strip() for part in nats_url.split(",") if part.strip()]


def shown(nats_url: str) -> str:
    """The URL(s) as logs and messages may show them: a password in the userinfo replaced by ***, and a token (a
    userinfo without a password: nats://TOKEN@host) too."""
    shown_parts = []
    for server in servers_of(nats_url):
        parts = urlsplit(server)
        if "@" in parts.netloc:
            host = parts.netloc.rsplit("@", 1)[1]
            user = f"{parts.username}:***" if parts.password is not None else "***"
            parts = parts._replace(netloc=f"{user}@{host}")
        shown_parts.append(urlunsplit(parts))
    return ",".join(shown_parts)


async def connect_bus(bus: BusSettings, service: str, on_refused: Callable[[str], None] | None = None) -> NatsClient:
    """Connect for `service`; raise BusUnreachable after `bus.connect_wait_seconds` without a connection.
    `on_refused` hears each subject the server refused this user (a request it drops gets no answer at all, so
    without it a missing permission looks like a slow or idle bus)."""
    tls = tls_options(bus)
    nc = NatsClient()
    attempts = 0

    async def on_error(exc: Exception) -> None:
        nonlocal attempts
        attempts += 1
        # Once connected, nats-py reports here what it recovers from by itself: a line, not a traceback.
        log.warning("bus_error", url=shown(bus.nats_url), error=f"{type(exc).__name__}: {exc}", attempt=attempts)
        if on_refused is not None and PERMISSIONS_VIOLATION in str(exc).lower():
            on_refused(str(exc))

    try:
        async with asyncio.timeout(bus.connect_wait_seconds):
            await nc.connect(
                servers_of(bus.nats_url),
                name=f"kyodo-{service}",
                inbox_prefix=inbox_prefix(service),
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                connect_timeout=5,
                error_cb=on_error,
                # TLS from the first byte: the password never crosses before the server proved its certificate, even
                # to a server that would not ask for TLS (nats-server: `handshake_first` in deploy/nats/cluster.conf).
                **tls,
            )
    except TimeoutError:
        with contextlib.suppress(Exception):
            await nc.close()
        hint = "start NATS (with JetStream) there, or correct KYODO_BUS__NATS_URL"
        log.error(
            "bus_unreachable_at_start", url=shown(bus.nats_url), waited_seconds=bus.connect_wait_seconds, hint=hint
        )
        raise BusUnreachable(
            f"NATS at {shown(bus.nats_url)} did not answer within {bus.connect_wait_seconds:g} s "
            f"({attempts} failed attempts): {hint}"
        ) from None
    return nc
