"""What the coordinator's pages read that no API route answers: the assessment queue in the order applications
came in, the information exchange of the current round, and whether the viewer may decide on a group at all.

Read from the registry's own store only. The queue's candidates come from the group index (statuses); which
registered groups have a re-check open, and since when each group waits, come from the groups' own events, so the
queue needs no column the index does not keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate

from kyodo_registry.app import RegistryApplication
from kyodo_registry.domain import CRITERIA, Group
from kyodo_registry.vocabulary import INFORMATION_REQUESTED, LAPSED, REGISTERED, SUSPENDED, UNDER_REVIEW

# A group that applied (or re-applied) waits until decided; a registered one only while a re-check is open.
APPLYING = (UNDER_REVIEW, INFORMATION_REQUESTED)
RECHECKABLE = (REGISTERED, LAPSED, SUSPENDED)
# Event classes of the Group aggregate, by the names their stored topics end with.
_ROUND_STARTS = ("Applied", "Reapplied")


@dataclass(frozen=True)
class Exchange:
    """The current round's request for information and the group's answer to it, if any."""

    criteria: list[str]
    question: str
    requested_on: datetime
    answer: str = ""
    evidence: dict[str, str] = field(default_factory=dict)
    answered_on: datetime | None = None


@dataclass(frozen=True)
class Waiting:
    """One group in the assessment queue."""

    group_id: UUID
    name: str
    status: str
    kind: str  # "application", "reapplication" or "recheck"
    since: datetime  # when the group started waiting: its (re)application, or the re-check's opening
    round: int
    open_criteria: list[str]
    information: str  # "", "requested" (waiting for the group) or "answered"
    cause: str = ""  # a re-check's cause: bylaws_changed, tie_declared, interest_declared
    conflicted: bool = False  # the viewer may not assess it (they act for it or declared an interest in it)


def _events(app: RegistryApplication, group_id: UUID) -> list[Any]:
    return list(app.repository.event_store.get(group_id))


def _named(event: Any) -> str:
    return type(event).__name__


def open_criteria(group: Group) -> list[str]:
    """The criteria a coordinator may assess now (the domain's own rule, read from the state it keeps)."""
    if group.status == UNDER_REVIEW:
        return [str(c) for c in CRITERIA if c not in group.assessments]
    if group.status in RECHECKABLE:
        return [str(c) for c in CRITERIA if c in group.recheck and c not in group.assessments]
    return []


def exchange(events: list[Any]) -> Exchange | None:
    """The last request for information of the current round, with the answer that followed it."""
    found: Exchange | None = None
    for event in events:
        name = _named(event)
        if name in _ROUND_STARTS:
            found = None
        elif name == "InformationRequested":
            found = Exchange(list(event.criteria), str(event.question), event.timestamp)
        elif name == "InformationProvided" and found is not None:
            found = Exchange(
                found.criteria,
                found.question,
                found.requested_on,
                str(event.answer),
                dict(event.evidence),
                event.timestamp,
            )
    return found


def exchange_of(app: RegistryApplication, group_id: UUID) -> Exchange | None:
    return exchange(_events(app, group_id))


def _waiting(group: Group, events: list[Any]) -> Waiting | None:
    criteria = open_criteria(group)
    if group.status in APPLYING:
        start = next(e for e in reversed(events) if _named(e) in _ROUND_STARTS)
        talk = exchange(events)
        information = "" if talk is None else ("answered" if talk.answered_on else "requested")
        kind = "reapplication" if _named(start) == "Reapplied" else "application"
        return Waiting(
            group.id, group.profile["name"], group.status, kind, start.timestamp, group.round, criteria, information
        )
    if not criteria:
        return None
    opened = next(e for e in reversed(events) if _named(e) == "RecheckOpened")
    return Waiting(
        group.id,
        group.profile["name"],
        group.status,
        "recheck",
        opened.timestamp,
        group.round,
        criteria,
        "",
        str(opened.cause),
    )


def assessment_queue(app: RegistryApplication, viewer: str, offset: int, limit: int) -> tuple[list[Waiting], int]:
    """Every group waiting for an assessment, the longest-waiting first, and how many there are; on the page asked
    for, whether the viewer may not assess it (the application's conflict rule, read ahead to say so).

    The whole queue is built before it is paged: the order is by each group's own events, which the index does not
    hold. A registry has hundreds of groups, not millions; a `recheck` column in the index would spare the reads."""
    statuses = (*APPLYING, *RECHECKABLE)
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT group_id FROM registry_group_index WHERE status IN (%s, %s, %s, %s, %s)",
            [str(s) for s in statuses],
        )
    queue: list[tuple[Waiting, Group]] = []
    for (group_id,) in rows:
        events = _events(app, UUID(str(group_id)))
        # The group as its events make it: one read of them serves the state and the times.
        group = project_aggregate(None, events)
        if isinstance(group, Group) and (waiting := _waiting(group, events)) is not None:
            queue.append((waiting, group))
    queue.sort(key=lambda pair: (pair[0].since, str(pair[0].group_id)))
    shown = [replace(w, conflicted=conflicted(app, viewer, g)) for w, g in queue[offset : offset + limit]]
    return shown, len(queue)


def conflicted(app: RegistryApplication, sub: str, group: Group) -> bool:
    """Whether the application would refuse this coordinator's decisions on the group (`_impartial`): they act for
    it, or declared an interest in it. Read to say so beside the forms; the application still decides."""
    return group.acts_for(sub) or app.declared_interest(sub, group.id)


@dataclass(frozen=True)
class Earlier:
    """One criterion as the round before this one ended: its assessment and the evidence it was assessed on."""

    round: int
    met: bool | None  # None: not assessed in that round
    reason: str
    evidence: str
    changed: bool  # the group's evidence now differs from what that round assessed


def last_round(group: Group, events: list[Any]) -> dict[str, Earlier]:
    """For a reapplication (round 2 or later), each criterion's result in the previous round and whether the group
    changed its evidence since: what the group was asked to fix. Empty in a first round. Read from the group's
    events, as the state keeps only the current round's assessments."""
    declarations: dict[str, str] = {}
    assessed: dict[str, tuple[bool, str]] = {}
    before: tuple[int, dict[str, str], dict[str, tuple[bool, str]]] | None = None
    for event in events:
        name = _named(event)
        if name == "Reapplied":
            before = (int(event.round) - 1, declarations, assessed)
            declarations, assessed = dict(event.declarations), {}
        elif name == "Applied":
            declarations, assessed = dict(event.declarations), {}
        elif name == "InformationProvided":
            declarations = {**declarations, **dict(event.evidence)}
        elif name == "CriterionAssessed":
            assessed[str(event.criterion)] = (bool(event.met), str(event.reason))
    if before is None:
        return {}
    number, evidence, results = before
    return {
        str(c): Earlier(
            number,
            results[c][0] if c in results else None,
            results[c][1] if c in results else "",
            evidence.get(c, ""),
            evidence.get(c, "") != group.declarations.get(c, ""),
        )
        for c in CRITERIA
    }


def last_round_of(app: RegistryApplication, group: Group) -> dict[str, Earlier]:
    return last_round(group, _events(app, group.id)) if group.round > 1 else {}
