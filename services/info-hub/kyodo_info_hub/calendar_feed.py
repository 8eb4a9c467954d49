"""The center's trainings as iCalendar (RFC 5545, with `icalendar`): one VEVENT per training, times in Asia/Tokyo
with its VTIMEZONE, the place or the online link, and STATUS:CANCELLED for a cancelled one. Public data only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event, Timezone

from kyodo_shared.domain.calendar import TOKYO

PRODID = "-//Kyodo//こくぶんじ市民活動センター//JA"
KIND_JA = {"training": "研修会", "course": "講座", "exchange_meeting": "意見交換会"}


def calendar_of(trainings: Iterable[dict[str, Any]], base_url: str, stamp: datetime) -> bytes:
    """A VCALENDAR of the trainings' public views (`Training.public()`); `stamp` is the DTSTAMP of every event."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "こくぶんじ市民活動センター 研修会・講座・意見交換会")
    cal.add("x-wr-timezone", "Asia/Tokyo")
    cal.add_component(Timezone.from_tzid("Asia/Tokyo"))
    for t in trainings:
        cal.add_component(_event(t, base_url, stamp))
    ical: bytes = cal.to_ical()
    return ical


def _event(t: dict[str, Any], base_url: str, stamp: datetime) -> Event:
    ev = Event()
    ev.add("uid", f"{t['id']}@kyodo.info-hub")
    ev.add("dtstamp", stamp.astimezone(UTC))
    ev.add("dtstart", datetime.fromisoformat(t["starts_at"]).astimezone(TOKYO))
    ev.add("dtend", datetime.fromisoformat(t["ends_at"]).astimezone(TOKYO))
    ev.add("summary", f"【{KIND_JA.get(t['kind'], t['kind'])}】{t['title_ja']}")
    description = t.get("description_ja") or ""
    if t.get("title_en"):
        description += f"\n\n{t['title_en']}"
    ev.add("description", description)
    url = f"{base_url}/api/info-hub/trainings/{t['id']}"
    if t.get("place"):
        ev.add("location", t["place"])
        ev.add("url", url)
    else:
        ev.add("location", t["online_url"])
        ev.add("url", t["online_url"])
    ev.add("categories", [t["kind"]])
    ev.add("sequence", int(t["version"]))
    ev.add("status", "CANCELLED" if t["status"] == "cancelled" else "CONFIRMED")
    return ev
