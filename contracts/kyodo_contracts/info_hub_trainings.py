"""Contracts published by info-hub for the civic activity center's trainings, courses and exchange meetings
(研修会・講座・意見交換会).

Public facts only: what was announced, revised or cancelled, the minutes of an exchange meeting, and counts of
registrations and attendance. No registrant appears here — neither a citizen's name or e-mail nor any registrant's
id: a registration is a number in the counts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel


class TrainingKind(StrEnum):
    TRAINING = "training"  # 研修会
    COURSE = "course"  # 講座
    EXCHANGE_MEETING = "exchange_meeting"  # 意見交換会


class TrainingAudience(StrEnum):
    GROUPS = "groups"  # 市民活動団体
    STAFF = "staff"  # 市職員
    CITIZENS = "citizens"  # 市民


class RegistrationChange(StrEnum):
    REGISTERED = "registered"  # 申込（参加確定）
    WAITLISTED = "waitlisted"  # 申込（キャンセル待ち）
    CANCELLED = "cancelled"  # 申込の取消
    PROMOTED = "promoted"  # キャンセル待ちからの繰り上げ


class TrainingCounts(ContractModel):
    capacity: int = Field(ge=1, description="Seats (定員).")
    registered: int = Field(ge=0, description="Registrations holding a seat; never more than capacity.")
    waitlisted: int = Field(ge=0, description="Registrations waiting for a seat (キャンセル待ち).")
    attended: int = Field(ge=0, description="Registrations the center recorded as present (出席).")
    seats_left: int = Field(ge=0, description="capacity − registered.")


class TrainingPlan(ContractModel):
    kind: TrainingKind
    title_ja: str
    title_en: str | None = None
    description_ja: str
    description_en: str | None = None
    starts_at: datetime = Field(description="Start, ISO 8601 with offset (Asia/Tokyo).")
    ends_at: datetime = Field(description="End, ISO 8601 with offset (Asia/Tokyo).")
    place: str | None = Field(default=None, description="Where it takes place (会場); absent when online.")
    online: bool = Field(
        default=False,
        description="Held online (オンライン開催); the link itself is given only to registrants holding a seat.",
    )
    capacity: int = Field(ge=1)
    audience: list[TrainingAudience] = Field(description="Who may register.")
    registration_opens_at: datetime
    registration_closes_at: datetime = Field(description="Registration closes at or before the start.")


class TrainingAnnounced(Contract):
    event_name: ClassVar[str] = "info_hub.training.announced"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The center announced a training, course or exchange meeting (研修会・講座・意見交換会の告知)."
    )

    training_id: UUID
    plan: TrainingPlan
    announced_at: datetime


class TrainingRevised(Contract):
    event_name: ClassVar[str] = "info_hub.training.revised"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The center changed an announced training (研修会等の変更): the plan as it now stands."

    training_id: UUID
    plan: TrainingPlan
    revised_at: datetime


class TrainingCancelled(Contract):
    event_name: ClassVar[str] = "info_hub.training.cancelled"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The center cancelled a training, course or exchange meeting (中止), with its reason."

    training_id: UUID
    reason_ja: str
    reason_en: str | None = None
    cancelled_at: datetime


class TrainingRegistrationsChanged(Contract):
    event_name: ClassVar[str] = "info_hub.training.registrations_changed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "Registrations for a training changed (申込状況): counts after a registration, a cancellation or a "
        "promotion from the waitlist; no registrant is named."
    )

    training_id: UUID
    change: RegistrationChange = Field(description="What changed the counts.")
    counts: TrainingCounts
    at: datetime


class TrainingReminderDue(Contract):
    event_name: ClassVar[str] = "info_hub.training.reminder_due"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "A training starts soon (開催前のお知らせ): a notifier may remind the registrants it knows; counts only."
    )

    training_id: UUID
    starts_at: datetime
    counts: TrainingCounts


class TrainingAttendanceRecorded(Contract):
    event_name: ClassVar[str] = "info_hub.training.attendance_recorded"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "The center recorded attendance after the start (出席の記録): counts only."

    training_id: UUID
    counts: TrainingCounts
    recorded_at: datetime


class TrainingMinutesPublished(Contract):
    event_name: ClassVar[str] = "info_hub.training.minutes_published"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = (
        "The minutes (議事録) of an exchange meeting (意見交換会), published by the center after it ended; a later "
        "revision replaces an earlier one."
    )

    training_id: UUID
    minutes_ja: str
    minutes_en: str | None = None
    revision: int = Field(ge=1)
    published_at: datetime


PUBLISHED: tuple[type[Contract], ...] = (
    TrainingAnnounced,
    TrainingRevised,
    TrainingCancelled,
    TrainingRegistrationsChanged,
    TrainingReminderDue,
    TrainingAttendanceRecorded,
    TrainingMinutesPublished,
)
