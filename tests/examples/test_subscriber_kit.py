"""The subscriber kit (examples/subscriber/) against a real NATS JetStream, run as a city's other system runs it.

A nats-server of our own runs with the kit's own `nats-reader.conf`: the relay side publishes Kyodo-shaped
CloudEvents as the full-permission `kyodo` user, the kit consumes as the read-only `grants-ledger` user, in a
subprocess (`python -m kyodo_subscriber`), and the test reads its SQLite database read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from kyodo_contracts import Contract
from kyodo_contracts.registry import GroupApplied, GroupProfile, GroupRegistered
from kyodo_shared.bus.cloudevents import H_MSG_ID, Envelope, encode, message_id

from support.cli import wait_for
from support.servers import LOOPBACK, free_port, nats_server_binary, stop_process, wait_for_port

REPO = Path(__file__).resolve().parents[2]
KIT = REPO / "examples" / "subscriber"
NAMESPACE = "kyodo"
STREAM = "KYODO_REGISTRY"
SOURCE = "/kyodo/registry"
RELAY = ("kyodo", "relay-secret")
READER = ("grants-ledger", "reader-secret")


# ------------------------------------------------------------------------------------------- the NATS side


@contextlib.contextmanager
def nats_server(config: Path) -> Iterator[str]:
    """A JetStream nats-server with the given configuration (passwords from the environment)."""
    with tempfile.TemporaryDirectory(prefix="kyodo-kit-nats-") as tmp:
        port = free_port()
        env = {**os.environ, "KYODO_RELAY_PASSWORD": RELAY[1], "KYODO_READER_PASSWORD": READER[1]}
        args = [str(nats_server_binary()), "-c", str(config), "-a", LOOPBACK, "-p", str(port)]
        with (Path(tmp) / "nats.log").open("ab") as log:
            process = subprocess.Popen(
                [*args, "-sd", str(Path(tmp) / "js")], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(LOOPBACK, port, 10.0, process)
            yield f"nats://{LOOPBACK}:{port}"
        finally:
            stop_process(process)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The kit's own nats-reader.conf, as shipped."""
    with nats_server(KIT / "nats-reader.conf") as url:
        yield url


def event(sequence: int, data: Contract, *, ce_type: str | None = None) -> tuple[dict[str, str], bytes]:
    """A message as Kyodo's relay publishes it (binary-mode CloudEvent, Nats-Msg-Id = ce-id)."""
    envelope = Envelope(
        id=message_id("registry", sequence, 0),
        source=SOURCE,
        type=ce_type or type(data).ce_type(),
        time=datetime(2026, 11, 25, tzinfo=UTC),
        subject=str(sequence),
        sequence=sequence,
        correlation_id="c",
        causation_id="c",
        data=data,
        notification_id=sequence,
    )
    headers, body = encode(envelope)
    return {**headers, H_MSG_ID: envelope.id}, body


def registered(name: str) -> GroupRegistered:
    return GroupRegistered(
        group_id=uuid.uuid5(uuid.NAMESPACE_URL, name),
        profile=GroupProfile(name=name, purpose="目的", fields_of_activity=["福祉"], area="本町"),
        representative_sub=f"sub-{name}",
    )


def applied(name: str) -> GroupApplied:
    return GroupApplied(
        group_id=uuid.uuid5(uuid.NAMESPACE_URL, name),
        profile=GroupProfile(name=name, purpose="目的", fields_of_activity=["福祉"], area="本町"),
        representative_sub=f"sub-{name}",
    )


