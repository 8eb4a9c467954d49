"""The agreement form (協定書) and the criteria form as the API's JSON: field names are its paths
(`agreement.budget.total_yen`, `agreement.indicators.1.target`, `criteria.0.name_ja`), so its errors land beside
the fields; spare rows left blank are dropped, and a form shown again shows what was posted, rows closed up as
the API numbered them."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from kyodo_evaluation.domain import Project
from kyodo_evaluation.pages.common import items, optional, rows, whole
from kyodo_shared.pages.actions import text

INDICATOR_FIELDS = ("key", "name_ja", "name_en", "unit", "value_type", "baseline", "target", "method_ja")
CRITERION_FIELDS = ("key", "name_ja", "name_en")


def agreement_posted(form: FormData) -> dict[str, Any]:
    """`{"agreement": …, "reason": …}` as the API's AgreementDraft reads it."""
    indicators = [
        {**row, "name_en": optional(row["name_en"])} for row in rows(form, "agreement.indicators", INDICATOR_FIELDS)
    ]
    agreement: dict[str, Any] = {
        "title_ja": text(form, "agreement.title_ja"),
        "title_en": optional(text(form, "agreement.title_en")),
        "role_group_ja": text(form, "agreement.role_group_ja"),
        "role_department_ja": text(form, "agreement.role_department_ja"),
        "budget": {
            part: whole(text(form, f"agreement.budget.{part}")) for part in ("total_yen", "city_yen", "group_yen")
        },
        "period_start": text(form, "agreement.period_start"),
        "period_end": text(form, "agreement.period_end"),
        "deliverables": items(form, "agreement.deliverables"),
        "indicators": indicators,
        "report_dates": items(form, "agreement.report_dates"),
    }
    return {"agreement": agreement, "reason": optional(text(form, "reason"))}


def agreement_shown(project: Project) -> dict[str, Any]:
    """What the form starts from: the draft under discussion, else the agreement in force, else nothing."""
    if project.draft is not None:
        return dict(project.draft["agreement"])
    if project.agreement is not None:
        return dict(project.agreement)
    return {}


def criteria_posted(form: FormData) -> dict[str, Any]:
    found = rows(form, "criteria", CRITERION_FIELDS, limit=20)
    return {"criteria": [{**row, "name_en": optional(row["name_en"])} for row in found]}
