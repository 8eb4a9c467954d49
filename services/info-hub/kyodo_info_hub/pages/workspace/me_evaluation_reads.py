"""What `/me` lists of a partner's collaboration projects and a group's call results, from info-hub's read models
only: per project, its other partner's name, the agreement to draft while no version is up, the draft awaiting the
partner's confirmation (`evaluation_drafts`), its interim reports due or overdue (the report dates of the agreement
in force in `evaluation_agreements`, less those the partner filed, in `evaluation_timeline`), and its self-evaluation
due (`project_ended` in the timeline, less `evaluation_self_evaluations_sent`, until the deadline or the unsealing);
and the published results of the calls a group proposed to (`portal_calls.results`). Each step links to the owning
service's page for that action; the service decides who may act (the group's representative confirms, it and its
contacts draft and report; the department's liaison does all of it).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from fastapi import Request

from kyodo_info_hub.pages.home import Text, application, localized, when
from kyodo_info_hub.pages.workspace.common import group_name
from kyodo_shared.store.db import Tx

SHOWN = 50
# Where a draft can still be confirmed: before the agreement, or an amendment while the project runs.
_OPEN_TO_DRAFTS = ("created", "agreed")


def _marks(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def represented(request: Request, sub: str) -> set[str]:
    """The groups this person represents (their representative confirms an agreement; contacts do not)."""
    with application(request).db.transaction(read_only=True) as tx:
        rows = tx.fetchall("SELECT group_id FROM hub_group_people WHERE sub = %s AND role = 'representative'", (sub,))
    return {str(r[0]) for r in rows}


def partner_projects(
    request: Request, partner_ids: list[str], partner: str, confirms: set[str], acts: set[str]
) -> list[dict[str, Any]]:
    """The projects these groups (`partner="group"`) or departments partner, newest first, each with `steps`: what
    waits for that partner in it. A step is marked `yours` when the viewer may take it in the service's eyes: confirm
    for the partners in `confirms` (a group's representative, a department's liaison), draft, report and
    self-evaluate for those in `acts` (a group's representative and contacts, a department's liaison)."""
    if not partner_ids:
        return []
    column = "department_id" if partner == "department" else "group_id"
    app = application(request)
    today, now = app.today(), app.now()
    with app.db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            f"SELECT project_id, title_ja, stage, {column}, group_id, department_id FROM evaluation_projects "  # noqa: S608
            f"WHERE {column} IN ({_marks(partner_ids)}) ORDER BY created_sequence DESC LIMIT %s",
            (*partner_ids, SHOWN),
        )
        ids = [str(r[0]) for r in rows]
        state = _state(tx, ids) if ids else {}
    projects, names = [], _Names(request)
    for project_id, title, stage, partner_id, group_id, department_id in rows:
        pid, known = str(project_id), state.get(str(project_id), {})
        steps = _steps(pid, str(stage), partner, known, today, now)
        for step in steps:
            step["yours"] = str(partner_id) in (confirms if step["kind"] in ("confirm", "awaiting_other") else acts)
        href = f"/evaluation/projects/{pid}"
        # The partners' names tell projects of one title apart: the group for a department, the department for a
        # group, and for a person of several groups which of theirs it is first.
        if partner == "department":
            shown = [names.group(str(group_id))]
        else:
            own = names.group(str(group_id)) if len(set(partner_ids)) > 1 else None
            shown = [own, names.department(str(department_id))]
        partners = [name for name in shown if name is not None]
        projects.append(
            {"id": pid, "title": str(title), "stage": str(stage), "href": href, "steps": steps, "partners": partners}
        )
    return projects


class _Names:
    """The partners' names as info-hub's read models of the registry know them, each looked up once."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.known: dict[str, Text | None] = {}

    def group(self, group_id: str) -> Text | None:
        if group_id not in self.known:
            self.known[group_id] = group_name(self.request, group_id)
        return self.known[group_id]

    def department(self, department_id: str) -> Text | None:
        if department_id not in self.known:
            names = application(self.request).people.department_name(department_id)
            self.known[department_id] = localized(self.request, names[0], names[1]) if names else None
        return self.known[department_id]


