"""The city's calendar: dates and deadlines are Kokubunji's (Asia/Tokyo), whatever the server's time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
