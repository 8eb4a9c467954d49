"""What the registry service's index (`/registry/`) offers a logged-in reader: where each role's work starts."""

from __future__ import annotations

from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.site import Workspace

WORKSPACES: tuple[Workspace, ...] = (
    Workspace("/registry/apply", N_("Apply for registration"), ("group",)),
    Workspace("/registry/mine", N_("My groups"), ("group",)),
    Workspace("/registry/assessments", N_("Assessment queue"), ("coordinator",)),
    Workspace("/registry/decisions", N_("Groups and decisions"), ("coordinator",)),
    Workspace("/registry/departments", N_("Departments"), ("coordinator",)),
    Workspace("/registry/team", N_("Cross-department team"), ("coordinator", "staff")),
    Workspace("/registry/committees", N_("Committees"), ("coordinator",)),
    Workspace(
        "/registry/interests", N_("My declared interests"), ("coordinator", "staff", "team", "reviewer", "evaluator")
    ),
    Workspace("/registry/audit", N_("Audit: history and verification"), ("auditor",)),
)
