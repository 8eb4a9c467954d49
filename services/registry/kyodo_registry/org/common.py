"""What the org aggregates share: the id namespace, the error they raise, calendar dates in Asia/Tokyo."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from kyodo_shared.domain.refusals import Refusal, StaleVersion

# Fixed forever: ids derived from it (the team, a person's interests, the directories) must never change.
ORG_NAMESPACE = UUID("e758ba80-70de-4c31-9b70-8fa69d50a8d0")
TOKYO = ZoneInfo("Asia/Tokyo")

Trace = dict[str, str]


class OrgError(Refusal):
    """A command the current state does not allow (HTTP 409 unless `status` says otherwise)."""


class NotFound(OrgError):
    def __init__(self, what_ja: str, what_en: str) -> None:
        super().__init__("not_found", f"{what_ja}が見つかりません", f"{what_en} not found", status=404)


# The aggregate changed since the version the caller saw (HTTP 412): the kernel's one kind.
StaleOrgVersion = StaleVersion


def derived_id(name: str) -> UUID:
    return uuid5(ORG_NAMESPACE, name)


def tokyo_date(moment: datetime) -> date:
    """The calendar date in Kokubunji at that moment: terms and team stints are counted in Tokyo days."""
    return moment.astimezone(TOKYO).date()


def day(text: str) -> date:
    # Events keep dates as ISO text: the stored JSON stays readable for auditors and needs no custom transcoding.
    return date.fromisoformat(text)