@dataclass
class Relay:
    """The publishing side, as the full-permission user; each call is its own short connection."""

    url: str

    async def _js(self) -> tuple[Any, Any]:
        nc = await nats.connect(self.url, user=RELAY[0], password=RELAY[1], max_reconnect_attempts=0)
        return nc, nc.jetstream()

    def fresh_stream(self) -> None:
        async def go() -> None:
            nc, js = await self._js()
            try:
                with contextlib.suppress(NotFoundError):
                    await js.delete_stream(STREAM)
                await js.add_stream(StreamConfig(name=STREAM, subjects=[f"{NAMESPACE}.registry.>"]))
            finally:
                await nc.close()

        asyncio.run(go())

    def publish(self, messages: list[tuple[dict[str, str], bytes]]) -> None:
        async def go() -> None:
            nc, js = await self._js()
            try:
                for headers, body in messages:
                    await js.publish(GroupRegistered.subject(NAMESPACE), body, headers=headers)
            finally:
                await nc.close()

        asyncio.run(go())

    def consumer(self) -> tuple[int, int]:
        """(last delivered stream sequence, ack floor) of the kit's durable consumer."""

        async def go() -> tuple[int, int]:
            nc, js = await self._js()
            try:
                info = await js.consumer_info(STREAM, "grants-ledger-registry")
                return int(info.delivered.stream_seq), int(info.ack_floor.stream_seq)
            finally:
                await nc.close()

        return asyncio.run(go())

    def create_consumer(self) -> None:
        """The operator's pre-created consumer, configured as the README says."""

        async def go() -> None:
            nc, js = await self._js()
            try:
                config = ConsumerConfig(
                    name="grants-ledger-registry",
                    durable_name="grants-ledger-registry",
                    filter_subject=f"{NAMESPACE}.registry.>",
                    ack_policy=AckPolicy.EXPLICIT,
                    deliver_policy=DeliverPolicy.ALL,
                    max_deliver=-1,
                    ack_wait=2,
                )
                await js.add_consumer(STREAM, config)
            finally:
                await nc.close()

        asyncio.run(go())

    def delete_consumer(self) -> None:
        async def go() -> None:
            nc, js = await self._js()
            try:
                await js.delete_consumer(STREAM, "grants-ledger-registry")
            finally:
                await nc.close()

        asyncio.run(go())

    def stream_length(self) -> int:
        async def go() -> int:
            nc, js = await self._js()
            try:
                return int((await js.stream_info(STREAM)).state.messages)
            finally:
                await nc.close()

        return asyncio.run(go())


@pytest.fixture
def relay(server: str) -> Relay:
    relay = Relay(server)
    relay.fresh_stream()
    return relay


# --------------------------------------------------------------------------------------------- the kit


@dataclass
class Kit:
    """The subscriber as a subprocess, with settings tuned for quick retries, and read-only views of its database."""

    url: str
    root: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    @property
    def db(self) -> Path:
        return self.root / "ledger.sqlite"

    def env(self, **overrides: str) -> dict[str, str]:
        path = os.pathsep.join(p for p in (str(KIT), os.environ.get("PYTHONPATH", "")) if p)
        settings = {
            "NATS_URL": self.url,
            "NATS_USER": READER[0],
            "NATS_PASSWORD": READER[1],
            "DB": str(self.db),
            "BATCH_SIZE": "16",
            "FETCH_TIMEOUT": "0.2",
            # Short, so what a killed process had in flight comes back quickly.
            "ACK_WAIT": "2",
            "MAX_FAILURES": "3",
            "RETRY_BASE": "0.05",
            "RETRY_MAX": "0.3",
            "HOLD_DELAY": "0.1",
            "PARK_RECHECK": "0.3",
        }
        settings.update(overrides)
        return {**os.environ, "PYTHONPATH": path, **{f"KYODO_SUB_{k}": v for k, v in settings.items()}}

    def start(self, **overrides: str) -> None:
        self.starts += 1
        log = (self.root / f"kit-{self.starts}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kyodo_subscriber"],
            env=self.env(**overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.root.glob("kit-*.log")))

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kyodo_subscriber", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()

    def tracked(self) -> int:
        rows = self.query(f"SELECT sequence FROM tracking WHERE source = '{SOURCE}'")
        return int(rows[0][0]) if rows else 0

    def tracked_or_zero(self) -> int:
        try:
            return self.tracked()
        except sqlite3.OperationalError:  # not created yet
            return 0

    def journal(self) -> list[int]:
        """Sequences of applied events in the order they were applied (the journal's insertion order)."""
        return [int(r[0]) for r in self.query("SELECT sequence FROM group_journal ORDER BY id")]

    def parked(self) -> list[tuple[Any, ...]]:
        return self.query("SELECT sequence, failures, error_class, parked_at FROM parked ORDER BY sequence")

    def wait_tracked(self, sequence: int, timeout: float = 30.0) -> None:
        wait_for(
            lambda: self.tracked() >= sequence,
            timeout,
            f"tracked sequence {sequence}\n{self.log()[-3000:]}",
            tolerate=(sqlite3.OperationalError,),
        )


@pytest.fixture
def kit(server: str, tmp_path: Path) -> Iterator[Kit]:
    kit = Kit(server, tmp_path)
    try:
        yield kit
    finally:
        kit.stop()


# ------------------------------------------------------------------------------------------------- tests


