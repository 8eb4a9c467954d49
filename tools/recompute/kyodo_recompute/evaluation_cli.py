"""`kyodo audit recompute-evaluation <project>`: the auditor's independent recompute of a committee's evaluation of a
collaboration project, from the evaluation service's store (opened as `kyodo audit recompute` opens a service's).

The `kyodo` command imports this module only when the command runs: the kernel itself knows no recompute.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kyodo_recompute.evaluation_history import canonical_project_id, events_for_project
from kyodo_recompute.evaluation_recompute import EvaluationReport, recompute_evaluation
from kyodo_shared.cli.console import show_error
from kyodo_shared.cli.errors import FAILED, NOT_YET
from kyodo_shared.cli.operator import open_kernel

__all__ = ["recompute_evaluation_command", "recompute_evaluation_kernel"]


def recompute_evaluation_command(project_id: str, service: str, data_dir: Path, as_json: bool = False) -> int:
    """0 when the history agrees with the recommendation and its report in every check, 1 otherwise (or when it
    cannot be checked), 4 (NOT_YET) when the committee has simply not recommended yet: nothing to compare, which is
    no failure."""
    try:
        project = canonical_project_id(project_id)
    except ValueError:
        show_error(
            f"{project_id!r} は事業の ID (UUID) ではありません / is not a project id (a UUID)",
            "事業の一覧 / list the projects: GET /api/evaluation/projects (each item's `project_id`)",
        )
        return FAILED
    kernel = open_kernel(service, data_dir)
    try:
        report = recompute_evaluation_kernel(kernel, project)
    finally:
        kernel.close()
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n")
    elif report.waiting:
        print(f"まだ推薦が確定していません / Not recommended yet: {report.project_id}")
        print("  推薦の確定後に再計算できます / the recompute can run once the recommendation is confirmed")
    else:
        _print(report)
    if report.waiting:
        return NOT_YET
    return 0 if report.ok else FAILED


def recompute_evaluation_kernel(kernel: Any, project_id: str) -> EvaluationReport:
    """The recompute of a project's committee evaluation from an open kernel's store, its events named by the types
    the service publishes for its stored topics (its visibility policy)."""
    events = events_for_project(kernel.application, kernel.visibility.type_of, project_id)
    return recompute_evaluation(project_id, events)


def _print(report: EvaluationReport) -> None:
    if report.ok:
        print(f"再計算は推薦と一致しました / The recompute AGREES with the recommendation: {report.project_id}")
    else:
        count = len(report.findings)
        print(
            f"再計算で {count} 件の問題が見つかりました / The recompute found {count} problem(s): {report.project_id}"
        )
    for item in report.findings:
        print(f"- [{item.code}] {item.message_ja}")
        print(f"  {item.message_en}")
    recomputed = report.recomputed
    if recomputed.get("criterion_means"):
        print(f"  集計 / counted: {len(recomputed['counted'])}")
        for key, mean in recomputed["criterion_means"].items():
            print(f"  {key}: {mean}")
        print(f"  総合 / overall: {recomputed['overall_mean']}")
    for note in report.notes:
        print(f"  ({note.code}) {note.message_ja}")
        print(f"  {note.message_en}")
