"""The decoding half of `kyodo replay`'s two-process pipeline: header parsing, CloudEvents decoding, contract
validation and row building, in a process of its own, while the replaying process receives and commits.

Within one CPython process these steps cost more than receiving the messages does (bench/RESULTS.md, issue 14:
P4), so on one core a rebuild could never come near the speed of a raw consumer. The receiving process hands
each message's header block unparsed (`RawHeaders`); this process parses it with nats-py's own parser, decodes it
exactly as `SourceConsumer` does (same contract table, same rules for types not followed and for poison), and
hands back, per run of one type, either the rows a `SplitBatch` prepares or the envelopes themselves. Nothing is
written here: effects and tracking commit in the replaying process, in one transaction per batch.
"""

from __future__ import annotations

import pickle
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from multiprocessing.connection import Connection
from typing import Any

from nats.aio.msg import Msg

from kyodo_contracts import catalog
from kyodo_shared.bus.cloudevents import (
    H_SEQUENCE,
    H_TYPE,
    Envelope,
    MessageIdentity,
    PoisonMessage,
    decode,
    identity_of,
    sequence_of,
)
from kyodo_shared.bus.consumer import delivered
from kyodo_shared.bus.crashpoints import crash_point
from kyodo_shared.store.db import Tx

# A received message as the replaying process ships it: its header block (unparsed bytes, or already parsed when
# nats-py had to read it), its body and its reply subject (JetStream's delivery metadata).
Raw = tuple[bytes | dict[str, str] | None, bytes, str]
Prepare = Callable[[Sequence[Envelope]], list[Any]]
# What `str.isspace` calls whitespace among ASCII characters (nats-py skips a header name containing any).
_ASCII_SPACE = frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")


class RawHeaders(Mapping[str, str]):
    """A message's header block, parsed on first use (`parse_headers`: the same result as nats-py's parser)."""

    __slots__ = ("_parsed", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._parsed: dict[str, str] | None = None

    def _headers(self) -> dict[str, str]:
        if self._parsed is None:
            self._parsed = parse_headers(self.raw)
        return self._parsed

    def __bool__(self) -> bool:
        # nats-py asks whether a message has headers before it looks for a status: it has, unparsed.
        return True

    def __getitem__(self, key: str) -> str:
        return self._headers()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers())

    def __len__(self) -> int:
        return len(self._headers())


def parse_headers(raw: bytes) -> dict[str, str]:
    """nats-py's `Client._parse_header_lines`, the same result at a third of the cost (its per-name generator
    was most of it): names are ASCII without whitespace, values stripped and decoded as UTF-8 with replacement."""
    headers: dict[str, str] = {}
    for line in raw.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if not sep or not name.isascii():
            continue
        key = name.strip().decode("ascii")
        if _ASCII_SPACE.isdisjoint(key):
            headers[key] = value.strip().decode("utf-8", "replace")
    return headers


@dataclass(frozen=True)
class SplitBatch:
    """A batch handler in two halves, so a replay can build rows in the decoding process and write them in the
    committing one: `prepare` is pure (envelopes in, rows out; a module-level function, which a process can be
    handed), `write` writes the rows inside the caller's transaction. The live consumer calls it whole: both paths
    write the same rows.
    """

    prepare: Prepare
    write: Callable[[list[Any], Tx], None]

    def __call__(self, envelopes: Sequence[Envelope], tx: Tx) -> None:
        self.write(self.prepare(envelopes), tx)


@dataclass(frozen=True)
class Plan:
    """What the decoding process must know of the consumer: the types it follows and the split batch handlers."""

    followed: frozenset[str]
    prepares: Mapping[str, Prepare] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    """Ready to commit: messages first..last (in order) as runs of one type each, prepared rows or envelopes."""

    first: int
    last: int
    identity: MessageIdentity | None
    # (ce type, prepared, rows when prepared else envelopes); types not followed advance tracking only.
    groups: list[tuple[str, bool, list[Any]]]
    # False when the batch stopped early (a gap or a message that cannot be decoded): the rest is the live
    # consumer's, with its retry-and-park path.
    complete: bool


def _decode(msg: Msg, headers: dict[str, str] | None, sequence: int, plan: Plan) -> Envelope | None:
    # SourceConsumer._decode's rules, on the headers parsed here.
    event_type = (headers or {}).get(H_TYPE, "")
    if event_type not in plan.followed:
        if event_type in catalog():
            return None
        raise PoisonMessage("unknown or missing event type")
    if headers is None or H_SEQUENCE not in headers:
        headers = {H_SEQUENCE: str(sequence), **(headers or {})}
    return decode(headers, msg.data, delivery_count=delivered(msg))


def decode_batch(raws: Sequence[Raw], after: int, plan: Plan) -> Run:
    """The leading run of `raws` that follows `after` in order, decoded and prepared (`decode_run`'s rules)."""
    decoded: list[Envelope | None] = []
    identity: MessageIdentity | None = None
    for header_block, data, reply in raws:
        headers = parse_headers(header_block) if isinstance(header_block, bytes) else header_block
        # A message without a client: only its reply subject (delivery metadata) and body are read.
        msg = Msg(_client=None, reply=reply, data=data, headers=headers)  # type: ignore[arg-type]
        sequence = sequence_of(headers) or int(msg.metadata.sequence.stream)
        if sequence != after + 1 + len(decoded):
            break
        try:
            decoded.append(_decode(msg, headers, sequence, plan))
        except PoisonMessage:
            break
        identity = identity_of(msg.headers)
    groups: list[tuple[str, bool, list[Any]]] = []
    envelopes = [envelope for envelope in decoded if envelope is not None]
    for event_type, same_type in groupby(envelopes, key=lambda envelope: envelope.type):
        prepare = plan.prepares.get(event_type)
        batch = list(same_type)
        groups.append((event_type, True, prepare(batch)) if prepare else (event_type, False, batch))
    return Run(after + 1, after + len(decoded), identity, groups, complete=len(decoded) == len(raws))


def serve(inbox: Connection, outbox: Connection, plan: Plan, after: int) -> None:
    """The decoding process: batches in, runs out, in order, until an empty batch, an incomplete run or EOF."""
    # Ctrl-C reaches the whole process group: the replaying process decides, this one ends when its pipe does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while payload := inbox.recv_bytes():
            run = decode_batch(pickle.loads(payload), after, plan)  # noqa: S301 - from our own parent process
            outbox.send_bytes(pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL))
            crash_point("replay_worker_after_batch")
            after = run.last
            if not run.complete:
                break
    except (EOFError, BrokenPipeError):
        pass  # the replaying process stopped: nothing here is kept
    finally:
        outbox.close()
