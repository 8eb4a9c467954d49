"""The subscriber kit (examples/subscriber/) under test: its own nats-server, a relay publishing as Kyodo's does, and
the kit as a subprocess whose SQLite database the tests read read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from kyodo_contracts import Contract, stream_name, stream_subjects
from kyodo_contracts.proposals import ProposalAdopted
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
DURABLE = "grants-ledger-registry"
V2 = "jp.kyodo.registry.group.registered.v2"
T = TypeVar("T")


# ------------------------------------------------------------------------------------------- the NATS side


def development_config(directory: Path) -> Path:
    """The shipped nats-reader.conf with its DEVELOPMENT ONLY lines enabled (the reader may create consumers)."""
    shipped = (KIT / "nats-reader.conf").read_text()
    enabled = shipped.replace("#dev ", "")

    def creates(text: str) -> int:  # allow-list lines (not comments) granting CONSUMER.CREATE
        return sum(line.strip().startswith('"$JS.API.CONSUMER.CREATE.') for line in text.splitlines())

    assert creates(shipped) == 0 < creates(enabled), "the shipped reader may create consumers, or no #dev lines"
    path = directory / "nats-reader-dev.conf"
    path.write_text(enabled)
    return path


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


def event(
    sequence: int,
    data: Contract,
    *,
    ce_type: str | None = None,
    notification: int | None = None,
    index: int = 0,
    time: datetime | None = None,
    service: str = "registry",
) -> tuple[dict[str, str], bytes]:
    """A message as Kyodo's relay publishes it (binary-mode CloudEvent, Nats-Msg-Id = ce-id). By default one
    stored event per sequence; v1 and v2 of one stored event share `notification` and differ in `index`."""
    notification = sequence if notification is None else notification
    envelope = Envelope(
        id=message_id(service, notification, index),
        source=f"/{NAMESPACE}/{service}",
        type=ce_type or type(data).ce_type(),
        time=time or datetime(2026, 11, 25, tzinfo=UTC),
        subject=str(sequence),
        sequence=sequence,
        correlation_id="c",
        causation_id="c",
        data=data,
        notification_id=notification,
        index=index,
    )
    headers, body = encode(envelope)
    return {**headers, H_MSG_ID: envelope.id}, body


def _profile(name: str) -> GroupProfile:
    return GroupProfile(name=name, purpose="目的", fields_of_activity=["福祉"], area="本町")


def registered(name: str) -> GroupRegistered:
    gid = uuid.uuid5(uuid.NAMESPACE_URL, name)
    return GroupRegistered(group_id=gid, profile=_profile(name), representative_sub=f"sub-{name}")


def applied(name: str) -> GroupApplied:
    gid = uuid.uuid5(uuid.NAMESPACE_URL, name)
    return GroupApplied(group_id=gid, profile=_profile(name), representative_sub=f"sub-{name}")


def adopted(rank: int) -> ProposalAdopted:
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"{k}-{rank}") for k in ("call", "proposal", "group")]
    return ProposalAdopted(call_id=ids[0], proposal_id=ids[1], group_id=ids[2], rank=rank, score="1.0")


@dataclass
class Relay:
    """The publishing side, as the full-permission user; each call is its own short connection."""

    url: str

    def run(self, work: Callable[[JetStreamContext], Awaitable[T]]) -> T:
        async def go() -> T:
            nc = await nats.connect(self.url, user=RELAY[0], password=RELAY[1], max_reconnect_attempts=0)
            try:
                return await work(nc.jetstream())
            finally:
                await nc.close()

        return asyncio.run(go())

    def fresh_stream(self, service: str = "registry") -> None:
        async def go(js: JetStreamContext) -> None:
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(stream_name(NAMESPACE, service))
            await js.add_stream(StreamConfig(name=stream_name(NAMESPACE, service), subjects=[_subjects(service)]))

        self.run(go)

    def publish(self, messages: list[tuple[dict[str, str], bytes]], service: str = "registry") -> None:
        async def go(js: JetStreamContext) -> None:
            for headers, body in messages:
                await js.publish(f"{NAMESPACE}.{service}.event", body, headers=headers)

        self.run(go)

    def consumer(self) -> tuple[int, int]:
        """(last delivered stream sequence, ack floor) of the kit's durable consumer."""

        async def go(js: JetStreamContext) -> tuple[int, int]:
            info = await js.consumer_info(STREAM, DURABLE)
            return int(info.delivered.stream_seq or 0), int(info.ack_floor.stream_seq or 0)

        return self.run(go)

    def consumer_config(self, service: str = "registry") -> ConsumerConfig | None:
        async def go(js: JetStreamContext) -> ConsumerConfig | None:
            try:
                return (await js.consumer_info(stream_name(NAMESPACE, service), f"grants-ledger-{service}")).config
            except NotFoundError:
                return None

        return self.run(go)

    def create_consumer(self, service: str = "registry", **overrides: Any) -> None:
        """What Kyodo's operator does for the reader: its durable consumer, configured as the README's table says
        (or with `overrides`); the ack wait matches the kit's ACK_WAIT below."""
        settings: dict[str, Any] = {
            "filter_subject": _subjects(service),
            "ack_policy": AckPolicy.EXPLICIT,
            "deliver_policy": DeliverPolicy.ALL,
            "max_deliver": -1,
            "ack_wait": 2,
            **overrides,
        }
        durable = f"grants-ledger-{service}"
        config = ConsumerConfig(name=durable, durable_name=durable, **settings)

        async def go(js: JetStreamContext) -> None:
            await js.add_consumer(stream_name(NAMESPACE, service), config)

        self.run(go)

    def delete_consumer(self, service: str = "registry") -> None:
        async def go(js: JetStreamContext) -> None:
            await js.delete_consumer(stream_name(NAMESPACE, service), f"grants-ledger-{service}")

        self.run(go)

    def delete_message(self, sequence: int) -> None:
        async def go(js: JetStreamContext) -> None:
            await js.delete_msg(STREAM, sequence)

        self.run(go)

    def stream_length(self, service: str = "registry") -> int:
        async def go(js: JetStreamContext) -> int:
            return int((await js.stream_info(stream_name(NAMESPACE, service))).state.messages)

        return self.run(go)


