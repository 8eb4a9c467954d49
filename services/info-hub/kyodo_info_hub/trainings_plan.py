"""The vocabulary of the center's trainings and the rules between a plan's fields (pure: the domain's)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from kyodo_shared.domain.refusals import Refusal


class Kind(StrEnum):
    TRAINING = "training"  # 研修会
    COURSE = "course"  # 講座
    EXCHANGE_MEETING = "exchange_meeting"  # 意見交換会 (協働推進意見交換会)


class Audience(StrEnum):
    GROUPS = "groups"  # 市民活動団体の代表者・連絡担当者
    STAFF = "staff"  # 市職員
    CITIZENS = "citizens"  # 市民 (ログインなし)


class Status(StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"
    CANCELLED = "cancelled"


class Seat(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# Who registers, and the audience that must include them.
AUDIENCE_OF = {"group": Audience.GROUPS, "staff": Audience.STAFF, "citizen": Audience.CITIZENS}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_plan(plan: dict[str, Any]) -> None:
    """The rules between a training's fields (each field's own shape is the API's to check)."""
    if at(plan["ends_at"]) <= at(plan["starts_at"]):
        raise Refusal("invalid_training", field="ends_at", rule="ends_before_start")
    if (plan.get("place") is None) == (plan.get("online_url") is None):
        raise Refusal("invalid_training", field="place", rule="place_or_online")
    url = plan.get("online_url")
    if url is not None and not str(url).startswith("https://"):
        raise Refusal("invalid_training", field="online_url", rule="online_url_https")
    if int(plan["capacity"]) < 1:
        raise Refusal("invalid_training", field="capacity", rule="capacity_positive")
    audience = list(plan["audience"])
    if not audience or len(set(audience)) != len(audience) or not set(audience) <= {a.value for a in Audience}:
        raise Refusal("invalid_training", field="audience", rule="audience_invalid")
    if at(plan["registration_closes_at"]) <= at(plan["registration_opens_at"]):
        raise Refusal("invalid_training", field="registration_closes_at", rule="registration_window")
    if at(plan["registration_closes_at"]) > at(plan["starts_at"]):
        raise Refusal("invalid_training", field="registration_closes_at", rule="registration_after_start")
