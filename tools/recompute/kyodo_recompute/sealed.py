"""A call's sealed chain, recomputed by the auditor from the service's sealed store once its sealed period ended.

Sealed proposals and each call's gate are kept in a store of their own, which nothing public reads. The event that
ended the call's sealed period (`proposals.Call.Closed`, or `proposals.Call.Cancelled` for a published call) records
`sealed_chain = {"ids": [...], "count": n, "head": "<hex>"}`: the chain over exactly the call's sealed events (those
of the aggregates `ids`, its gate's and its proposals'), in the order the sealed store recorded them, where

    link_k = SHA-256(link_{k-1} ‖ k ‖ originator_id ‖ originator_version ‖ topic ‖ SHA-256(state))

each of the four text fields prefixed by its UTF-8 length as 4 bytes big-endian, k = 1, 2, … counting this call's
sealed events only, link_0 = 32 zero bytes; head = the last link in hex (64 zeros when there is none).

The formula is restated here from its documented form (kyodo_shared/store/sealed.py, audit/chain.py) rather than
imported, as the rest of the recompute restates the ranking: a bug in the service's or the kernel's chain code then
shows up as a disagreement instead of being reproduced. The sealed store is paged through the eventsourcing recorder's
own interface; nothing of the kernel's audit code runs here.

What is checked: the recorded count and head against the sealed store now (an event removed, altered or added there
afterwards changes one or both), and every proposal revealed at the review's opening against the recorded ids (the
board must only ever see what was sealed).

A closing event may record no chain: a call whose gate was opened in the service's own store before the sealed store
existed records none (its sealed events are in the public chain). Which calls those are cannot be told without the
sealing key (a gate's id is an HMAC of the call's id), so an absent chain is a finding only where no call can be such
a call: the service keeps a sealed store and its public store holds no gate event at all (every call closed before
the sealed store existed left its gate there: the close created and shut it in the same save). Otherwise the absence
is a note, which is no problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from kyodo_recompute.checks import Finding, Note, finding, note
from kyodo_recompute.history import GATE_TYPES, History

__all__ = ["SealedCheck", "SealedRecord", "SealedStore", "chain_over", "check_sealed", "read_sealed_store"]

_PAGE = 500


@dataclass(frozen=True)
class SealedRecord:
    """One sealed event's chain fields: never its body, only the SHA-256 of its stored state bytes."""

    originator_id: str
    originator_version: int
    topic: str
    state_hash: bytes

    @staticmethod
    def of(originator_id: Any, originator_version: int, topic: str, state: bytes) -> SealedRecord:
        return SealedRecord(str(originator_id), int(originator_version), str(topic), hashlib.sha256(state).digest())


@dataclass(frozen=True)
class SealedStore:
    """What the auditor read of the stores for one call.

    `records`: the sealed store's events of the aggregates the call's closing event named, in the store's order
    (none read when it named none); None when the service keeps no sealed store. `public_gates`: whether the service's
    public store holds any gate event (looked for only when the closing event records a null chain).
    """

    records: tuple[SealedRecord, ...] | None
    public_gates: bool = False


@dataclass(frozen=True)
class _Recorded:
    ids: frozenset[str]
    count: int
    head: str