def _subjects(service: str) -> str:
    return stream_subjects(NAMESPACE, service)


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
        path = os.pathsep.join(p for p in (str(self.root), str(KIT), os.environ.get("PYTHONPATH", "")) if p)
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

    def start(self, *, preload: str | None = None, faststream: bool = False, **overrides: str) -> None:
        """Run `python -m kyodo_subscriber`; with `preload`, a module of the test's (in `root`) is imported first,
        as a subscriber's own handlers module would be (e.g. to register a v2 handler); with `faststream`, the
        README's other way, `faststream run kyodo_subscriber.app:app`."""
        self.starts += 1
        if preload:
            command = ["-c", f"import {preload}; from kyodo_subscriber.__main__ import main; main()"]
        elif faststream:
            command = ["-m", "faststream", "run", "kyodo_subscriber.app:app"]
        else:
            command = ["-m", "kyodo_subscriber"]
        log = (self.root / f"kit-{self.starts}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, *command],
            env=self.env(**overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def refused(self, error: str, timeout: float = 30.0) -> str:
        """Wait for a start that must be refused with `error` (a StartRefused's class name) as an operator sees it:
        exit 1, one line `kyodo_subscriber: cannot start (<error>): <what to do>`, the refusal logged as the kit's
        event too, no traceback. The line, for the test to read what it says."""
        assert self.process is not None
        code = self.process.wait(timeout)
        this = (self.root / f"kit-{self.starts}.log").read_text(errors="replace")
        assert code == 1, this[-3000:]
        assert "Traceback" not in this, this[-3000:]
        head = f"kyodo_subscriber: cannot start ({error}): "
        lines = [line for line in this.splitlines() if line.startswith(head)]
        assert len(lines) == 1, this[-3000:]
        assert f"start_refused error={error}: {lines[0].removeprefix(head)}" in this, this
        return lines[0]

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

    def tracked(self, source: str = SOURCE) -> int:
        rows = self.query(f"SELECT sequence FROM tracking WHERE source = '{source}'")
        return int(rows[0][0]) if rows else 0

    def tracked_or_zero(self) -> int:
        try:
            return self.tracked()
        except sqlite3.OperationalError:  # not created yet
            return 0

    def journal(self) -> list[int]:
        """Sequences of applied events in the order they were applied (the journal's insertion order)."""
        return [int(r[0]) for r in self.query("SELECT sequence FROM group_journal ORDER BY id")]

    def applied_in_order(self, source: str) -> list[int]:
        """Sequences of a source's messages in the order their bookkeeping was written (followed or not)."""
        return [
            int(r[0])
            for r in self.query(f"SELECT sequence FROM applied_events WHERE source = '{source}' ORDER BY rowid")
        ]

    def parked(self) -> list[tuple[Any, ...]]:
        return self.query("SELECT sequence, failures, error_class, parked_at FROM parked ORDER BY sequence")

    def wait_tracked(self, sequence: int, timeout: float = 30.0, source: str = SOURCE) -> None:
        wait_for(
            lambda: self.tracked(source) >= sequence,
            timeout,
            f"tracked sequence {sequence} of {source}\n{self.log()[-3000:]}",
            tolerate=(sqlite3.OperationalError,),
        )

    def wait_log(self, text: str, count: int = 1, timeout: float = 30.0) -> None:
        wait_for(
            lambda: self.log().count(text) >= count, timeout, f"{count}× {text!r} in the log\n{self.log()[-3000:]}"
        )
