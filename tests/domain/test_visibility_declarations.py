"""Every event type whose visibility hides sealed or personal data carries a salt, so its hash confirms no guess."""

from __future__ import annotations

import dataclasses

import pytest
from eventsourcing.utils import resolve_topic

from kyodo_registry.visibility import POLICY


@pytest.mark.parametrize("topic", sorted(POLICY.events))
def test_an_event_with_sealed_or_personal_fields_declares_a_salt(topic: str) -> None:
    policy = POLICY.events[topic]
    event_class = resolve_topic(topic)
    fields = {f.name for f in dataclasses.fields(event_class)}
    assert set(policy.fields) <= fields, "the policy names fields the event does not have"
    if policy.needs_salt:
        assert "salt" in fields


def _event_classes(*aggregates: type) -> set[str]:
    topics = set()
    for aggregate in aggregates:
        for value in vars(aggregate).values():
            generic = value in (getattr(aggregate, "Event", None), getattr(aggregate, "Created", None))
            if isinstance(value, type) and issubclass(value, aggregate.Event) and not generic:  # type: ignore[attr-defined]
                topics.add(f"{value.__module__}:{value.__qualname__}")
    return topics


def test_every_proposals_event_type_has_a_declared_visibility() -> None:
    from kyodo_proposals.domain import Call
    from kyodo_proposals.review import Review
    from kyodo_proposals.sealed import Gate, Proposal
    from kyodo_proposals.visibility import POLICY as PROPOSALS

    assert _event_classes(Call, Review, Gate, Proposal) <= set(PROPOSALS.events)


@pytest.mark.parametrize("topic", sorted(k for k in __import__("kyodo_proposals.visibility").visibility.POLICY.events))
def test_a_sealed_proposals_event_carries_only_ciphertext_or_nothing(topic: str) -> None:
    from kyodo_proposals.visibility import POLICY as PROPOSALS

    policy = PROPOSALS.events[topic]
    if not policy.needs_salt:
        return
    fields = {f.name for f in dataclasses.fields(resolve_topic(topic))} - {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
    }
    # A random nonce inside the ciphertext keeps its hash from confirming a guess, as a salt would.
    assert fields <= {"sealed", "proposal_id", "gate_id"}, fields
