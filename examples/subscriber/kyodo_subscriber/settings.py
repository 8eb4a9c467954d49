"""Settings from environment variables (`KYODO_SUB_*`): twelve-factor, nothing else to install."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kyodo_contracts import stream_name, stream_subjects

PREFIX = "KYODO_SUB_"


def _env(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, "").strip() or default


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


@dataclass(frozen=True)
class Fault:
    """FAULT INJECTION, for tests and drills only: the handler of `source` fails at `sequence` while fewer than
    `times` failures are recorded for it (None: always). Set with KYODO_SUB_FAULT=<source>:<sequence>:<times|always>.
    """

    source: str
    sequence: int
    times: int | None

    @classmethod
    def parse(cls, raw: str) -> Fault | None:
        if not raw:
            return None
        source, sequence, times = raw.split(":")
        return cls(source, int(sequence), None if times == "always" else int(times))


@dataclass(frozen=True)
class Settings:
    nats_url: str
    nats_user: str | None
    nats_password: str | None
    # The PEM file of the CA of Kyodo's NATS certificate: set, the subscriber connects over TLS trusting it alone
    # (connection.py; README §3, TLS).
    tls_ca_file: Path | None
    namespace: str
    sources: tuple[str, ...]
    # The subscriber's name: its durable consumers are "<name>-<source>" (the reader user's permissions name them).
    name: str
    db_path: Path
    # The operator created the durable consumers (README §2), the default: the subscriber then only binds, and needs
    # no permission to create consumers — a permission that would let the reader make the server publish the streams'
    # messages to any subject (a push consumer's deliver subject). False: it creates them itself (development only).
    consumer_precreated: bool
    batch_size: int
    fetch_timeout: float
    ack_wait: float
    max_failures: int
    retry_base: float
    retry_max: float
    hold_delay: float
    park_recheck: float
    # A message held behind a missing sequence this long is logged once and recorded as a gap (`parked list`).
    gap_alert: float
    # How long a write waits for SQLite's lock (the operator's CLI, another source) before it is retried later.
    db_busy_timeout: float
    fault: Fault | None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            nats_url=_env("NATS_URL", "nats://127.0.0.1:4222"),
            nats_user=_env("NATS_USER", "") or None,
            nats_password=_env("NATS_PASSWORD", "") or None,
            tls_ca_file=Path(ca) if (ca := _env("TLS_CA_FILE", "")) else None,
            namespace=_env("NAMESPACE", "kyodo"),
            sources=tuple(s.strip() for s in _env("SOURCES", "registry").split(",") if s.strip()),
            name=_env("NAME", "grants-ledger"),
            db_path=Path(_env("DB", "kyodo-subscriber.sqlite")),
            consumer_precreated=_env("CONSUMER_PRECREATED", "true").lower() in ("1", "true", "yes"),
            batch_size=int(_env("BATCH_SIZE", "64")),
            fetch_timeout=_float("FETCH_TIMEOUT", 0.5),
            ack_wait=_float("ACK_WAIT", 30.0),
            max_failures=int(_env("MAX_FAILURES", "5")),
            retry_base=_float("RETRY_BASE", 1.0),
            retry_max=_float("RETRY_MAX", 60.0),
            hold_delay=_float("HOLD_DELAY", 0.5),
            park_recheck=_float("PARK_RECHECK", 5.0),
            gap_alert=_float("GAP_ALERT", 60.0),
            db_busy_timeout=_float("DB_BUSY_TIMEOUT", 10.0),
            fault=Fault.parse(_env("FAULT", "")),
        )

    def stream(self, source: str) -> str:
        return stream_name(self.namespace, source)

    def subjects(self, source: str) -> str:
        return stream_subjects(self.namespace, source)

    def durable(self, source: str) -> str:
        return f"{self.name}-{source}"

    @property
    def inbox_prefix(self) -> str:
        """This subscriber's own inbox prefix, `_INBOX_<name>` (`-` → `_`): the reader user may subscribe only
        under it, so it never receives the replies and pulled messages of other users (nats-reader.conf)."""
        return "_INBOX_" + self.name.replace("-", "_").replace(".", "_")

    def source_uri(self, source: str) -> str:
        """The `ce-source` of a service's events (whatever the namespace), the key tracking is kept under."""
        return source_uri(source)


def source_uri(source: str) -> str:
    """`registry` or `/kyodo/registry` → `/kyodo/registry`."""
    return source if source.startswith("/") else f"/kyodo/{source}"
