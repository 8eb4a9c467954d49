"""What the audit API may show of the evaluation service's events (the kernel applies it)."""

from __future__ import annotations

from kyodo_shared.audit.visibility import JUDGES, SCORES_WITHHELD_FROM, EventPolicy, VisibilityPolicy, restricted
from kyodo_shared.web.auth import Role

# The partners' negotiation (drafts and confirmations): the center and auditors; the agreement is public concluded.
NEGOTIATION = EventPolicy(event=restricted(Role.COORDINATOR, Role.AUDITOR))
# A self-evaluation before both are public: auditors only — not even the center reads one partner's before the
# other's is in (the unsealing event publishes both).
SEALED = EventPolicy(event=restricted(Role.AUDITOR))
# Members' conflicts, and the decision naming who is behind each label: auditors and coordinators, so no member
# reads another's score through the history before giving their own — nor an auditor's or coordinator's account that
# also holds a committee role (JUDGES): the pages keep from a member who else is recused and who is behind a label.
COMMITTEE_WORK = EventPolicy(event=restricted(Role.AUDITOR, Role.COORDINATOR, unless=JUDGES))
# The scores themselves: auditors only, as the proposals service keeps its review board's (SCORING), and never to an
# account that also holds a judge's or a coordinator's role (SCORES_WITHHELD_FROM, the kernel's one set: a judge could
# read the others' scores before giving their own; the center adds substitutes and pins conflicts, and reads the
# points through the application once the report is published, `read_scores`, a condition a role rule cannot state).
SCORES = EventPolicy(event=restricted(Role.AUDITOR, unless=SCORES_WITHHELD_FROM))

_PROJECT = "kyodo_evaluation.domain:Project"
_COMMITTEE = "kyodo_evaluation.committee:CommitteeEvaluation"

POLICY = VisibilityPolicy(
    events={
        **{
            f"{_PROJECT}.{n}": EventPolicy()
            for n in (
                "Created",
                "CriteriaSet",
                "Concluded",
                "ReminderDue",
                "ReportFiled",
                "Overdue",
                "Ended",
                "SelfEvaluationReminderDue",
                "Unsealed",
                "Reported",
            )
        },
        f"{_PROJECT}.Drafted": NEGOTIATION,
        f"{_PROJECT}.Confirmed": NEGOTIATION,
        f"{_PROJECT}.SelfEvaluated": SEALED,
        f"{_COMMITTEE}.Opened": EventPolicy(),
        f"{_COMMITTEE}.ConflictDeclared": COMMITTEE_WORK,
        f"{_COMMITTEE}.ConflictRemoved": COMMITTEE_WORK,
        # Names the members whose recusal called for the substitute (`recused`): as the conflicts themselves.
        f"{_COMMITTEE}.SubstituteAdded": COMMITTEE_WORK,
        f"{_COMMITTEE}.Scored": SCORES,
        f"{_COMMITTEE}.Recommended": COMMITTEE_WORK,
        f"{_COMMITTEE}.ReportPublished": EventPolicy(),
    },
    # Published type names (`evaluation.Project.Created`), which auditors' tools read instead of Python topics.
    aggregates={_PROJECT: "evaluation.Project", _COMMITTEE: "evaluation.CommitteeEvaluation"},
)
