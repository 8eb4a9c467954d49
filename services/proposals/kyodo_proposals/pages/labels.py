"""The fields' labels as the error summary names them ("Title (Japanese): required"), so a reader of the summary
knows which field each error is about; indexed rows (`criteria.1.weight`, `content.budget.0.item`) are named with
their row's number, as the form numbers them."""

from __future__ import annotations

import re
from dataclasses import replace

from fastapi import Request

from kyodo_shared.pages.forms import FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.notices import N_

FIELDS: dict[str, str] = {
    "kind": N_("Kind of call"),
    "title_ja": N_("Title (Japanese)"),
    "title_en": N_("Title (English)"),
    "description_ja": N_("Description (Japanese)"),
    "description_en": N_("Description (English)"),
    "deadline": N_("Deadline (JST)"),
    "committee_id": N_("Review board"),
    "quorum": N_("Quorum"),
    "department_id": N_("Department that runs the call"),
    "screening_decision_id": N_("Screening decision it follows"),
    "criteria": N_("Criteria"),
    "formula": N_("Score formula"),
    "passing_score": N_("Passing score"),
    "select": N_("Proposals selected at most"),
    "tie_rule": N_("Ties"),
    "priority": N_("Criteria priority for ties"),
    "reason": N_("Reason"),
    "board": N_("Board"),
    "member_sub": N_("Member"),
    "proposal_id": N_("Proposal"),
    "confirm": N_("Confirmation"),
    "content.summary": N_("Summary"),
    "content.plan": N_("Plan"),
    "content.budget": N_("Budget"),
    "content.schedule": N_("Schedule"),
    "content.team": N_("Team"),
}
# A row's field, named after its row ("Criterion 2 Weight").
ROW_FIELDS: dict[str, str] = {
    "key": N_("Key"),
    "name_ja": N_("Name (Japanese)"),
    "name_en": N_("Name (English)"),
    "weight": N_("Weight"),
    "max_points": N_("Maximum points"),
    "item": N_("Item"),
    "amount_yen": N_("Amount (yen)"),
    "period": N_("Period"),
    "activity": N_("Activity"),
    "role": N_("Role"),
    "description": N_("Description"),
}
ROWS: dict[str, str] = {
    "criteria": N_("Criterion %(n)s"),
    "content.budget": N_("Budget, line %(n)s"),
    "content.schedule": N_("Schedule, line %(n)s"),
    "content.team": N_("Team, line %(n)s"),
    "attachments": N_("Attachment %(n)s"),
}
_ROW = re.compile(r"^(criteria|content\.budget|content\.schedule|content\.team|attachments)\.(\d+)(?:\.(\w+))?")


def label_of(request: Request, field: str) -> str | None:
    if field in FIELDS:
        return gettext(request, FIELDS[field])
    found = _ROW.match(field)
    if found is None:
        return None
    row = gettext(request, ROWS[found.group(1)]) % {"n": int(found.group(2)) + 1}
    name = found.group(3)
    if name in ROW_FIELDS:
        return f"{row} {gettext(request, ROW_FIELDS[name])}"
    return row


def summary_labels(request: Request, errors: FormErrors | None) -> dict[str, str]:
    """Each erring field's label, keyed as `forms.error_summary(errors, labels=…)` looks them up."""
    if errors is None:
        return {}
    found = {}
    for item in errors.items:
        label = label_of(request, item.field)
        if label is not None:
            found[item.field] = label
    return found


# The order the forms show their fields in (the call's form, then the amendment's and the proposal's own).
PAGE_ORDER = (
    "reason",
    "kind",
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "deadline",
    "committee_id",
    "quorum",
    "department_id",
    "screening_decision_id",
    "criteria",
    "formula",
    "passing_score",
    "select",
    "tie_rule",
    "priority",
    "board",
    "content.summary",
    "content.plan",
    "content.budget",
    "content.schedule",
    "content.team",
    "attachments",
)


def in_page_order(errors: FormErrors | None) -> FormErrors | None:
    """The errors in the order the form shows their fields, so the summary reads top to bottom as the page does
    (the API's model reports them in its own order); rows by their number, unknown fields last."""
    if errors is None:
        return None

    def place(field: str) -> tuple[int, int, str]:
        found = _ROW.match(field)
        head, row = (found.group(1), int(found.group(2))) if found else (field, -1)
        return (PAGE_ORDER.index(head) if head in PAGE_ORDER else len(PAGE_ORDER), row, field)

    items = tuple(sorted(errors.items, key=lambda item: place(item.field)))
    return replace(errors, items=items)
