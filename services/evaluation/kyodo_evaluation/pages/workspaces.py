"""What the evaluation service's index (`/evaluation/`) offers a logged-in reader: where each role's work starts."""

from __future__ import annotations

from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.site import Workspace

WORKSPACES: tuple[Workspace, ...] = (
    Workspace("/evaluation/projects", N_("Collaboration projects"), ("group", "staff", "coordinator")),
    Workspace("/evaluation/projects/new", N_("Start a project"), ("coordinator",)),
    Workspace("/evaluation/committee", N_("Committee evaluations"), ("evaluator", "coordinator")),
    Workspace("/evaluation/audit", N_("Audit: history and verification"), ("auditor",)),
)
