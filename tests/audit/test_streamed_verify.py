"""A streamed verification (issue 14, P5) still finds one altered, deleted or reordered event deep in a long
history, by database and as the audit API's records arrive, and holds no more memory for a longer history."""

from __future__ import annotations

import hashlib
import tracemalloc
import uuid
from collections import deque
from collections.abc import Iterator

import pytest

from kyodo_shared.audit.chain import GENESIS, Chainer, next_link
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.history import StoredHistory, WalkRow
from kyodo_shared.audit.local import verify_local
from kyodo_shared.audit.records import AuditRecord, history_end, records_from_store
from kyodo_shared.audit.verify import PinFile, VerifyReport, verify, walk_chain

from support.audit import Event, History, on_both_backends

LENGTH = 5000
DEEP = 4000


def long_history(history: History, length: int = LENGTH) -> None:
    """One real application, copied under fresh ids to `length` stored events, chained by the chainer and signed
    every 1000 events, as a running service chains and signs them."""
    history.add_group("g0")
    position = 1
    while position < length:
        history.seed(copies_of_the_first_event(history, range(position + 1, min(position + 1000, length + 1))))
        Chainer(history.app, history.chain).extend()
        assert history.checkpointer.sign_if_due(force=True) is not None
        position = history_end(history.app.recorder)  # after the checkpoint log's own events
    Chainer(history.app, history.chain).extend()


def copies_of_the_first_event(history: History, positions: range) -> list[Event]:
    """The first stored event under a fresh id at each position (its own id in its bytes replaced too)."""
    _, originator, _, topic, state = history.stored_events()[0]
    copies = []
    for position in positions:
        fresh = uuid.uuid5(uuid.NAMESPACE_URL, f"kyodo-test:{position}")
        copies.append((position, fresh, 1, topic, state.replace(originator.hex.encode(), fresh.hex.encode())))
    return copies


def by_api(history: History) -> VerifyReport:
    """What `kyodo audit verify --url` does with the records it reads: one pass over records as they arrive (a
    generator, never a list, as a page at a time would be), the chain's hashes read again only when needed."""

    def arriving() -> Iterator[AuditRecord]:
        for record in records_from_store(history.app.recorder, history.chain):
            yield AuditRecord.from_dict(record.as_dict())  # as they cross the wire

    def rescan() -> Iterator[tuple[int, str]]:
        return ((r.position, r.chain.state_hash) for r in arriving() if r.chain is not None)

    checkpoints = stored_checkpoints(history.app, "registry")
    return verify("registry", arriving(), checkpoints, dict(history.keys.public), history.pins, rescan=rescan)


VERIFIERS = {"by database": History.verify, "by the audit API's records": by_api}


@pytest.fixture
def long(history: History) -> History:
    long_history(history)
    report = history.verify()
    assert report.ok, report.as_dict()
    assert report.events == history_end(history.app.recorder)
    assert report.checkpoints_valid >= LENGTH // 1000 - 1
    return history


@on_both_backends
@pytest.mark.parametrize("how", VERIFIERS)
def test_one_event_changed_deep_in_a_long_history_is_found_where_it_was_changed(long: History, how: str) -> None:
    long.alter_state(DEEP, "本町", "元町")
    report = VERIFIERS[how](long)
    assert not report.ok
    assert (report.first_problem, report.findings[0].kind) == (DEEP, "altered")
    # Every later link and every checkpoint signed after it no longer follow from the stored events.
    assert {f.kind for f in report.findings[1:]} == {"chain_broken", "checkpoint_mismatch"}
    assert min(f.position for f in report.findings if f.kind == "checkpoint_mismatch") > DEEP
    # The later links are one finding, a run to the history's end, not one per event: the report of an early
    # alteration in a long history stays short and the verifier's memory bounded.
    end = history_end(long.app.recorder)
    (broken,) = [f for f in report.findings if f.kind == "chain_broken"]
    assert broken.position == DEEP + 1
    assert broken.detail.startswith(f"stored links at positions {DEEP + 1}–{end} ({end - DEEP}) do not follow")


@on_both_backends
@pytest.mark.parametrize("how", VERIFIERS)
def test_one_event_deleted_deep_in_a_long_history_is_found_where_it_was(long: History, how: str) -> None:
    long.delete_event(DEEP)
    report = VERIFIERS[how](long)
    assert (report.first_problem, report.findings[0].kind) == (DEEP, "deleted")


