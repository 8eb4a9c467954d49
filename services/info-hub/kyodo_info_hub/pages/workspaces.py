"""Where each role's work at the civic activity center starts: the programmes `/center` lists for a coordinator
(info-hub's pages are the portal at `/`, so it has no service index; `/center` is that index for the center's
work). One entry per programme, each helper adding its own line."""

from __future__ import annotations

from kyodo_shared.pages.notices import N_
from kyodo_shared.pages.site import Workspace

WORKSPACES: tuple[Workspace, ...] = (
    Workspace("/center/news", N_("News"), ("coordinator",)),
    Workspace("/center/exchange", N_("Opinion exchange"), ("coordinator",)),
    Workspace("/center/trainings", N_("Trainings and courses"), ("coordinator",)),
    Workspace("/center/surveys", N_("Surveys"), ("coordinator",)),
    Workspace("/me/cases", N_("Coordination cases"), ("coordinator",)),
    Workspace("/info-hub/audit", N_("Audit: history and verification"), ("auditor",)),
)
