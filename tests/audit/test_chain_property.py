"""The audit chain detects any single change (hypothesis): for generated histories, the walk of the stored events
against their chain entries finds nothing in the history as written, and exactly where it was made any one change —
a stored event's bytes, its aggregate, version or type altered, a stored event deleted, two swapped, a chain entry's
link or hash rewritten."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_shared.audit.chain import entries_for, state_hash
from kyodo_shared.audit.records import AuditRecord, StoredFields
from kyodo_shared.audit.verify import VerifyReport, verify_chain

TOPICS = ("kyodo_registry.domain:Group.Applied", "kyodo_registry.domain:Group.Registered", "x:Y.Z")


@st.composite
def histories(draw: st.DrawFn) -> list[AuditRecord]:
    aggregates = draw(st.lists(st.uuids().map(str), min_size=1, max_size=4, unique=True))
    versions: dict[str, int] = {}
    stored = []
    for position in range(1, draw(st.integers(2, 30)) + 1):
        aggregate = draw(st.sampled_from(aggregates))
        versions[aggregate] = versions.get(aggregate, 0) + 1
        state = draw(st.binary(min_size=0, max_size=40))
        stored.append(SimpleNamespace(id=position, originator_id=aggregate, originator_version=versions[aggregate],
                                      topic=draw(st.sampled_from(TOPICS)), state=state))  # fmt: skip
    chain = entries_for(stored, bytes(32))
    return [
        AuditRecord(
            n.id, StoredFields(n.originator_id, n.originator_version, n.topic, state_hash(n.state).hex()), entry
        )
        for n, entry in zip(stored, chain, strict=True)
    ]


def verified(records: list[AuditRecord]) -> VerifyReport:
    report = VerifyReport(service="property")
    verify_chain(records, [], report)
    return report


def other_hex(value: str) -> str:
    return ("0" if value[0] != "0" else "1") + value[1:]


@settings(max_examples=150, deadline=None)
@given(histories())
def test_a_history_as_written_verifies(records: list[AuditRecord]) -> None:
    report = verified(records)
    assert report.ok, report.findings
    assert report.events == len(records)


@settings(max_examples=300, deadline=None)
@given(histories(), st.data())
def test_any_single_change_is_found_where_it_was_made(records: list[AuditRecord], data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(records) - 1))
    change = data.draw(
        st.sampled_from(["bytes", "aggregate", "version", "type", "deleted", "swapped", "link", "chained_hash"])
    )
    record = records[at]
    assert record.stored is not None
    assert record.chain is not None
    changed = list(records)
    first = record.position
    if change == "bytes":
        stored = dataclasses.replace(record.stored, state_hash=other_hex(record.stored.state_hash))
        changed[at] = dataclasses.replace(record, stored=stored)
    elif change == "aggregate":
        stored = dataclasses.replace(record.stored, originator_id=record.stored.originator_id + "-x")
        changed[at] = dataclasses.replace(record, stored=stored)
    elif change == "version":
        stored = dataclasses.replace(record.stored, originator_version=record.stored.originator_version + 1)
        changed[at] = dataclasses.replace(record, stored=stored)
    elif change == "type":
        stored = dataclasses.replace(record.stored, topic=record.stored.topic + "X")
        changed[at] = dataclasses.replace(record, stored=stored)
    elif change == "deleted":
        changed[at] = dataclasses.replace(record, stored=None)
    elif change == "swapped":
        other = data.draw(st.integers(0, len(records) - 1).filter(lambda i: i != at))
        if records[other].stored == record.stored:  # the very same event twice: swapping changes nothing
            return
        changed[at] = dataclasses.replace(record, stored=records[other].stored)
        changed[other] = dataclasses.replace(records[other], stored=record.stored)
        first = min(record.position, records[other].position)
    elif change == "link":
        changed[at] = dataclasses.replace(
            record, chain=dataclasses.replace(record.chain, link=other_hex(record.chain.link))
        )
    else:
        chain = dataclasses.replace(record.chain, state_hash=other_hex(record.chain.state_hash))
        changed[at] = dataclasses.replace(record, chain=chain)
    report = verified(changed)
    assert not report.ok, change
    assert report.first_problem == first, (change, report.findings)
