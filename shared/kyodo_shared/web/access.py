"""Who is calling: FastAPI dependencies that authenticate the caller and check roles.

Every route of every service (and the kernel's audit API) declares its callers through these. A caller is known by
its bearer token (`Authorization: Bearer …`), else by the browser's session cookie (pages/session.py), whose token
is verified the same way; with the cookie, a state-changing request must also carry the session's CSRF token in
`X-CSRF-Token`. A request with a bearer token is never read for a cookie, so API clients are unaffected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from kyodo_shared.web.auth import AuthError, JwksVerifier, Principal, Role, require_role


def _has_bearer(request: Request) -> bool:
    return "authorization" in request.headers


def _has_cookie(request: Request) -> bool:
    # Imported here: the page kit imports the web layer, not the other way round at import time.
    from kyodo_shared.pages.session import has_session_cookie

    return has_session_cookie(request)


async def _from_cookie(request: Request) -> Principal:
    from kyodo_shared.pages.csrf import CSRF_HEADER, SAFE_METHODS, check_csrf
    from kyodo_shared.pages.session import read_session

    session = read_session(request)
    if session is None:
        # Altered, sealed with another key, or past its end: as if no credential were sent.
        raise AuthError.unauthorized("missing_token")
    # What a browser reads with its session is that person's: the answer is kept by no cache (web/app.py).
    request.state.cookie_auth = True
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    verifier: JwksVerifier = request.app.state.verifier
    return await verifier.verify(session.access_token)


async def current_principal(request: Request) -> Principal:
    """The bearer token's principal, else the session cookie's; 401 when neither is there or valid."""
    if not _has_bearer(request) and _has_cookie(request):
        return await _from_cookie(request)
    verifier: JwksVerifier = request.app.state.verifier
    return await verifier.authenticate(request.headers.get("authorization"))


async def principal(request: Request) -> Principal:
    return await current_principal(request)


CurrentPrincipal = Annotated[Principal, Depends(principal)]


async def optional_principal(request: Request) -> Principal | None:
    """Anonymous readers are welcome on public routes; a token, when sent, must be valid.

    A session cookie that no longer holds a valid token (expired, altered) reads as anonymous — a browser cannot
    drop it by itself — but a state-changing request with the cookie still needs its CSRF token."""
    if _has_bearer(request):
        return await current_principal(request)
    if not _has_cookie(request):
        return None
    try:
        return await _from_cookie(request)
    except AuthError as error:
        if error.code == "csrf_failed" or error.status == 503:
            raise
        return None


def requires(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates and checks roles before the body is validated (401/403 before 422)."""

    async def dependency(request: Request) -> Principal:
        who = await current_principal(request)
        require_role(who, *roles)
        return who

    return dependency
