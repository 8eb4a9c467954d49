"""What the org aggregates share: the id namespace, calendar dates in Asia/Tokyo."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

# Fixed forever: ids derived from it (the team, a person's interests, the directories) must never change.
ORG_NAMESPACE = UUID("e758ba80-70de-4c31-9b70-8fa69d50a8d0")

Trace = dict[str, str]


def derived_id(name: str) -> UUID:
    return uuid5(ORG_NAMESPACE, name)


def day(text: str) -> date:
    # Events keep dates as ISO text: the stored JSON stays readable for auditors and needs no custom transcoding.
    return date.fromisoformat(text)
