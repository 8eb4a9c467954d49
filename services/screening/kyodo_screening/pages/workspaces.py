"""What the screening service's index (`/screening/`) offers a logged-in reader: where each role's work starts."""

from __future__ import annotations

from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.site import Workspace

WORKSPACES: tuple[Workspace, ...] = (
    Workspace("/screening/inventory", N_("The department's inventory"), ("staff", "coordinator")),
    Workspace("/screening/inventory/import", N_("Import the inventory (CSV)"), ("staff",)),
    Workspace("/screening/rounds", N_("Screening rounds"), ("coordinator", "team", "staff")),
    Workspace("/screening/audit", N_("Audit: history and verification"), ("auditor",)),
)
