"""What the proposals service's index (`/proposals/`) offers a logged-in reader: where each role's work starts."""

from __future__ import annotations

from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.site import Workspace

WORKSPACES: tuple[Workspace, ...] = (
    Workspace("/proposals/calls", N_("Calls and proposals"), ("coordinator", "group")),
    Workspace("/proposals/calls/new", N_("Draft a call"), ("coordinator",)),
    Workspace("/proposals/review", N_("Calls to review (review board)"), ("reviewer",)),
    Workspace("/proposals/audit", N_("Audit: history and verification"), ("auditor",)),
)
