"""Matching a case with the directory's registered groups (団体のマッチング): pure, from the case and the groups the
application reads from its view of the registry."""

from __future__ import annotations

from typing import Any

from kyodo_info_hub.cases import Case, RaiserKind
from kyodo_info_hub.people_view import GroupCard
from kyodo_shared.domain.text import normalize


def matches(case: Case, groups: list[GroupCard]) -> list[dict[str, Any]]:
    """Registered groups sharing a field of activity or the area (Japanese-normalized), each with its reasons
    (the case's fields it shares, the area when equal); most shared fields first, the area next, then by name."""
    wanted = {normalize(f): f for f in case.fields_of_activity}
    area = normalize(case.area) if case.area else ""
    found: list[dict[str, Any]] = []
    for group in groups:
        if case.raiser_kind == RaiserKind.GROUP.value and group.group_id == case.raiser_id:
            continue
        own = {normalize(f) for f in group.fields_of_activity}
        fields = [wanted[k] for k in wanted if k in own]
        reasons: dict[str, Any] = {}
        if fields:
            reasons["fields"] = fields
        if area and normalize(group.area) == area:
            reasons["area"] = case.area
        if reasons:
            found.append({"group_id": group.group_id, "name": group.name, "reasons": reasons})
    return sorted(found, key=lambda s: (-len(s["reasons"].get("fields", [])), "area" not in s["reasons"], s["name"]))
