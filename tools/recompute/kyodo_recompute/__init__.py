"""The auditor's independent recompute of a call for proposals, outside the kernel and the proposals service.

It reads a call's history by published event-type names (`proposals.Call.Published`, …) through the kernel's audit
reader and redoes the decision from the published rules; it imports nothing of `kyodo_proposals`. The same is done
for a committee's evaluation of a collaboration project (evaluation_*.py, `kyodo audit recompute-evaluation`), which
imports nothing of `kyodo_evaluation`.
"""

from kyodo_recompute.checks import Finding
from kyodo_recompute.recompute import DEFAULT_QUORUM, RecomputeReport, compare_ranking, events_for_call, recompute_call

__all__ = ["DEFAULT_QUORUM", "Finding", "RecomputeReport", "compare_ranking", "events_for_call", "recompute_call"]
