"""What every service's routes share: who acts (principal and trace), the version the caller saw (If-Match), and
answering a command (ETag, status, nudging the background tasks). Routes are plain `def`: FastAPI runs them in
its thread pool, so store reads, vault decryption and document reads never block the event loop.
"""

from __future__ import annotations

import uuid

from fastapi import Request, Response

from kyodo_shared.domain.actors import Actor, Principal
from kyodo_shared.domain.refusals import ANY_CURRENT, UNNAMED, Expected
from kyodo_shared.web.preconditions import etag_of as etag_of
from kyodo_shared.web.preconditions import if_match


def actor_of(request: Request, principal: Principal) -> Actor:
    """Who issues this command and which request caused it: recorded with its events (no clock or ids in them)."""
    trace = {"correlation_id": request.state.correlation_id, "causation_id": str(uuid.uuid4()), "actor": principal.sub}
    return Actor(principal, trace)


def expected_version(request: Request) -> Expected:
    """The version(s) the caller saw, from If-Match. Without it: UNNAMED, which the application accepts only
    for an aggregate not created yet (and answers 428 otherwise, after a 404 for one that does not exist)."""
    if "if-match" not in request.headers:
        return UNNAMED
    condition = if_match(request)
    # `*`: any existing version; otherwise the versions named (none, when only weak or foreign tags were sent:
    # then nothing can match, and the application answers 412 after a 404 for what does not exist).
    return ANY_CURRENT if condition.any else condition.versions


def nudge(request: Request) -> None:
    """After a command: the relay, the chain and the projections pick it up at once rather than at their poll."""
    request.app.state.kernel.nudge()


def answered(request: Request, response: Response, version: int, status: int = 200) -> None:
    """After a command: its ETag and status, and the nudge."""
    nudge(request)
    response.headers["ETag"] = etag_of(version)
    response.status_code = status