def test_every_event_is_applied_exactly_once_in_order_and_unfollowed_types_only_move_tracking(
    relay: Relay, kit: Kit
) -> None:
    # Every third event is an application, which the ledger does not follow.
    relay.publish([event(s, applied(f"g{s}") if s % 3 == 0 else registered(f"g{s}")) for s in range(1, 31)])
    kit.start()
    kit.wait_tracked(30)
    # A copy of event 5 (another Nats-Msg-Id, so the stream keeps it): acked as a duplicate, not applied again.
    headers, body = event(5, registered("g5"))
    relay.publish([({**headers, H_MSG_ID: "copy-of-5"}, body)])
    wait_for(lambda: relay.consumer() == (31, 31), 15, "the copy acked")

    assert kit.journal() == [s for s in range(1, 31) if s % 3]
    assert kit.query("SELECT COUNT(*) FROM groups") == [(20,)]
    assert kit.tracked() == 30


def test_a_transiently_failing_handler_is_retried_with_back_off_and_order_is_kept(relay: Relay, kit: Kit) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 11)])
    # Fault injection: the handler fails the first 2 times it sees sequence 4 (below MAX_FAILURES=3).
    kit.start(FAULT="registry:4:2")
    kit.wait_tracked(10)

    assert kit.journal() == list(range(1, 11))
    assert kit.parked() == []
    assert kit.query("SELECT COUNT(*) FROM failures") == [(0,)]
    log = kit.log()
    assert "sequence=4 type=jp.kyodo.registry.group.registered.v1 failures=2 error=InjectedFault" in log
    assert "failures=3" not in log


def test_a_subscriber_killed_mid_batch_resumes_with_every_event_applied_once_in_order(relay: Relay, kit: Kit) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 301)])
    kit.start()
    # A tight poll of its own: the kill must land while events are still in flight.
    deadline = time.monotonic() + 30
    while kit.tracked_or_zero() < 100:
        assert time.monotonic() < deadline, kit.log()[-3000:]
        time.sleep(0.005)
    kit.kill()
    at_kill = kit.tracked()
    assert at_kill < 300, "the kill came after the last event: nothing was in flight"

    kit.start()
    kit.wait_tracked(300, timeout=60)
    journal = kit.journal()
    assert journal == list(range(1, 301))
    assert kit.query("SELECT COUNT(*) FROM applied_events") == [(300,)]


def test_a_poison_message_is_parked_after_n_tries_holds_later_ones_and_can_be_skipped(relay: Relay, kit: Kit) -> None:
    headers, _ = event(4, registered("g4"))
    relay.publish(
        [event(s, registered(f"g{s}")) for s in (1, 2, 3)]
        + [(headers, b'{"group_id": "not a uuid", "personal": "\xe7\xa7\x98\xe5\xaf\x86"}')]
        + [event(s, registered(f"g{s}")) for s in (5, 6)]
    )
    kit.start()
    wait_for(lambda: kit.parked(), 30, "sequence 4 parked", tolerate=(sqlite3.OperationalError,))
    (sequence, failures, error_class, first_parked_at) = kit.parked()[0]
    assert (sequence, failures, error_class) == (4, 3, "PoisonMessage")
    # Held: 5 and 6 were delivered to the kit, and are still not applied.
    wait_for(lambda: relay.consumer()[0] >= 6, 15, "5 and 6 delivered")
    assert kit.tracked() == 3
    assert kit.journal() == [1, 2, 3]

    listing = kit.cli("parked", "list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.startswith(f"{SOURCE}\t4\tjp.kyodo.registry.group.registered.v1\t")
    assert "PoisonMessage" in listing.stdout
    assert "failures=3" in listing.stdout
    # Neither the list nor the logs carry the body.
    assert "秘密" not in listing.stdout + kit.log()
    assert "not a uuid" not in kit.log()

    # A retry of a message that cannot change parks it again after a fresh budget: retry is for fixes of ours.
    assert kit.cli("parked", "retry", "registry", "4").returncode == 0
    wait_for(lambda: kit.parked() and kit.parked()[0][3] != first_parked_at, 30, "parked again")
    assert kit.tracked() == 3

    skipped = kit.cli("parked", "skip", "registry", "4")
    assert skipped.returncode == 0, skipped.stderr
    kit.wait_tracked(6)
    assert kit.journal() == [1, 2, 3, 5, 6]
    assert kit.query("SELECT sequence FROM skipped") == [(4,)]
    assert kit.cli("parked", "list").stdout == ""
    assert kit.cli("parked", "retry", "registry", "4").returncode == 1


def test_a_parked_failure_is_retried_after_the_fix_is_deployed_and_the_held_ones_follow_in_order(
    relay: Relay, kit: Kit
) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 6)])
    # The "bug": the handler always fails at sequence 3.
    kit.start(FAULT="registry:3:always")
    wait_for(lambda: kit.parked(), 30, "sequence 3 parked", tolerate=(sqlite3.OperationalError,))
    wait_for(lambda: relay.consumer()[0] >= 5, 15, "4 and 5 delivered")
    assert kit.journal() == [1, 2]

    # The fix is deployed (a restart without the fault); the source stays parked until the operator retries.
    kit.stop()
    kit.start()
    assert "InjectedFault" in kit.cli("parked", "list", "registry").stdout
    assert kit.cli("parked", "retry", "/kyodo/registry", "3").returncode == 0
    kit.wait_tracked(5)
    assert kit.journal() == [1, 2, 3, 4, 5]
    assert kit.parked() == []


