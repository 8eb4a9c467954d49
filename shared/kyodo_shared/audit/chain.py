"""The hash chain over a service's stored events, kept in its own table beside the event store.

link_n = SHA-256(link_{n-1} ‖ notification_id ‖ originator_id ‖ originator_version ‖ topic ‖ SHA-256(state)),
each text field length-prefixed so no two different events can encode alike. Hashing the stored bytes (not the
decoded event) keeps encrypted personal data verifiable after its key is destroyed.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from kyodo_shared.store.db import Database
from kyodo_shared.store.migrations import upgrade_kernel
from kyodo_shared.tasks.aio import sleep_or_stop

log = structlog.get_logger(__name__)

GENESIS = bytes(32)


def state_hash(state: bytes) -> bytes:
    return hashlib.sha256(state).digest()


_LENGTH = struct.Struct(">I").pack


def next_link(
    previous: bytes, notification_id: int, originator_id: str, originator_version: int, topic: str, hashed: bytes
) -> bytes:
    # One SHA-256 over the joined bytes equals updating field by field; a verifier walks millions of these, and
    # one call per link is about three times faster in CPython. A topic's length-prefixed bytes are kept (a
    # service has a few dozen topics).
    position, originator, version = b"%d" % notification_id, originator_id.encode(), b"%d" % originator_version
    name = _TOPICS.get(topic) or _topic(topic)
    return hashlib.sha256(
        b"".join(
            (
                previous,
                _LENGTH(len(position)),
                position,
                _LENGTH(len(originator)),
                originator,
                _LENGTH(len(version)),
                version,
                name,
                hashed,
            )
        )
    ).digest()


_TOPICS: dict[str, bytes] = {}


def _topic(topic: str) -> bytes:
    encoded = topic.encode()
    prefixed = _LENGTH(len(encoded)) + encoded
    if len(_TOPICS) < 10_000:  # bounded whatever a tampered store holds
        _TOPICS[topic] = prefixed
    return prefixed


# The correlation id the chainer indexes for an event without one (NULL marks a row chained before the index).
NO_CORRELATION = ""


def correlation_of(mapper: Any, state: bytes) -> str:
    """The correlation id in a stored event's trace, decoded as the mapper decodes the event (its cipher and
    compressor, if any, then its transcoder), or NO_CORRELATION."""
    try:
        if mapper.cipher:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor:
            state = mapper.compressor.decompress(state)
        decoded = mapper.transcoder.decode(state)
    except Exception:  # noqa: BLE001 - an undecodable event is chained all the same; verify reports its bytes
        return NO_CORRELATION
    trace = decoded.get("trace") if isinstance(decoded, dict) else None
    found = trace.get("correlation_id") if isinstance(trace, dict) else None
    return found if isinstance(found, str) else NO_CORRELATION


@dataclass(frozen=True)
class ChainEntry:
    """The chain fields of one stored event: what the audit API always shows, whatever the body's visibility."""

    notification_id: int
    originator_id: str
    originator_version: int
    topic: str
    state_hash: str
    link: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.notification_id,
            "originator_id": self.originator_id,
            "originator_version": self.originator_version,
            "topic": self.topic,
            "state_hash": self.state_hash,
            "link": self.link,
        }


def entries_for(notifications: Sequence[Any], previous: bytes) -> list[ChainEntry]:
    """Chain entries for stored notifications that follow a link."""
    entries = []
    for n in notifications:
        hashed = state_hash(bytes(n.state))
        previous = next_link(previous, n.id, str(n.originator_id), n.originator_version, n.topic, hashed)
        entries.append(
            ChainEntry(n.id, str(n.originator_id), n.originator_version, n.topic, hashed.hex(), previous.hex())
        )
    return entries


