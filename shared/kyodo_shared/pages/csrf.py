"""CSRF: every state-changing request made with the session cookie carries the session's token.

The token is HMAC(csrf key, session id) (`session.csrf_token_for`): forms send it as the field `csrf_token`, scripts
as the header `X-CSRF-Token`. Bearer requests carry no cookie and need none.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from kyodo_shared.pages.session import csrf_token_for, read_session
from kyodo_shared.web.auth import AuthError

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise a 403 AuthError `csrf_failed` unless `submitted` is this session's token (compared in constant time)."""
    expected = csrf_token_for(request)
    if not expected or not submitted or not hmac.compare_digest(expected.encode("ascii"), submitted.encode("utf-8")):
        raise AuthError(403, "csrf_failed")


def check_csrf_if_session(request: Request, submitted: str | None) -> None:
    """For a form open to visitors too (a citizen's registration): a visitor's post needs no token — it acts for
    nobody — but a post carrying an open session must carry that session's token, as `check_csrf`."""
    if read_session(request) is not None:
        check_csrf(request, submitted)
