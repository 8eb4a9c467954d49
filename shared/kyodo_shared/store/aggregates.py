"""Loading an aggregate of a given kind from a repository: the one way every application does it.

Ids of every aggregate share one store, so an id of another kind (a committee's id given as a group's) is simply
not found — never an object of the wrong class handed to a use case.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from kyodo_shared.domain.refusals import Refusal

A = TypeVar("A")


def find(repository: Any, aggregate_id: UUID, kind: type[A]) -> A | None:
    """The aggregate, or None when there is none of that kind under the id."""
    try:
        aggregate = repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, kind) else None


def get(repository: Any, aggregate_id: UUID, kind: type[A], not_found: str) -> A:
    """The aggregate, or the refusal `not_found` (e.g. "group_not_found": 404)."""
    found = find(repository, aggregate_id, kind)
    if found is None:
        raise Refusal(not_found)
    return found