def _state(tx: Tx, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per project: its open draft, the report dates in force, reports filed, the end and what was sent."""
    state: dict[str, dict[str, Any]] = {pid: {"filed": set(), "sent": set()} for pid in ids}
    marks = _marks(ids)
    for row in tx.fetchall(
        "SELECT d.project_id, d.agreement_version, d.amendment, d.group_confirmed_at, d.department_confirmed_at "  # noqa: S608
        f"FROM evaluation_drafts d WHERE d.project_id IN ({marks}) AND NOT EXISTS (SELECT 1 FROM "
        "evaluation_agreements a WHERE a.project_id = d.project_id AND a.version = d.agreement_version)",
        tuple(ids),
    ):
        state[str(row[0])]["draft"] = {
            "version": int(row[1]),
            "amendment": bool(row[2]),
            "confirmed": {"group": row[3] is not None, "department": row[4] is not None},
        }
    for row in tx.fetchall(
        f"SELECT project_id, agreement FROM evaluation_agreements WHERE project_id IN ({marks}) ORDER BY version",  # noqa: S608
        tuple(ids),
    ):
        agreement = json.loads(str(row[1]))
        state[str(row[0])]["agreement"] = {
            "dates": [date.fromisoformat(d) for d in agreement["report_dates"]],
            "period_end": date.fromisoformat(agreement["period_end"]),
        }
    for row in tx.fetchall(
        f"SELECT project_id, kind, detail FROM evaluation_timeline WHERE project_id IN ({marks}) "  # noqa: S608
        "AND kind IN ('report_filed', 'project_ended', 'self_evaluations_unsealed')",
        tuple(ids),
    ):
        known, detail = state[str(row[0])], json.loads(str(row[2]))
        if row[1] == "report_filed":
            known["filed"].add((str(detail["partner"]), int(detail["report_index"])))
        elif row[1] == "project_ended":
            known["deadline"] = when(detail["self_evaluation_deadline"])
        else:
            known["unsealed"] = True
    for row in tx.fetchall(
        f"SELECT project_id, partner FROM evaluation_self_evaluations_sent WHERE project_id IN ({marks})",  # noqa: S608
        tuple(ids),
    ):
        state[str(row[0])]["sent"].add(str(row[1]))
    return state


def _steps(
    pid: str, stage: str, partner: str, known: dict[str, Any], today: date, now: datetime
) -> list[dict[str, Any]]:
    base, other = f"/evaluation/projects/{pid}", "group" if partner == "department" else "department"
    steps: list[dict[str, Any]] = []
    draft = known.get("draft")
    if draft is None and stage == "created":
        # No version put up yet: either partner drafts it (evaluation's draft_agreement: the group's representative
        # or a contact, the department's liaison; the center may help), on the agreement form.
        steps.append({"kind": "draft", "href": f"{base}/agreement"})
    if draft is not None and stage in _OPEN_TO_DRAFTS and not all(draft["confirmed"].values()):
        # Confirmed on the project page, where the version awaiting confirmation is shown with its hash.
        mine = draft["confirmed"][partner]
        kind = "awaiting_other" if mine else "confirm"
        steps.append({"kind": kind, "version": draft["version"], "amendment": draft["amendment"], "other": other})
        steps[-1]["href"] = f"{base}#draft-heading"
    agreement = known.get("agreement")
    if agreement is not None and stage == "agreed" and today <= agreement["period_end"]:
        # Every report not filed whose date has passed (overdue: still to file), and the next one due.
        for index, due_on in enumerate(agreement["dates"], start=1):
            if (partner, index) in known["filed"]:
                continue
            overdue = due_on < today
            steps.append(
                {
                    "kind": "report",
                    "index": index,
                    "due_on": due_on,
                    "overdue": overdue,
                    "href": f"{base}/reports/{index}",
                }
            )
            if not overdue:
                break
    deadline = known.get("deadline")
    if (
        stage == "ended"
        and deadline is not None
        and now < deadline
        and not known.get("unsealed")
        and partner not in known["sent"]
    ):
        steps.append({"kind": "self_evaluation", "deadline": deadline, "href": f"{base}/self-evaluation"})
    return steps


def call_results(request: Request, group_ids: list[str]) -> list[dict[str, Any]]:
    """Calls whose published results name one of these groups (a proposal reviewed or set aside), the latest
    published first: per group, whether it was selected, and the link to its own results on the proposals
    service."""
    if not group_ids:
        return []
    like = " OR ".join(["results LIKE %s"] * len(group_ids))
    with application(request).db.transaction(read_only=True) as tx:
        rows = tx.fetchall(
            "SELECT call_id, rules, results, results_published_at FROM portal_calls "  # noqa: S608
            f"WHERE status = 'results_published' AND ({like}) "
            "ORDER BY results_published_at DESC, call_id LIMIT %s",
            (*[f"%{g}%" for g in group_ids], SHOWN),
        )
    found = []
    for call_id, rules_text, results_text, published_at in rows:
        rules, results = json.loads(str(rules_text)), json.loads(str(results_text))
        outcomes = {str(p["group_id"]): ("selected" if p["selected"] else "not_selected") for p in results["proposals"]}
        outcomes |= {str(s["group_id"]): "set_aside" for s in results.get("set_aside", [])}
        for group_id in group_ids:
            if group_id in outcomes:
                found.append(
                    {
                        "call_id": str(call_id),
                        "title": localized(request, rules.get("title_ja"), rules.get("title_en")),
                        "group_id": group_id,
                        "outcome": outcomes[group_id],
                        "published_at": when(published_at),
                        "href": f"/proposals/calls/{call_id}/my-results?group={group_id}",
                    }
                )
    return found