def test_a_subscriber_whose_database_was_lost_refuses_to_start_until_its_consumer_is_recreated(
    relay: Relay, kit: Kit
) -> None:
    relay.publish([event(s, registered(f"g{s}")) for s in range(1, 6)])
    kit.start()
    kit.wait_tracked(5)
    wait_for(lambda: relay.consumer()[1] == 5, 15, "all acked")
    kit.stop()
    for path in kit.root.glob("ledger.sqlite*"):
        path.unlink()

    # The consumer acked 1..5, the new database applied nothing: starting would silently skip them.
    kit.start()
    assert kit.process is not None
    assert kit.process.wait(30) != 0
    assert "ConsumerAheadOfDatabase" in kit.log()

    relay.delete_consumer()  # what the operator does: the kit recreates it from the database's position
    kit.start()
    kit.wait_tracked(5)
    assert kit.journal() == [1, 2, 3, 4, 5]


def test_with_a_consumer_the_operator_created_the_reader_needs_no_right_to_create_consumers_or_read_streams(
    tmp_path: Path,
) -> None:
    shipped = (KIT / "nats-reader.conf").read_text()
    minimal = "\n".join(
        line for line in shipped.splitlines() if "CONSUMER.CREATE" not in line and "STREAM.INFO" not in line
    )
    assert minimal.count("$JS.") < shipped.count("$JS.")
    (tmp_path / "minimal.conf").write_text(minimal)
    with nats_server(tmp_path / "minimal.conf") as url:
        relay = Relay(url)
        relay.fresh_stream()
        relay.create_consumer()
        relay.publish([event(s, registered(f"g{s}")) for s in range(1, 4)])
        kit = Kit(url, tmp_path)
        try:
            kit.start(CONSUMER_PRECREATED="true")
            kit.wait_tracked(3)
            assert kit.journal() == [1, 2, 3]
        finally:
            kit.stop()


def test_the_reader_user_cannot_publish_to_a_stream_subject_nor_delete_the_stream(relay: Relay) -> None:
    relay.publish([event(1, registered("g1"))])
    errors: list[Exception] = []

    async def go() -> None:
        async def on_error(exc: Exception) -> None:
            errors.append(exc)

        nc = await nats.connect(relay.url, user=READER[0], password=READER[1], error_cb=on_error)
        try:
            headers, body = event(2, registered("g2"))
            await nc.publish(GroupRegistered.subject(NAMESPACE), body, headers=headers)
            await nc.flush()
            js = nc.jetstream(timeout=1.0)
            with pytest.raises(NatsTimeoutError):  # a denied request gets no answer
                await js.delete_stream(STREAM)
            wait_deadline = asyncio.get_running_loop().time() + 5
            while not errors and asyncio.get_running_loop().time() < wait_deadline:
                await asyncio.sleep(0.05)
        finally:
            await nc.close()

    asyncio.run(go())
    assert any("permissions violation" in str(e).lower() and "kyodo.registry" in str(e) for e in errors), errors
    assert relay.stream_length() == 1


def test_an_event_with_fields_this_release_does_not_know_is_applied_and_a_v2_beside_it_is_skipped(
    relay: Relay, kit: Kit
) -> None:
    headers, body = event(1, registered("g1"))
    data = json.loads(body)
    data["added_in_a_later_release"] = {"any": "thing"}
    data["profile"]["mascot"] = "たぬき"
    # A v2 of the same event, published beside the v1 until the v1's deprecation date: not this reader's version.
    v2_headers, v2_body = event(2, registered("g2"), ce_type="jp.kyodo.registry.group.registered.v2")
    relay.publish([(headers, json.dumps(data).encode()), (v2_headers, v2_body), event(3, registered("g3"))])
    kit.start()
    kit.wait_tracked(3)

    assert kit.journal() == [1, 3]
    assert kit.query("SELECT name FROM groups ORDER BY name") == [("g1",), ("g3",)]
    assert kit.parked() == []
