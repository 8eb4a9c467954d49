"""What the audit API may show of the screening service's events (the kernel applies it)."""

from __future__ import annotations

from kyodo_shared.audit.visibility import EventPolicy, VisibilityPolicy, restricted
from kyodo_shared.web.auth import Role

# A round's draft: coordinators (and auditors) until it opens; then everything of it is public.
DRAFTS = EventPolicy(event=restricted(Role.COORDINATOR, Role.AUDITOR))
# Self-checks and assessments before the decision publishes them: the center and auditors only, so nobody on the
# team reads another's assessment through the history before giving their own.
WORK = EventPolicy(event=restricted(Role.COORDINATOR, Role.AUDITOR))
# A decision names who is behind each label: auditors and coordinators; the register (labels only) is public.
DECISIONS = EventPolicy(event=restricted(Role.AUDITOR, Role.COORDINATOR))

POLICY = VisibilityPolicy(
    events={
        **{f"kyodo_screening.domain:Project.{n}": EventPolicy() for n in ("Entered", "Updated")},
        **{f"kyodo_screening.domain:Project.{n}": EventPolicy() for n in ("AwaitingRound", "TakenByRound")},
        "kyodo_screening.domain:Round.Drafted": DRAFTS,
        "kyodo_screening.domain:Round.DraftRevised": DRAFTS,
        **{
            f"kyodo_screening.domain:Round.{n}": EventPolicy()
            for n in ("Opened", "SelfCheckClosed", "CloseRequested", "Closed")
        },
        "kyodo_screening.screening:Screening.Entered": EventPolicy(),
        "kyodo_screening.screening:Screening.SelfChecked": WORK,
        "kyodo_screening.screening:Screening.Assessed": WORK,
        "kyodo_screening.screening:Screening.Decided": DECISIONS,
        "kyodo_screening.screening:Screening.RescreenDue": EventPolicy(),
    },
    # Published type names (`screening.Round.Opened`), which auditors' tools read instead of Python topics.
    aggregates={
        "kyodo_screening.domain:Project": "screening.Project",
        "kyodo_screening.domain:Round": "screening.Round",
        "kyodo_screening.screening:Screening": "screening.Screening",
    },
)