@on_both_backends
@pytest.mark.parametrize("how", VERIFIERS)
def test_two_events_swapped_deep_in_a_long_history_are_found_as_reordered(long: History, how: str) -> None:
    first, second = DEEP - 1500, DEEP
    long.swap(first, second)
    report = VERIFIERS[how](long)
    reordered = [(f.position, f.kind, f.detail) for f in report.findings if f.kind == "reordered"]
    assert reordered == [
        (first, "reordered", f"holds the event chained at position {second}"),
        (second, "reordered", f"holds the event chained at position {first}"),
    ]
    assert report.first_problem == first
    # The links after each moved event stop following the chain: one run up to the next moved event, which closes
    # it, and one from there to the history's end.
    end = history_end(long.app.recorder)
    runs = [(f.position, f.detail.split(" do not")[0]) for f in report.findings if f.kind == "chain_broken"]
    assert runs == [
        (first + 1, f"stored links at positions {first + 1}–{second - 1} ({second - first - 1})"),
        (second + 1, f"stored links at positions {second + 1}–{end} ({end - second})"),
    ]


@on_both_backends
def test_a_history_cut_off_at_its_tail_does_not_verify_against_checkpoints_read_before(long: History) -> None:
    # The checkpoints as an auditor holds them (a mirror, an earlier read); then the tail of both tables is removed.
    checkpoints = stored_checkpoints(long.app, "registry")
    last = max(c.position for c in checkpoints)
    cut = last - 300
    long.cut_tail(cut)

    def rows() -> Iterator[AuditRecord]:
        yield from records_from_store(long.app.recorder, long.chain)

    report = verify("registry", rows(), checkpoints, dict(long.keys.public), long.pins)
    assert not report.ok
    truncated = [f for f in report.findings if f.kind == "truncated"]
    assert [f.position for f in truncated] == [last]
    assert f"ends at position {cut}" in truncated[0].detail


@on_both_backends
def test_the_database_reader_streams_every_position_of_both_tables_in_order(long: History) -> None:
    long.delete_event(DEEP)
    rows = StoredHistory(long.db, long.app.recorder).walk(0, LENGTH)
    positions = [row[0] for row in rows]
    assert positions == list(range(1, LENGTH + 1))


def clean(length: int) -> Iterator[WalkRow]:
    """A valid chained history of `length` events, made as it is read."""
    originator, topic, link = str(uuid.uuid4()), "kyodo_registry.domain:Group.Applied", GENESIS
    for position in range(1, length + 1):
        hashed = hashlib.sha256(b"event %d" % position).digest()
        link = next_link(link, position, originator, 1, topic, hashed)
        yield position, originator, 1, topic, hashed, originator, 1, topic, hashed.hex(), link.hex()


def peak_bytes_of_a_walk(length: int) -> tuple[int, VerifyReport]:
    report = VerifyReport("registry")
    tracemalloc.start()
    try:
        walk_chain(clean(length), [], report, rescan=lambda: iter(()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, report


def test_a_walk_holds_no_more_memory_for_a_history_twenty_times_longer() -> None:
    short_peak, short = peak_bytes_of_a_walk(2_000)
    long_peak, long_report = peak_bytes_of_a_walk(40_000)
    assert (short.ok, short.events, long_report.ok, long_report.events) == (True, 2_000, True, 40_000)
    # Holding each row would take megabytes more (38,000 rows of ten fields); one row at a time takes nothing more.
    assert long_peak < short_peak + 64 * 1024, (short_peak, long_peak)


def peak_bytes_of_reading(history: History, stop: int) -> tuple[int, int]:
    """Python's peak memory while the database reader streams positions up to `stop`, hashing each event and
    dropping each row; and how many positions held both an event and its chain row."""
    deque(StoredHistory(history.db, history.app.recorder).walk(0, 10), maxlen=0)  # what is made once only
    rows = StoredHistory(history.db, history.app.recorder).walk(0, stop)
    complete = 0
    tracemalloc.start()
    try:
        for row in rows:
            complete += row[1] is not None and row[9] is not None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, complete


@on_both_backends
def test_the_database_reader_holds_no_more_memory_for_a_history_twenty_times_longer(history: History) -> None:
    history.add_group("g0")
    history.seed(copies_of_the_first_event(history, range(2, 20_001)))
    Chainer(history.app, history.chain).extend()
    short_peak, short = peak_bytes_of_reading(history, 1_000)
    long_peak, long_count = peak_bytes_of_reading(history, 20_000)
    assert (short, long_count) == (1_000, 20_000)
    # Holding the rows read would take some 25 MB more (19,000 events of 1.3 kB); one row at a time takes nothing
    # more. On PostgreSQL COPY's buffers are libpq's (C, unseen here, bounded by the socket's); the rows psycopg
    # makes of them are Python objects, seen.
    assert long_peak < short_peak + 64 * 1024, (short_peak, long_peak)


@on_both_backends
def test_a_pin_file_is_written_only_when_the_streamed_history_verified(long: History, tmp_path: object) -> None:
    long.delete_event(DEEP)
    pins = PinFile(long.pins.path.with_name("fresh-pins.json"))
    report = verify_local("registry", long.app, long.chain, dict(long.keys.public), pins)
    assert not report.ok
    assert not pins.path.exists()
