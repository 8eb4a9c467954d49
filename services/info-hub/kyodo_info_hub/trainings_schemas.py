"""Request and response models of the center's trainings (bad input: 422 naming the field, nothing stored)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, HttpUrl

from kyodo_shared.web.pagination import Page


class KindIn(StrEnum):
    TRAINING = "training"
    COURSE = "course"
    EXCHANGE_MEETING = "exchange_meeting"


class AudienceIn(StrEnum):
    GROUPS = "groups"
    STAFF = "staff"
    CITIZENS = "citizens"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanIn(_In):
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)
    description_ja: str = Field(min_length=1, max_length=5000)
    description_en: str | None = Field(default=None, min_length=1, max_length=5000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str | None = Field(default=None, min_length=1, max_length=300)
    online_url: HttpUrl | None = None
    capacity: int = Field(ge=1, le=10_000)
    audience: list[AudienceIn] = Field(min_length=1, max_length=3)
    registration_opens_at: AwareDatetime
    registration_closes_at: AwareDatetime


class TrainingIn(PlanIn):
    kind: KindIn


class CancellationIn(_In):
    reason_ja: str = Field(min_length=1, max_length=2000)
    reason_en: str | None = Field(default=None, min_length=1, max_length=2000)


class AttendanceIn(_In):
    registration_ids: list[UUID] = Field(max_length=10_000)


class MinutesIn(_In):
    minutes_ja: str = Field(min_length=1, max_length=50_000)
    minutes_en: str | None = Field(default=None, min_length=1, max_length=50_000)


class PersonRegistrationIn(_In):
    """A group's representative or contact names the group; a member of staff names none."""

    group_id: UUID | None = None


class CitizenRegistrationIn(_In):
    name: str = Field(min_length=1, max_length=100)
    email: EmailStr


class Counts(BaseModel):
    capacity: int
    registered: int
    waitlisted: int
    attended: int
    seats_left: int


class TrainingView(BaseModel):
    """What anyone reads of an announced or cancelled training: never a registrant, nor an online training's link
    (the center's view and a registrant's seat carry it)."""

    id: UUID
    version: int = Field(description="The plan's version (the ETag): registrations do not change it.")
    kind: str
    status: str
    title_ja: str
    title_en: str | None
    description_ja: str
    description_en: str | None
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online: bool = Field(description="Held online (オンライン開催); the link is given to registrants holding a seat.")
    online_url: str | None = Field(default=None, description="The online link: in the center's view only.")
    capacity: int
    audience: list[str]
    registration_opens_at: datetime
    registration_closes_at: datetime
    announced_at: datetime | None
    plan_changed_at: datetime = Field(description="When the center last changed the plan (drafted, revised, …).")
    cancellation: dict[str, Any] | None
    counts: Counts
    minutes: dict[str, Any] | None


class TrainingPage(Page[TrainingView]):
    pass


class RegistrationView(BaseModel):
    registration_id: UUID
    training_id: UUID
    title_ja: str
    starts_at: datetime
    kind: str = Field(description="group | staff | citizen")
    seat: str = Field(description="registered | waitlisted | cancelled")
    position: int | None = Field(description="Place on the waitlist, from 1.")
    registered_at: datetime
    attended: bool
    sub: str | None = None
    group_id: UUID | None = None
    name: str | None = Field(default=None, description="A citizen's name: the registrant and the center only.")
    email: str | None = None
    erased: bool = Field(default=False, description="The citizen's data was erased after its retention period.")
    cancelled_by: str | None = Field(default=None, description="registrant | center, once cancelled.")
    cancellation_reason: dict[str, Any] | None = Field(default=None, description="The center's reason (ja, en).")
    online_url: str | None = Field(default=None, description="An online training's link, while holding a seat.")


class Placement(RegistrationView):
    """The answer to a registration; a citizen's carries the secret link to view and cancel it (shown once)."""

    link: str | None = None


class RegistrationList(BaseModel):
    items: list[RegistrationView]
    counts: Counts


class RegistrationPage(Page[RegistrationView]):
    """The center's list, in the store's order of acceptance, with the training's counts."""

    counts: Counts | None = None
