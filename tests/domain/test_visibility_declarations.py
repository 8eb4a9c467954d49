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
