"""What the audit API may show of the proposals service's events (the kernel applies it)."""

from __future__ import annotations

from kyodo_shared.audit.visibility import (
    JUDGES,
    SCORES_WITHHELD_FROM,
    EventPolicy,
    VisibilityPolicy,
    restricted,
    sealed,
)
from kyodo_shared.web.auth import Role


def _topic(name: str) -> str:
    return f"kyodo_proposals.domain:Call.{name}"


# The review's records: auditors (who recompute the decision) and coordinators; scores for auditors only, so nobody
# who could add a substitute watches the scoring — never an account that also holds a committee role or the
# coordinator's (the kernel's SCORES_WITHHELD_FROM: a judge could read the others' scores before giving its own, a
# coordinator's account auditing too would watch the scoring all the same).
REVIEW = EventPolicy(event=restricted(Role.AUDITOR, Role.COORDINATOR))
# What the board's pages keep from a member: every proposal's group and content (the opening) and who is recused
# from which proposal (the conflicts, and the decision's voided scores). An auditor's or coordinator's account that
# also holds a committee role would read them in the history, so they are withheld from it as the scores are.
RECUSALS = EventPolicy(event=restricted(Role.AUDITOR, Role.COORDINATOR, unless=JUDGES))
SCORING = EventPolicy(event=restricted(Role.AUDITOR, unless=SCORES_WITHHELD_FROM))
# Drafts are not public until published; everything from publication on is.
DRAFTS = EventPolicy(event=restricted(Role.COORDINATOR))

# Sealed proposals and their gate live in the sealed store, which the audit API does not list; calls published
# before it existed keep theirs here, shown by their chain fields only (the bodies are ciphertext anyway).
NEVER: EventPolicy = EventPolicy(event=sealed(lambda body: None))

POLICY = VisibilityPolicy(
    events={
        **{f"kyodo_proposals.sealed:Proposal.{n}": NEVER for n in ("Submitted", "Revised", "Withdrawn")},
        **{f"kyodo_proposals.sealed:Gate.{n}": NEVER for n in ("Opened", "Passed", "Shut", "Reopened")},
        _topic("Drafted"): DRAFTS,
        _topic("DraftRevised"): DRAFTS,
        **{
            _topic(name): EventPolicy()
            for name in ("Published", "Amended", "Closed", "Cancelled", "ReviewStarted", "ResultsPublished")
        },
        **{f"kyodo_proposals.review:Review.{name}": EventPolicy() for name in ("SubstituteAdded", "DecisionBlocked")},
        # The review: revealed proposals, conflicts and scores are for the board's work and for auditors; what is
        # public leaves with the results.
        **{
            f"kyodo_proposals.review:Review.{name}": RECUSALS
            for name in ("Opened", "ConflictDeclared", "ConflictRemoved", "Decided")
        },
        "kyodo_proposals.review:Review.ResultsPublished": REVIEW,
        "kyodo_proposals.review:Review.Scored": SCORING,
    },
    # Published type names (`proposals.Call.Published`), which auditors' tools read instead of Python topics: a moved
    # module or renamed class changes the key here, never the name.
    aggregates={
        "kyodo_proposals.domain:Call": "proposals.Call",
        "kyodo_proposals.review:Review": "proposals.Review",
        "kyodo_proposals.sealed:Proposal": "proposals.Proposal",
        "kyodo_proposals.sealed:Gate": "proposals.Gate",
    },
)
