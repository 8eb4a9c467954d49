"""`kyodo audit recompute-evaluation` against a real evaluation store: events written by the service's own aggregates
and mapper, named by its visibility policy, read back by the command in a process of its own.

The aggregates are driven directly (the recommendation's decision and report as the hand-written story states them,
tests/support/evaluation_recompute.py), not through the service's use cases: what is under test is the command's
path from the store — opening it, the published type names, the stored values read back — not the service's rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import get_topic

from kyodo_evaluation.committee import CommitteeEvaluation
from kyodo_evaluation.domain import Project
from kyodo_recompute.evaluation_history import EVALUATION_READS
from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.settings import AuditSettings, KernelSettings, StoreSettings

from support.cli import cli_env, run_kyodo
from support.evaluation_recompute import CRITERIA, MEMBERS, PROJECT_ID, find, recommended

OTHER_PROJECT = str(uuid5(NAMESPACE_URL, "kyodo:evaluation:adoption:another-proposal"))


def evaluation_settings(folder: Path) -> KernelSettings:
    spec = discover()["evaluation"]
    return spec.settings_type.model_validate(
        {
            "store": StoreSettings(backend="sqlite", sqlite_path=folder / "evaluation.sqlite"),
            "audit": AuditSettings(keys_dir=folder / "keys"),
            "privacy": spec.settings_type().privacy.model_copy(update={"vault_path": folder / "vault.sqlite"}),
        }
    )


def story(project_id: str, recommend: bool, **decision_changes: Any) -> tuple[Project, CommitteeEvaluation]:
    """The default story (c1, v1, m1 counted; m2 voided for a conflict, m3 for an interest) in the real aggregates."""
    ident = UUID(project_id)
    project = Project(
        ident, "adoption", uuid5(NAMESPACE_URL, "g"), uuid5(NAMESPACE_URL, "d"), "見守り活動", {}, CRITERIA,
        "2027-04-01T09:00:00+09:00", {},
    )  # fmt: skip
    committee = CommitteeEvaluation(
        ident, uuid5(NAMESPACE_URL, "c"), "2027-04-01", MEMBERS, "c1", "v1", 3, CRITERIA, {}
    )
    for member, goal, effect in (("c1", 4, 3), ("v1", 5, 4), ("m1", 3, 4), ("m2", 2, 2), ("m3", 1, 1)):
        committee.score(member, {"goal": goal, "effect": effect}, {}, False, "2027-04-20T10:00:00+09:00", {})
    # After m2 scored, only the center records the conflict (a member's own declaration then is refused).
    committee.declare_conflict("m2", "family", "親族", "coord-1", True, {})
    if recommend:
        recommend_in(project, committee, **decision_changes)
    return project, committee


def recommend_in(project: Project, committee: CommitteeEvaluation, **decision_changes: Any) -> None:
    """The story's decision and report, recorded as the service's recommend does."""
    written = recommended().events()
    decision = {**find(written, "Recommended")["decision"], **decision_changes}
    report = {**find(written, "ReportPublished")["report"], "project_id": str(project.id)}
    committee.recommend(decision, report, {})
    # The project's own guard wants an ended, evaluated project; the story needs only the event it records.
    project._reported(decision["recommendation"], {})


def open_kernel(settings: KernelSettings) -> Kernel:
    kernel: Kernel = discover()["evaluation"].create_app(settings, None).state.kernel
    return kernel


def test_the_command_reads_the_service_s_store_by_its_published_types_and_exits_by_the_result(tmp_path: Path) -> None:
    settings = evaluation_settings(tmp_path)
    kernel = open_kernel(settings)
    try:
        named = {
            kernel.visibility.type_of(get_topic(cls))
            for aggregate in (Project, CommitteeEvaluation)
            for cls in vars(aggregate).values()
            if isinstance(cls, type)
        }
        assert named >= EVALUATION_READS  # every type the recompute folds is one the service publishes
        kernel.application.save(*story(PROJECT_ID, recommend=False))
    finally:
        kernel.close()
    env = cli_env(settings)

    waiting = run_kyodo("audit", "recompute-evaluation", PROJECT_ID, env=env)
    assert waiting.returncode == 4, waiting.stdout + waiting.stderr
    assert "まだ推薦が確定していません / Not recommended yet" in waiting.stdout

    kernel = open_kernel(settings)
    try:
        committee = kernel.application.repository.get(CommitteeEvaluation.create_id(UUID(PROJECT_ID)))
        project = kernel.application.repository.get(UUID(PROJECT_ID))
        recommend_in(project, committee)
        # Another project whose recommendation states a mean its history does not give: (4+5+3)/3 is 4, not 9/2.
        wrong = story(OTHER_PROJECT, recommend=True, criterion_means={"goal": "9/2", "effect": "11/3"})
        kernel.application.save(committee, project, *wrong)
    finally:
        kernel.close()

    agreed = run_kyodo("audit", "recompute-evaluation", PROJECT_ID, env=env)
    assert agreed.returncode == 0, agreed.stdout + agreed.stderr
    assert "The recompute AGREES with the recommendation" in agreed.stdout
    assert "23/6" in agreed.stdout
    disagreed = run_kyodo("audit", "recompute-evaluation", OTHER_PROJECT, "--json", env=env)
    assert disagreed.returncode == 1, disagreed.stdout + disagreed.stderr
    found = json.loads(disagreed.stdout)["findings"]
    assert [(f["code"], f["detail"]["criterion"], f["detail"]["stated"]) for f in found] == [
        ("criterion_mean_mismatch", "goal", "9/2")
    ]
    assert "Traceback" not in agreed.stderr + disagreed.stderr