class ChainStore:
    """The chain table of one service."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def migrate(self) -> None:
        # The chain is a kernel table: the kernel lineage creates it with the others (store/migrations).
        upgrade_kernel(self.db)

    def head(self) -> tuple[int, bytes]:
        with self.db.transaction() as tx:
            row = tx.fetchone(
                "SELECT notification_id, link FROM kyodo_audit_chain ORDER BY notification_id DESC LIMIT 1"
            )
        return (int(row[0]), bytes.fromhex(str(row[1]))) if row else (0, GENESIS)

    def append(
        self, entries: Sequence[ChainEntry], expected_head: int, correlations: Sequence[str] | None = None
    ) -> None:
        """Add entries after `expected_head`; `correlations` (one per entry) index the audit API's correlation
        filter (not part of the chain: the filter re-reads each event's own trace)."""
        ids = list(correlations) if correlations is not None else [None] * len(entries)
        with self.db.transaction() as tx:
            row = tx.fetchone("SELECT MAX(notification_id) FROM kyodo_audit_chain")
            if (int(row[0]) if row and row[0] is not None else 0) != expected_head:
                raise RuntimeError("the chain moved: another chainer is running")
            tx.executemany(
                "INSERT INTO kyodo_audit_chain (notification_id, originator_id, originator_version, topic, "
                "state_hash, link, correlation_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (e.notification_id, e.originator_id, e.originator_version, e.topic, e.state_hash, e.link, c)
                    for e, c in zip(entries, ids, strict=True)
                ],
            )

    def entries(self, after: int = 0, limit: int = 1000) -> list[ChainEntry]:
        with self.db.transaction() as tx:
            rows = tx.fetchall(
                "SELECT notification_id, originator_id, originator_version, topic, state_hash, link "
                "FROM kyodo_audit_chain WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
                (after, limit),
            )
        return [ChainEntry(int(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5])) for r in rows]

    def unindexed(self, limit: int) -> list[int]:
        """Positions chained before the correlation index existed (kernel_0003), first ones first."""
        with self.db.transaction(read_only=True) as tx:
            rows = tx.fetchall(
                "SELECT notification_id FROM kyodo_audit_chain WHERE correlation_id IS NULL "
                "ORDER BY notification_id LIMIT %s",
                (limit,),
            )
        return [int(r[0]) for r in rows]

    def index(self, correlations: Sequence[tuple[int, str]]) -> None:
        with self.db.transaction() as tx:
            tx.executemany(
                "UPDATE kyodo_audit_chain SET correlation_id = %s "
                "WHERE notification_id = %s AND correlation_id IS NULL",
                [(c, position) for position, c in correlations],
            )

    def link_at(self, notification_id: int) -> str | None:
        with self.db.transaction() as tx:
            row = tx.fetchone("SELECT link FROM kyodo_audit_chain WHERE notification_id = %s", (notification_id,))
        return str(row[0]) if row else None


def iter_notifications(recorder: Any, after: int = 0, page: int = 1000) -> Iterator[Any]:
    """Every stored notification after a position, in order, read in pages."""
    while True:
        batch = recorder.select_notifications(start=after, limit=page, inclusive_of_start=False)
        if not batch:
            return
        yield from batch
        after = batch[-1].id
        if len(batch) < page:
            return


class Chainer:
    """Extends the chain as events are stored; a few hundred milliseconds behind the store at most."""

    def __init__(self, application: Any, store: ChainStore, poll_seconds: float = 0.5, batch: int = 1000) -> None:
        self.app, self.store, self.poll_seconds, self.batch = application, store, poll_seconds, batch
        self._nudge = asyncio.Event()

    def nudge(self) -> None:
        self._nudge.set()

    def extend(self) -> int:
        """Chain every stored event not chained yet; returns how many were added."""
        position, link = self.store.head()
        added = 0
        while True:
            notifications = self.app.recorder.select_notifications(
                start=position, limit=self.batch, inclusive_of_start=False
            )
            if not notifications:
                return added
            entries = entries_for(notifications, link)
            correlations = [correlation_of(self.app.mapper, bytes(n.state)) for n in notifications]
            self.store.append(entries, position, correlations)
            position, link = entries[-1].notification_id, bytes.fromhex(entries[-1].link)
            added += len(entries)

    def backfill(self) -> int:
        """Index the correlation ids of one batch of rows chained before the index existed; how many."""
        positions = self.store.unindexed(self.batch)
        if not positions:
            return 0
        notifications = self.app.recorder.select_notifications(start=positions[0], stop=positions[-1], limit=self.batch)
        # A full batch may end before the last position asked for: index only the range it covered.
        covered = notifications[-1].id if len(notifications) == self.batch else positions[-1]
        found = {n.id: correlation_of(self.app.mapper, bytes(n.state)) for n in notifications}
        # A chained event missing from the store is what verify reports; no correlation search can show it.
        done = [(p, found.get(p, NO_CORRELATION)) for p in positions if p <= covered]
        self.store.index(done)
        return len(done)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before the round, not after it: a nudge for a commit the round's read missed is kept.
            self._nudge.clear()
            try:
                await asyncio.to_thread(self.extend)
                if await asyncio.to_thread(self.backfill):
                    continue  # more rows to index: no pause until done (each batch is one short transaction)
            except Exception as exc:  # noqa: BLE001 - keep chaining after a transient store error
                log.warning("chain_error", error=type(exc).__name__)
                await sleep_or_stop(stop, 1.0)
                continue
            waiters = [asyncio.ensure_future(self._nudge.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
