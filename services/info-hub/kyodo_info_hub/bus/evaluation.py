"""Collaboration projects and their evaluation (協働事業と評価) on the portal: read models of the evaluation
service's contract events (stream KYODO_EVALUATION), in info-hub's own database.

- `evaluation_projects`: each project as created (partners, the call, proposal and screening decision it came
  from), its stage, and its recommendation once the report is published;
- `evaluation_agreements`: every concluded version of its agreement (協定), amendments with their reasons;
- `evaluation_timeline`: one row per public event of a project, keyed by the source sequence (its order);
- `evaluation_reports`: the published evaluation report whole, with the columns lists filter by;
- `evaluation_drafts`, `evaluation_self_evaluations_sent`: the partners' steps, for `/me` (bus/evaluation_steps.py).

Reminders (`…reminder_due`) are for mail and notification systems, not the portal: info-hub has no handler for
them, so its consumer advances past them (a known contract it does not follow). Every write is an upsert keyed by
id or sequence, and the stage and the report are guarded by the source sequence, so a message applied twice changes
nothing (the criteria a project's center set are written as they come: the service sets them once, before the
agreement).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kyodo_contracts import Contract
from kyodo_contracts import evaluation as ev
from kyodo_info_hub.bus import evaluation_steps
from kyodo_info_hub.bus.texts import to_json as _to_json
from kyodo_info_hub.bus.texts import tokyo_text as _tokyo
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx

TABLES = [
    "evaluation_projects",
    "evaluation_agreements",
    "evaluation_timeline",
    "evaluation_reports",
    *evaluation_steps.TABLES,
]

# A project's stage on the portal, in the order it moves through them; it never moves back.
STAGES = ("created", "agreed", "ended", "under_evaluation", "reported")


def _optional(value: object | None) -> str | None:
    return None if value is None else str(value)


def _timeline(tx: Tx, envelope: Envelope, project_id: str, kind: str, at: datetime, detail: dict[str, Any]) -> None:
    # The sequence is the row's key: the same message applied again finds its row there.
    tx.execute(
        "INSERT INTO evaluation_timeline (project_id, source_sequence, kind, at, detail) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (project_id, source_sequence) DO NOTHING",
        (project_id, envelope.sequence, kind, _tokyo(at), _to_json(detail)),
    )


def _advance(tx: Tx, envelope: Envelope, project_id: str, stage: str) -> None:
    """Moves the project to `stage` unless it is further already (a later message applied first, or a replay)."""
    tx.execute(
        "UPDATE evaluation_projects SET stage = %s, stage_rank = %s, source_sequence = %s "
        "WHERE project_id = %s AND stage_rank < %s AND source_sequence <= %s",
        (stage, STAGES.index(stage), envelope.sequence, project_id, STAGES.index(stage), envelope.sequence),
    )


_PROJECT_COLUMNS = (
    "project_id, source, group_id, department_id, title_ja, call_id, proposal_id, screening_decision_id, "
    "screening_project_id, form, criteria, created_at, created_sequence, stage, stage_rank, source_sequence"
)


def on_created(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, ev.ProjectCreated)
    project_id = str(event.project_id)
    tx.execute(
        f"INSERT INTO evaluation_projects ({_PROJECT_COLUMNS}) VALUES "  # noqa: S608
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'created', 0, %s) ON CONFLICT (project_id) DO NOTHING",
        (
            project_id,
            event.source.value,
            str(event.group_id),
            str(event.department_id),
            event.title_ja,
            _optional(event.call_id),
            _optional(event.proposal_id),
            _optional(event.screening_decision_id),
            _optional(event.screening_project_id),
            event.form,
            _to_json([c.model_dump(mode="json") for c in event.criteria]),
            _tokyo(envelope.time),
            envelope.sequence,
            envelope.sequence,
        ),
    )
    detail = {"source": event.source.value, "title_ja": event.title_ja, "form": event.form}
    _timeline(tx, envelope, project_id, "project_created", envelope.time, detail)


def on_criteria(envelope: Envelope, tx: Tx) -> None:
    """The center set the project's own evaluation criteria: they replace those published with it."""
    event = envelope.data
    assert isinstance(event, ev.CriteriaSet)
    project_id, criteria = str(event.project_id), [c.model_dump(mode="json") for c in event.criteria]
    tx.execute(
        "UPDATE evaluation_projects SET criteria = %s WHERE project_id = %s",
        (_to_json(criteria), project_id),
    )
    detail = {"criteria": [c["key"] for c in criteria]}
    _timeline(tx, envelope, project_id, "criteria_set", envelope.time, detail)


def on_agreement(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, ev.AgreementConcluded)
    project_id = str(event.project_id)
    tx.execute(
        "INSERT INTO evaluation_agreements (project_id, version, agreement_hash, agreement, amendment_reason, "
        "concluded_at, source_sequence) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (project_id, version) DO NOTHING",
        (
            project_id,
            event.agreement_version,
            event.agreement_hash,
            _to_json(event.agreement.model_dump(mode="json")),
            event.amendment_reason,
            _tokyo(event.concluded_at),
            envelope.sequence,
        ),
    )
    kind = "agreement_concluded" if event.agreement_version == 1 else "agreement_amended"
    detail = {
        "version": event.agreement_version,
        "agreement_hash": event.agreement_hash,
        "amendment_reason": event.amendment_reason,
    }
    _timeline(tx, envelope, project_id, kind, event.concluded_at, detail)
    _advance(tx, envelope, project_id, "agreed")


