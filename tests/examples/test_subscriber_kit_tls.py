"""The subscriber kit (examples/subscriber/) against a NATS that serves clients over TLS only, as Kyodo's does.

The kit's own nats-reader.conf with the client `tls` block of deploy/nats/cluster.conf (handshake_first: auto), its
certificate from a test CA (tests/support/nats_conf.py `write_tls`): given that CA (KYODO_SUB_TLS_CA_FILE), the
kit's start-up checks and its FastStream app connect over TLS from the first byte and consume; without it, or with
another CA, the start is refused with a line that names the setting, not a traceback.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
import pytest
from nats.js import JetStreamContext

from support.nats_conf import write_tls
from support.servers import LOOPBACK, free_port
from support.subscriber_kit import KIT, READER, RELAY, Kit, Relay, event, nats_server, registered

CLUSTER_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "cluster.conf"
T = TypeVar("T")


def deployed_client_tls(cert: Path, key: Path) -> str:
    """The client `tls { … }` block of Kyodo's cluster.conf, with the Secret's files given as paths."""
    match = re.search(r"^tls \{\n.*?^\}\n", CLUSTER_CONF.read_text(), re.MULTILINE | re.DOTALL)
    assert match is not None, "deploy/nats/cluster.conf has no top-level tls block"
    block = match.group(0).replace("$NATS_TLS_CERT", f'"{cert}"').replace("$NATS_TLS_KEY", f'"{key}"')
    assert "handshake_first: auto" in block
    return block


class TlsRelay(Relay):
    """The publishing side, over TLS trusting the test CA."""

    def __init__(self, url: str, ca_file: Path) -> None:
        super().__init__(url)
        self.ca_file = ca_file

    def run(self, work: Callable[[JetStreamContext], Awaitable[T]]) -> T:
        async def go() -> T:
            tls = ssl.create_default_context(cafile=str(self.ca_file))
            nc = await nats.connect(self.url, user=RELAY[0], password=RELAY[1], tls=tls, max_reconnect_attempts=0)
            try:
                return await work(nc.jetstream())
            finally:
                await nc.close()

        return asyncio.run(go())


@dataclass(frozen=True)
class TlsServer:
    url: str
    monitor_port: int
    tls_folder: Path

    @property
    def ca_file(self) -> Path:
        return self.tls_folder / "ca.crt"

    def reader_connections(self) -> list[dict[str, Any]]:
        """The reader user's connections, open and closed, as the server records them."""
        found: list[dict[str, Any]] = []
        for state in ("open", "closed"):
            answer = httpx.get(
                f"http://{LOOPBACK}:{self.monitor_port}/connz", params={"state": state, "auth": "true"}, timeout=5
            )
            found += [c for c in answer.json()["connections"] or [] if c.get("authorized_user") == READER[0]]
        return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    root = tmp_path_factory.mktemp("kit-tls")
    tls_folder = write_tls(root / "tls")
    monitor_port = free_port()
    config = root / "nats-reader-tls.conf"
    config.write_text(
        (KIT / "nats-reader.conf").read_text()
        + "\n"
        + deployed_client_tls(tls_folder / "tls.crt", tls_folder / "tls.key")
        + f"\nhttp: {LOOPBACK}:{monitor_port}\n"
    )
    with nats_server(config) as url:
        yield TlsServer(url, monitor_port, tls_folder)


@pytest.fixture
def relay(server: TlsServer) -> Relay:
    relay = TlsRelay(server.url, server.ca_file)
    relay.fresh_stream()
    relay.create_consumer()
    return relay


@pytest.fixture
def kit(server: TlsServer, tmp_path: Path) -> Iterator[Kit]:
    kit = Kit(server.url, tmp_path)
    try:
        yield kit
    finally:
        kit.stop()


def test_given_the_ca_the_subscriber_connects_over_tls_from_the_first_byte_and_consumes(
    server: TlsServer, relay: Relay, kit: Kit
) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 6)])
    kit.start(TLS_CA_FILE=str(server.ca_file))
    kit.wait_tracked(5)
    relay.publish([event(s, registered(f"g{s}")) for s in range(6, 9)])
    kit.wait_tracked(8)

    assert kit.journal() == list(range(1, 9))
    connections = server.reader_connections()
    # The start-up checks' connection (closed by now) and FastStream's: both TLS, both from the first byte.
    assert len(connections) >= 2, connections
    assert all(c.get("tls_version", "").startswith("1.") for c in connections), connections
    assert all(c.get("tls_first") is True for c in connections), connections


def test_without_the_ca_the_start_is_refused_naming_the_setting_without_a_traceback(kit: Kit) -> None:
    kit.start()
    line = kit.refused("NatsUnreachable")
    assert "cannot start (NatsUnreachable): NATS at nats://127.0.0.1:" in line
    assert "presents a certificate this subscriber does not trust" in line
    assert "set KYODO_SUB_TLS_CA_FILE to the CA of Kyodo's NATS" in line
    assert kit.query("SELECT COUNT(*) FROM tracking") == [(0,)]


def test_with_another_ca_or_an_unreadable_file_the_start_is_refused_naming_the_file(kit: Kit, tmp_path: Path) -> None:
    other = write_tls(tmp_path / "other") / "ca.crt"  # as a server impersonating Kyodo's NATS would be vouched for
    kit.start(TLS_CA_FILE=str(other))
    line = kit.refused("NatsUnreachable")
    assert f"a certificate that the CA of KYODO_SUB_TLS_CA_FILE={other} does not vouch for" in line

    (tmp_path / "garbled.crt").write_text("not a certificate")
    for unreadable in (tmp_path / "absent.crt", tmp_path / "garbled.crt"):
        kit.start(TLS_CA_FILE=str(unreadable))
        assert f"KYODO_SUB_TLS_CA_FILE={unreadable} is not a readable PEM certificate" in kit.refused("NatsUnreachable")
    kit.start(faststream=True, TLS_CA_FILE=str(tmp_path / "absent.crt"))  # the README's other way to run it
    assert "is not a readable PEM certificate" in kit.refused("NatsUnreachable")
