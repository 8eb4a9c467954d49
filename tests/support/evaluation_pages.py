"""What the evaluation workspace's page tests post and read: forms filled as a browser sends them (field names
are the API's JSON paths), the error beside a field, the reports the API lists, and a post's redirect."""

from __future__ import annotations

from typing import Any

from support.calls import coordinator, ok
from support.harness import Platform


def agreement_form(body: dict[str, Any], version: int) -> dict[str, str]:
    """The agreement form's fields, named by the API's JSON paths."""
    fields = {
        "version": f'"{version}"',
        "agreement.title_ja": body["title_ja"],
        "agreement.role_group_ja": body["role_group_ja"],
        "agreement.role_department_ja": body["role_department_ja"],
        "agreement.period_start": body["period_start"],
        "agreement.period_end": body["period_end"],
    }
    for part, amount in body["budget"].items():
        fields[f"agreement.budget.{part}"] = str(amount)
    for n, item in enumerate(body["deliverables"]):
        fields[f"agreement.deliverables.{n}"] = item
    for n, day in enumerate(body["report_dates"]):
        fields[f"agreement.report_dates.{n}"] = day
    for n, indicator in enumerate(body["indicators"]):
        for name, value in indicator.items():
            fields[f"agreement.indicators.{n}.{name}"] = value
    return fields


def report_form(visitors: str, satisfaction: str, summary: str = "順調に進んでいる") -> dict[str, str]:
    return {
        "values.0.key": "visitors",
        "values.0.unit": "人",
        "values.0.value": visitors,
        "values.1.key": "satisfaction",
        "values.1.unit": "%",
        "values.1.value": satisfaction,
        "summary_ja": summary,
    }


def self_evaluation_form(page: Any, summary: str) -> dict[str, str]:
    """Every hidden key the page's form carries, each rating 4 with a comment, the indicators achieved."""
    fields = {str(i.get("name")): str(i.get("value")) for i in page.xpath("//form//input[@type='hidden']")}
    fields.pop("csrf_token", None)
    for name in list(fields):
        if name.startswith("ratings.") and name.endswith(".key"):
            n = name.split(".")[1]
            fields[f"ratings.{n}.rating"] = "4"
            fields[f"ratings.{n}.comment_ja"] = "よく協働できた"
    fields |= {"achieved.0.value": "610", "achieved.1.value": "84", "summary_ja": summary}
    return fields


async def reports(p: Platform, pid: str) -> list[dict[str, Any]]:
    listed = await ok(p.clients["evaluation"].get(f"/projects/{pid}/reports", headers=coordinator(p)))
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def see_other(response: Any, to: str) -> None:
    assert response.status_code == 303, response.text[:3000]
    assert response.headers["location"].startswith(to), response.headers["location"]