def on_report(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    if isinstance(event, ev.ReportFiled):
        detail: dict[str, Any] = {
            "partner": event.partner.value,
            "report_index": event.report_index,
            "due_on": event.due_on.isoformat(),
            "late": event.late,
        }
        _timeline(tx, envelope, str(event.project_id), "report_filed", event.filed_at, detail)
    elif isinstance(event, ev.ReportOverdue):
        detail = {
            "partner": event.partner.value,
            "report_index": event.report_index,
            "due_on": event.due_on.isoformat(),
        }
        _timeline(tx, envelope, str(event.project_id), "report_overdue", envelope.time, detail)


def on_stage(envelope: Envelope, tx: Tx) -> None:
    """The project's end, the self-evaluations unsealed and the committee opened: a timeline row and the stage."""
    event = envelope.data
    if isinstance(event, ev.ProjectEnded):
        project_id = str(event.project_id)
        detail: dict[str, Any] = {
            "ended_on": event.ended_on.isoformat(),
            "self_evaluation_deadline": _tokyo(event.self_evaluation_deadline),
        }
        _timeline(tx, envelope, project_id, "project_ended", envelope.time, detail)
        _advance(tx, envelope, project_id, "ended")
    elif isinstance(event, ev.SelfEvaluationsUnsealed):
        # What they say is in the report; the timeline says that they are public, and whose.
        detail = {"cause": event.cause, "partners": sorted(s.partner.value for s in event.self_evaluations)}
        _timeline(tx, envelope, str(event.project_id), "self_evaluations_unsealed", envelope.time, detail)
    elif isinstance(event, ev.CommitteeOpened):
        project_id = str(event.project_id)
        # The portal names nobody: how many members, not who.
        detail = {
            "committee_id": str(event.committee_id),
            "opened_on": event.opened_on.isoformat(),
            "members": len(event.member_subs),
            "quorum": event.quorum,
        }
        _timeline(tx, envelope, project_id, "committee_opened", envelope.time, detail)
        _advance(tx, envelope, project_id, "under_evaluation")
    elif isinstance(event, ev.CommitteeSubstituteAdded):
        # As for the opening, nobody is named: that a member joined, and why in general terms.
        detail = {"reason": event.reason}
        _timeline(tx, envelope, str(event.project_id), "committee_substitute_added", envelope.time, detail)


_REPORT_COLUMNS = (
    "group_id, department_id, call_id, proposal_id, screening_decision_id, screening_project_id, recommendation, "
    "overall_mean, agreement_version, published_at, body, source_sequence"
)
_UPSERT_REPORT = (
    f"INSERT INTO evaluation_reports (project_id, {_REPORT_COLUMNS}) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (project_id) DO UPDATE SET "
    + ", ".join(f"{column.strip()} = excluded.{column.strip()}" for column in _REPORT_COLUMNS.split(","))
    + " WHERE evaluation_reports.source_sequence <= excluded.source_sequence"
)


def on_published(envelope: Envelope, tx: Tx) -> None:
    event = envelope.data
    assert isinstance(event, ev.ReportPublished)
    project_id = str(event.project_id)
    tx.execute(
        _UPSERT_REPORT,
        (
            project_id,
            str(event.group_id),
            str(event.department_id),
            _optional(event.call_id),
            _optional(event.proposal_id),
            _optional(event.screening_decision_id),
            _optional(event.screening_project_id),
            event.recommendation.value,
            event.overall_mean,
            event.agreement_version,
            _tokyo(event.published_at),
            _to_json(event.model_dump(mode="json")),
            envelope.sequence,
        ),
    )
    # The project's list filters by the recommendation of its latest report (a replayed older one changes nothing).
    tx.execute(
        "UPDATE evaluation_projects SET recommendation = %s WHERE project_id = %s AND NOT EXISTS "
        "(SELECT 1 FROM evaluation_reports r WHERE r.project_id = %s AND r.source_sequence > %s)",
        (event.recommendation.value, project_id, project_id, envelope.sequence),
    )
    detail = {"recommendation": event.recommendation.value, "overall_mean": event.overall_mean}
    _timeline(tx, envelope, project_id, "report_published", event.published_at, detail)
    _advance(tx, envelope, project_id, "reported")


HANDLERS: dict[type[Contract], Handler] = {
    ev.ProjectCreated: on_created,
    ev.AgreementConcluded: on_agreement,
    ev.ReportFiled: on_report,
    ev.ReportOverdue: on_report,
    ev.ProjectEnded: on_stage,
    ev.SelfEvaluationsUnsealed: on_stage,
    ev.CommitteeOpened: on_stage,
    ev.CommitteeSubstituteAdded: on_stage,
    ev.CriteriaSet: on_criteria,
    ev.ReportPublished: on_published,
    # The partners' steps (a draft and its confirmations, a self-evaluation sent), for /me: evaluation_steps.
    **evaluation_steps.HANDLERS,
}
# Not followed: ev.ReportReminderDue and ev.SelfEvaluationReminderDue (for notification systems).
