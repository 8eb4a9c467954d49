"""Who is calling: FastAPI dependencies that authenticate the bearer token and check roles.

Every route of every service (and the kernel's audit API) declares its callers through these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from kyodo_shared.web.auth import JwksVerifier, Principal, Role, require_role


def current_principal(request: Request) -> Awaitable[Principal]:
    verifier: JwksVerifier = request.app.state.verifier
    return verifier.authenticate(request.headers.get("authorization"))


async def principal(request: Request) -> Principal:
    return await current_principal(request)


CurrentPrincipal = Annotated[Principal, Depends(principal)]


async def optional_principal(request: Request) -> Principal | None:
    """Anonymous readers are welcome on public routes; a token, when sent, must be valid."""
    if "authorization" not in request.headers:
        return None
    return await current_principal(request)


def requires(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates and checks roles before the body is validated (401/403 before 422)."""

    async def dependency(request: Request) -> Principal:
        who = await current_principal(request)
        require_role(who, *roles)
        return who

    return dependency
