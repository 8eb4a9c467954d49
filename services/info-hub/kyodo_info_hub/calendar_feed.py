"""The center's trainings as iCalendar (RFC 5545, with `icalendar`): one VEVENT per announced or cancelled training
(never a draft), times in Asia/Tokyo with its VTIMEZONE, the place or "オンライン開催" (never the online link: that is
for registrants holding a seat), STATUS:CANCELLED for a cancelled one; DTSTAMP and LAST-MODIFIED are the plan's
last change and SEQUENCE the plan's version, so a registration changes nothing a subscriber sees. Public data only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event, Timezone

from kyodo_shared.domain.calendar import TOKYO

PRODID = "-//Kyodo//こくぶんじ市民活動センター//JA"
KIND_JA = {"training": "研修会", "course": "講座", "exchange_meeting": "意見交換会"}


def calendar_of(trainings: Iterable[dict[str, Any]], base_url: str) -> bytes:
    """A VCALENDAR of the trainings' public views (`Training.public()`); drafts are left out."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "こくぶんじ市民活動センター 研修会・講座・意見交換会")
    cal.add("x-wr-timezone", "Asia/Tokyo")
    cal.add_component(Timezone.from_tzid("Asia/Tokyo"))
    for t in trainings:
        if t["status"] != "draft":
            cal.add_component(_event(t, base_url))
    ical: bytes = cal.to_ical()
    return ical


def _event(t: dict[str, Any], base_url: str) -> Event:
    ev = Event()
    changed = datetime.fromisoformat(str(t["plan_changed_at"])).astimezone(UTC)
    ev.add("uid", f"{t['id']}@kyodo.info-hub")
    ev.add("dtstamp", changed)
    ev.add("last-modified", changed)
    ev.add("dtstart", datetime.fromisoformat(t["starts_at"]).astimezone(TOKYO))
    ev.add("dtend", datetime.fromisoformat(t["ends_at"]).astimezone(TOKYO))
    ev.add("summary", f"【{KIND_JA.get(t['kind'], t['kind'])}】{t['title_ja']}")
    description = t.get("description_ja") or ""
    if t.get("description_en"):
        description += f"\n\n{t['description_en']}"
    ev.add("description", description)
    ev.add("location", t.get("place") or "オンライン開催 (online)")
    ev.add("url", f"{base_url}/api/info-hub/trainings/{t['id']}")
    ev.add("categories", [t["kind"]])
    ev.add("sequence", int(t["version"]))
    ev.add("status", "CANCELLED" if t["status"] == "cancelled" else "CONFIRMED")
    return ev
