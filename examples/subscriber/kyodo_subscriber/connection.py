"""The subscriber's NATS connections (the start-up checks' and FastStream's), over TLS when given a CA.

Kyodo's NATS serves clients over TLS only (Kyodo's deploy/nats/README.md, "TLS"), with a certificate of its own CA.
With KYODO_SUB_TLS_CA_FILE the subscriber trusts that CA alone and starts TLS with its first byte — nats-py would
otherwise send its CONNECT, the reader's password included, in plaintext to a server on the address that does not
ask for TLS — as Kyodo's own services do. Without it, plain TCP, or for a `tls://` URL, the system's CAs.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from faststream.nats import NatsSecurity, NatsUserPassword
from faststream.security import BaseSecurity
from nats.aio.client import Client
from nats.errors import NoServersError

from kyodo_subscriber.refusals import StartRefused
from kyodo_subscriber.settings import Settings

log = logging.getLogger("kyodo_subscriber")

CA_VARIABLE = "KYODO_SUB_TLS_CA_FILE"
# The start's bound: nats-py's own attempts (3, 2 s apart) end well before it, unless an attempt hangs.
CONNECT_WAIT = 30.0
_WHERE_THE_CA_IS = "the CA of Kyodo's NATS: ask Kyodo's operator for its ca.crt, the ConfigMap nats-ca (README, TLS)"


class NatsUnreachable(StartRefused):
    """NATS could not be reached, or not trusted, at start: the message says what to set."""


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context trusting KYODO_SUB_TLS_CA_FILE alone (and checking the server's name), or None without it."""
    if settings.tls_ca_file is None:
        return None
    try:
        return ssl.create_default_context(cafile=str(settings.tls_ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise NatsUnreachable(
            f"{CA_VARIABLE}={settings.tls_ca_file} is not a readable PEM certificate ({exc}): put there "
            f"{_WHERE_THE_CA_IS}"
        ) from None


def tls_options(settings: Settings) -> dict[str, Any]:
    """nats.connect's TLS arguments: with a CA, TLS from the first byte (nats-server `handshake_first`, which Kyodo's
    servers accept: `auto`); without one, nats-py's own choice (TLS after the INFO when the server requires it)."""
    tls = tls_context(settings)
    return {"tls": tls, "tls_handshake_first": True} if tls is not None else {}


def broker_security(settings: Settings) -> BaseSecurity | None:
    """FastStream's NatsBroker takes TLS (and the user) as `security`, which it passes to nats.connect as `tls=`,
    `tls_handshake_first=`, `user=`, `password=` (faststream/nats/security.py, 0.7.8)."""
    tls = tls_context(settings)
    if settings.nats_user:
        return NatsUserPassword(
            settings.nats_user, settings.nats_password or "", ssl_context=tls, tls_handshake_first=tls is not None
        )
    return NatsSecurity(ssl_context=tls, tls_handshake_first=True) if tls is not None else None


async def connect(settings: Settings) -> Client:
    """The start-up checks' connection: a few attempts, then NatsUnreachable saying what to check. A TLS failure
    (a certificate not trusted: what a subscriber without the CA meets at Kyodo's NATS) ends the wait at once — no
    retry mends it, and nats-py 2.16 closing a connection whose TLS upgrade failed waits for its socket forever."""
    nc = Client()
    errors: list[Exception] = []
    connecting = True

    async def on_error(exc: Exception) -> None:
        # A line per failed attempt, not nats-py's default traceback.
        log.warning("nats_connect_failed url=%s error=%s: %s", _shown(settings.nats_url), type(exc).__name__, exc)
        if connecting:
            errors.append(exc)
            if isinstance(exc, ssl.SSLError):
                deadline.reschedule(asyncio.get_running_loop().time())

    try:
        async with asyncio.timeout(CONNECT_WAIT) as deadline:
            await nc.connect(
                settings.nats_url,
                user=settings.nats_user,
                password=settings.nats_password,
                inbox_prefix=settings.inbox_prefix,
                max_reconnect_attempts=3,
                error_cb=on_error,
                **tls_options(settings),
            )
    except (NoServersError, OSError, TimeoutError) as exc:
        raise NatsUnreachable(_hint(settings, errors[-1] if errors else exc)) from None
    finally:
        connecting = False
    return nc


def _hint(settings: Settings, error: Exception) -> str:
    url = _shown(settings.nats_url)
    if isinstance(error, ssl.SSLCertVerificationError):
        if settings.tls_ca_file is None:
            return (
                f"NATS at {url} presents a certificate this subscriber does not trust ({error.verify_message}): set "
                f"{CA_VARIABLE} to {_WHERE_THE_CA_IS}"
            )
        return (
            f"NATS at {url} presents a certificate that the CA of {CA_VARIABLE}={settings.tls_ca_file} does not "
            f"vouch for ({error.verify_message}): check that the file is {_WHERE_THE_CA_IS}, and that the URL's host "
            f"is one of the certificate's names"
        )
    if isinstance(error, ssl.SSLError) and settings.tls_ca_file is not None:
        return (
            f"NATS at {url} did not complete a TLS handshake ({error}): a server without TLS (a development server) "
            f"needs {CA_VARIABLE} unset; Kyodo's servers speak TLS from the first byte"
        )
    return f"NATS at {url} could not be reached ({type(error).__name__}: {error}): check KYODO_SUB_NATS_URL"


def _shown(url: str) -> str:
    """The URL without a password it may carry."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{parts.hostname}:{parts.port}"))
