"""Shared pieces of the proposals service's routes: the application; trace data and running a command come from
the kernel.
"""

from __future__ import annotations

from fastapi import Request

from kyodo_proposals.app import ProposalsApplication
from kyodo_shared.web.app import trace_of as trace
from kyodo_shared.web.threads import off_loop as run

__all__ = ["app_of", "run", "trace"]


def app_of(request: Request) -> ProposalsApplication:
    app: ProposalsApplication = request.app.state.kernel.application
    return app
