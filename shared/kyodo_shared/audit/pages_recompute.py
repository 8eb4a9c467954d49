"""Recompute results on the auditor's pages: a call's published ranking (`/proposals/audit/calls/{id}`) and a
committee's evaluation of a project (`/evaluation/audit/projects/{id}`), each redone from the service's event history
by the auditor's independent recompute — the very functions `kyodo audit recompute` and `kyodo audit
recompute-evaluation` run (`kyodo_recompute.cli.recompute_kernel`, `kyodo_recompute.evaluation_cli.
recompute_evaluation_kernel`) — over this service's open kernel.

The kernel does not import the recompute (tests/audit/test_recompute_boundaries.py): as the command line does, the
page imports it when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from kyodo_shared.runtime import Kernel


@dataclass(frozen=True)
class Recompute:
    """What a service recomputes: the path segment under `/audit`, the page's template and how it is run."""

    segment: str  # "calls" or "projects"
    template: str
    recompute: Callable[[Kernel, str], Any]

    def run(self, kernel: Kernel, subject: str) -> dict[str, Any]:
        """The report as the command's `--json` prints it, with `waiting` (nothing to compare yet)."""
        result: dict[str, Any] = self.recompute(kernel, subject).as_dict()
        result["waiting"] = _waiting(self.segment, result)
        result["agrees"] = bool(result["ok"]) and not result["waiting"]
        if self.segment == "projects":
            result["criterion_names"] = _criterion_names(kernel, result.get("committee_evaluation_id"))
        return result


def _criterion_names(kernel: Kernel, committee_id: Any) -> dict[str, Mapping[str, Any]]:
    """The committee's criteria by key ({key, name_ja, name_en}), as its public opening fixed them, so the page names
    each mean as the committee's pages do; none when the committee is not found (the page shows the keys)."""
    try:
        committee = kernel.application.repository.get(UUID(str(committee_id)))
    except (ValueError, AggregateNotFoundError):
        return {}
    criteria = getattr(committee, "criteria", None) or []
    return {str(c["key"]): c for c in criteria if isinstance(c, Mapping) and "key" in c}


# As `kyodo_recompute.cli._UNDECIDED` and `evaluation_recompute.UNDECIDED`: a call or an evaluation still under way.
_UNDECIDED = {
    "calls": frozenset({"review_not_found", "not_decided"}),
    "projects": frozenset({"committee_not_opened", "not_recommended"}),
}


def _waiting(segment: str, result: dict[str, Any]) -> bool:
    codes = {f["code"] for f in result.get("findings", [])}
    return bool(codes) and codes <= _UNDECIDED[segment]


def _call(kernel: Kernel, call_id: str) -> Any:
    from kyodo_recompute.cli import recompute_kernel

    return recompute_kernel(kernel, call_id)


def _project(kernel: Kernel, project_id: str) -> Any:
    from kyodo_recompute.evaluation_cli import recompute_evaluation_kernel

    return recompute_evaluation_kernel(kernel, project_id)


CALLS = Recompute("calls", "audit/recompute_call.html", _call)
PROJECTS = Recompute("projects", "audit/recompute_project.html", _project)
