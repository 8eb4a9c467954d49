"""Shared pieces of the proposals service's routes: the application; trace data and running a command come from
the kernel.
"""

from __future__ import annotations

from fastapi import Request

from kyodo_proposals.app import ProposalsApplication
from kyodo_shared.domain.refusals import run_refusing as run
from kyodo_shared.web.app import trace_of as trace

__all__ = ["app_of", "run", "trace"]


def app_of(request: Request) -> ProposalsApplication:
    app: ProposalsApplication = request.app.state.kernel.application
    return app
