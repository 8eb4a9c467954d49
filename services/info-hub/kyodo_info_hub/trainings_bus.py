"""The center's trainings on the bus: the outbound map of its events, what the audit API shows of each, and the
aggregates' published type names (merged in `bus_center.py`).

Registrations leave only as counts: who registered (a sub, a group, a citizen's sealed envelope and hashes) stays in
info-hub. A draft and its revisions are the center's until announced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts import info_hub_trainings as c
from kyodo_info_hub.trainings import Training
from kyodo_shared.audit.visibility import EventPolicy, restricted
from kyodo_shared.bus.mapping import OutboundMap, events_of
from kyodo_shared.domain.actors import Role

_t = events_of(Training)


def _plan(kind: str, plan: dict[str, Any]) -> c.TrainingPlan:
    public = {k: v for k, v in plan.items() if k != "online_url"}  # the link is for registrants holding a seat
    return c.TrainingPlan.produce({"kind": kind, **public, "online": plan.get("online_url") is not None})


def _announced(e: Any) -> Sequence[Contract]:
    return [c.TrainingAnnounced(training_id=e.originator_id, plan=_plan(e.kind, e.plan), announced_at=e.announced_at)]


def _revised(e: Any) -> Sequence[Contract]:
    if not e.announced:
        return []  # a draft's revision: nothing public yet
    return [c.TrainingRevised(training_id=e.originator_id, plan=_plan(e.kind, e.plan), revised_at=e.revised_at)]


def _cancelled(e: Any) -> Sequence[Contract]:
    return [
        c.TrainingCancelled(
            training_id=e.originator_id, reason_ja=e.reason_ja, reason_en=e.reason_en, cancelled_at=e.cancelled_at
        )
    ]


def _changed(change: str, at: str) -> Any:
    def to_contracts(e: Any) -> Sequence[Contract]:
        return [
            c.TrainingRegistrationsChanged(
                training_id=e.originator_id,
                change=c.RegistrationChange(change),
                counts=c.TrainingCounts.produce(e.counts),
                at=getattr(e, at),
            )
        ]

    return to_contracts


def _reminder(e: Any) -> Sequence[Contract]:
    return [
        c.TrainingReminderDue(
            training_id=e.originator_id, starts_at=e.starts_at, counts=c.TrainingCounts.produce(e.counts)
        )
    ]


def _attendance(e: Any) -> Sequence[Contract]:
    return [
        c.TrainingAttendanceRecorded(
            training_id=e.originator_id, counts=c.TrainingCounts.produce(e.counts), recorded_at=e.recorded_at
        )
    ]


def _minutes(e: Any) -> Sequence[Contract]:
    return [
        c.TrainingMinutesPublished(
            training_id=e.originator_id,
            minutes_ja=e.minutes_ja,
            minutes_en=e.minutes_en,
            revision=e.revision,
            published_at=e.published_at,
        )
    ]


OUTBOUND = OutboundMap(
    {
        _t.Announced: _announced,
        _t.Revised: _revised,
        _t.Cancelled: _cancelled,
        _t.Registered: _changed("registered", "at"),
        _t.Waitlisted: _changed("waitlisted", "at"),
        _t.RegistrationCancelled: _changed("cancelled", "cancelled_at"),
        _t.Promoted: _changed("promoted", "promoted_at"),
        _t.ReminderDue: _reminder,
        _t.AttendanceRecorded: _attendance,
        _t.MinutesPublished: _minutes,
    },
    internal=[
        _t.Drafted,  # a draft is the center's own until it is announced (Announced publishes the plan)
    ],
)

_TOPIC = "kyodo_info_hub.trainings:Training"
# Who registered (subs, groups, a citizen's sealed envelope and keyed hashes) and the center's drafts: the center
# and auditors. What the public sees of these is the counts, in the public events.
CENTER = EventPolicy(event=restricted(Role.COORDINATOR, Role.AUDITOR))

VISIBILITY: dict[str, EventPolicy] = {
    **{f"{_TOPIC}.{n}": EventPolicy() for n in ("Announced", "Cancelled", "ReminderDue", "MinutesPublished")},
    **{
        f"{_TOPIC}.{n}": CENTER
        for n in (
            "Drafted",
            "Revised",
            "Registered",
            "Waitlisted",
            "RegistrationCancelled",
            "Promoted",
            "AttendanceRecorded",
        )
    },
}
AGGREGATES: dict[str, str] = {_TOPIC: "info-hub.Training"}