@dataclass
class SealedCheck:
    """The sealed chain's findings and notes, and what the report says of it (None: no sealed period has ended)."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    summary: dict[str, Any] | None = None


def chain_over(records: Iterable[SealedRecord], ids: Collection[str]) -> tuple[int, str]:
    """(count, head) of the chain over the events of `ids` among `records`, by the documented formula."""
    wanted = set(ids)
    link, count = bytes(32), 0
    for record in records:
        if record.originator_id not in wanted:
            continue
        count += 1
        digest = hashlib.sha256(link)
        for text in (str(count), record.originator_id, str(record.originator_version), record.topic):
            encoded = text.encode()
            digest.update(len(encoded).to_bytes(4, "big"))
            digest.update(encoded)
        digest.update(record.state_hash)
        link = digest.digest()
    return count, link.hex()


def check_sealed(history: History, store: SealedStore | None) -> SealedCheck:
    """The recorded sealed chain against the sealed store (`store`: None when it was not read, e.g. an export)."""
    ended_by = history.sealed_end
    if ended_by is None:
        return SealedCheck()  # the call still takes proposals, or was never published: no sealed period has ended
    summary: dict[str, Any] = {"ended_by": ended_by, "recorded": None, "recomputed": None, "revealed_checked": 0}
    check = SealedCheck(summary=summary)
    if history.sealed_chain is None:
        # Legacy-ness cannot be decided per call without the sealing key (see the module's docstring): a finding only
        # where no call can be legacy, a note elsewhere.
        if not history.sealed_chain_field:
            check.notes.append(note("sealed_chain_legacy", ended_by=ended_by))
        elif store is not None and store.records is not None and not store.public_gates:
            check.findings.append(finding("sealed_chain_missing", ended_by=ended_by))
        else:
            check.notes.append(note("sealed_chain_null", ended_by=ended_by))
        return check
    try:
        recorded = _parse(history.sealed_chain)
    except ValueError as error:
        check.findings.append(finding("sealed_chain_malformed", ended_by=ended_by, problem=str(error)))
        return check
    summary["recorded"] = {"ids": sorted(recorded.ids), "count": recorded.count, "head": recorded.head}
    for proposal in history.entries:
        if _canonical(proposal) not in recorded.ids:
            check.findings.append(finding("revealed_not_sealed", proposal, ended_by=ended_by))
    summary["revealed_checked"] = len(history.entries)
    if store is None:
        check.notes.append(note("sealed_store_not_read", ended_by=ended_by, recorded_count=recorded.count))
    elif store.records is None:
        check.findings.append(finding("sealed_store_missing", ended_by=ended_by))
    else:
        count, head = chain_over(store.records, recorded.ids)
        summary["recomputed"] = {"count": count, "head": head}
        if (count, head) != (recorded.count, recorded.head):
            check.findings.append(
                finding(
                    "sealed_chain_mismatch",
                    ended_by=ended_by,
                    recorded_count=recorded.count,
                    recomputed_count=count,
                    recorded_head=recorded.head,
                    recomputed_head=head,
                    recorded_short=recorded.head[:16],
                    recomputed_short=head[:16],
                )
            )
    return check


def read_sealed_store(
    application: Any, type_of: Callable[[str], str | None], sealed_application: Any, history: History
) -> SealedStore:
    """What `check_sealed` needs of the service's stores for this call, read while they are open: the sealed events
    of the recorded aggregates only (hashed as they are read; other calls' are skipped unread), and — when the
    closing event records a null chain — whether the public store holds a gate event (by type, nothing decoded)."""
    if sealed_application is None:
        return SealedStore(records=None)
    try:
        ids: frozenset[str] = _parse(history.sealed_chain).ids
    except ValueError:
        ids = frozenset()
    records = tuple(
        SealedRecord.of(n.originator_id, n.originator_version, n.topic, bytes(n.state))
        for n in (_notifications(sealed_application.recorder) if ids else ())
        if str(n.originator_id) in ids
    )
    public_gates = False
    if history.sealed_end is not None and history.sealed_chain_field and history.sealed_chain is None:
        public_gates = any(type_of(n.topic) in GATE_TYPES for n in _notifications(application.recorder))
    return SealedStore(records, public_gates)


def _notifications(recorder: Any) -> Iterator[Any]:
    """Every stored notification, in order, read in pages through the recorder's interface."""
    after = 0
    while True:
        batch = recorder.select_notifications(start=after, limit=_PAGE, inclusive_of_start=False)
        yield from batch
        if len(batch) < _PAGE:
            return
        after = batch[-1].id


def _parse(value: Any) -> _Recorded:
    """The recorded chain; ValueError says what is wrong with it."""
    if not isinstance(value, Mapping):
        raise ValueError("not an object with ids, count and head")
    ids, count, head = value.get("ids"), value.get("count"), value.get("head")
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise ValueError(f"ids is not a list of aggregate ids: {ids!r}")
    canonical = {_canonical(item) for item in ids}
    if any(item is None for item in canonical):
        raise ValueError(f"ids holds something that is not an aggregate id: {ids!r}")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"count is not a whole number: {count!r}")
    if not isinstance(head, str) or len(head) != 64 or any(c not in "0123456789abcdef" for c in head.lower()):
        raise ValueError(f"head is not 64 hexadecimal digits: {head!r}")
    return _Recorded(frozenset(item for item in canonical if item is not None), count, head.lower())


def _canonical(ident: str) -> str | None:
    """An aggregate id as the store prints it (lower-case, hyphenated); None for what is no UUID."""
    try:
        return str(UUID(ident))
    except (ValueError, TypeError, AttributeError):
        return None
