"""`/auth/login`, `/auth/callback`, `/auth/logout`: people log in with the city's OIDC provider (docs/LOGIN.md).

The authorization-code flow with PKCE (S256) through Authlib's `AsyncOAuth2Client`: `/auth/login` keeps the state,
the code verifier and where to return in a short-lived sealed cookie and sends the browser to the provider;
`/auth/callback` checks the state, exchanges the code (with the verifier) at the provider's token endpoint, verifies
the access token as every bearer token is verified, and seals it into the session cookie (pages/session.py).
`/auth/logout` (a POST carrying the session's CSRF token) clears it. At the token's expiry the session ends: the
next page needing a login sends the reader through `/auth/login` again.
"""

from __future__ import annotations

import hmac
import time
import warnings
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kyodo_shared.pages.csrf import CSRF_FIELD, check_csrf, check_same_site
from kyodo_shared.pages.errors import problem_page
from kyodo_shared.pages.login_failures import LOGIN_FAILURES
from kyodo_shared.pages.render import provider_origins, web_origin
from kyodo_shared.pages.session import (
    LOGIN_COOKIE,
    LOGIN_PURPOSE,
    SESSION_COOKIE,
    BrowserSession,
    clear_cookie,
    cookie_name,
    new_session_id,
    read_session,
    seal,
    session_keys,
    set_cookie,
    set_session_cookie,
    unseal,
)
from kyodo_shared.settings import KernelSettings
from kyodo_shared.web.auth import AuthError, JwksVerifier
from kyodo_shared.web.messages import KERNEL_MESSAGES
from kyodo_shared.web.problems import Problem

with warnings.catch_warnings():
    # Authlib warns at import that it found `httpx` rather than its successor `httpx2`; httpx is the project's client.
    # Its own module first: importing it adds an "always" filter, which ours must come before.
    import authlib.deprecate  # type: ignore[import-untyped]  # noqa: F401

    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.common.security import generate_token  # type: ignore[import-untyped]
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError  # type: ignore[import-untyped]

log = structlog.get_logger(__name__)

# How long a started login may take at the provider before its state cookie lapses.
LOGIN_STATE_SECONDS = 600
DISCOVERY_CACHE_SECONDS = 3600
_MAX_NEXT = 2000
_NO_STORE = {"Cache-Control": "no-store"}


def safe_next(value: str | None) -> str:
    """Where to return after login: a local path only (`/…`, not `//host`, no scheme, no backslash), else `/`."""
    if not value or len(value) > _MAX_NEXT or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith("/auth/"):
        return "/"
    return value


def failure_page(request: Request, code: str, **data: str) -> Response:
    if code in LOGIN_FAILURES:
        status, title_ja, title_en, detail_ja, detail_en = LOGIN_FAILURES[code]
    else:
        message = KERNEL_MESSAGES[code]
        status, title_ja, title_en = message.status, message.title_ja, message.title_en
        detail_ja, detail_en = message.detail_ja or "", message.detail_en or ""
    problem = Problem(
        status,
        code,
        title_ja,
        title_en,
        detail_ja=detail_ja.format(**data),
        detail_en=detail_en.format(**data),
        headers=_NO_STORE,
    )
    return problem_page(request, problem)


class _Provider:
    """The identity provider's discovery document, fetched on first use and kept for an hour."""

    def __init__(self, settings: KernelSettings, transport: httpx.AsyncBaseTransport | None) -> None:
        self.settings, self.transport = settings, transport
        self._metadata: dict[str, Any] | None = None
        self._fetched = 0.0

    def client(self, request: Request) -> Any:
        login = self.settings.login
        secret = None if login.client_secret is None else login.client_secret.get_secret_value()
        transport = self.transport or getattr(request.app.state, "oidc_transport", None)
        return AsyncOAuth2Client(
            client_id=login.client_id,
            client_secret=secret,
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            scope=login.scopes,
            redirect_uri=login.redirect_uri,
            code_challenge_method="S256",
            timeout=10.0,
            transport=transport,
        )

    async def metadata(self, request: Request) -> dict[str, Any]:
        """Raises httpx.HTTPError or ValueError when the document cannot be had."""
        if self._metadata is not None and time.monotonic() - self._fetched < DISCOVERY_CACHE_SECONDS:
            return self._metadata
        url = self.settings.login.discovery(self.settings.auth.issuer)
        if url is None:
            raise ValueError("no discovery URL")
        async with self.client(request) as client:
            answer = await client.request("GET", url, withhold_token=True)
        answer.raise_for_status()
        document = answer.json()
        if not isinstance(document, dict) or not all(
            isinstance(document.get(k), str) for k in ("authorization_endpoint", "token_endpoint")
        ):
            raise ValueError("the discovery document lacks its endpoints")
        self._metadata, self._fetched = document, time.monotonic()
        return document


def login_router(settings: KernelSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> APIRouter:
    """The login routes. `transport` (or the app's `state.oidc_transport`) carries the calls to the identity
    provider — by default over the network; tests pass the gateway's ASGI transport."""
    router = APIRouter(prefix="/auth", include_in_schema=False)
    login = settings.login
    provider = _Provider(settings, transport)
    # Where the pages' CSP lets a form go (render.security_headers): the only places logout may redirect to.
    form_targets = {*provider_origins(settings), web_origin(login.public_url or "")} - {None}

    @router.get("/login")
    async def start(request: Request, next: str | None = None) -> Response:
        missing = login.missing(settings.auth.issuer)
        keys = session_keys(login)
        if missing or keys is None:
            return failure_page(request, "login_not_configured", names=", ".join(missing))
        try:
            metadata = await provider.metadata(request)
        except (httpx.HTTPError, ValueError) as error:
            log.warning("oidc_discovery_failed", error=type(error).__name__)
            return failure_page(request, "provider_unavailable")
        state, verifier = generate_token(32), generate_token(64)
        async with provider.client(request) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=state, code_verifier=verifier
            )
        pending = {
            "state": state,
            "cv": verifier,
            "next": safe_next(next),
            "exp": int(time.time()) + LOGIN_STATE_SECONDS,
        }
        response = RedirectResponse(url, status_code=303, headers=_NO_STORE)
        set_cookie(response, login, LOGIN_COOKIE, seal(keys, LOGIN_PURPOSE, pending), LOGIN_STATE_SECONDS)
        return response

    @router.get("/callback")
    async def callback(request: Request) -> Response:
        keys = session_keys(login)
        missing = login.missing(settings.auth.issuer)
        if missing or keys is None:
            return failure_page(request, "login_not_configured", names=", ".join(missing))
        sealed = request.cookies.get(cookie_name(login, LOGIN_COOKIE), "")
        pending = unseal(keys, LOGIN_PURPOSE, sealed) if sealed else None
        outcome = await _complete(request, pending)
        clear_cookie(outcome, login, LOGIN_COOKIE)
        return outcome

    async def _complete(request: Request, pending: dict[str, Any] | None) -> Response:
        params = request.query_params
        if pending is None:
            return failure_page(request, "login_expired")
        if not hmac.compare_digest(str(pending.get("state", "")).encode(), params.get("state", "").encode()):
            log.warning("login_state_mismatch")
            return failure_page(request, "state_mismatch")
        if "error" in params or not params.get("code"):
            # The provider's own error code only (access_denied, …); its description is not logged.
            log.info("login_refused_by_provider", error=params.get("error", "no_code")[:64])
            return failure_page(request, "login_refused")
        try:
            metadata = await provider.metadata(request)
            async with provider.client(request) as client:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=params["code"],
                    code_verifier=pending["cv"],
                    redirect_uri=login.redirect_uri,
                )
        except OAuthError as error:
            log.warning("login_code_exchange_refused", error=str(getattr(error, "error", ""))[:64])
            return failure_page(request, "login_refused")
        except (httpx.HTTPError, ValueError) as error:
            log.warning("login_code_exchange_failed", error=type(error).__name__)
            return failure_page(request, "provider_unavailable")
        access = token.get("access_token")
        verifier: JwksVerifier = request.app.state.verifier
        try:
            await verifier.verify(access if isinstance(access, str) else "")
        except AuthError as error:
            log.warning("login_token_refused", code=error.code)
            return failure_page(request, "provider_unavailable" if error.status == 503 else "token_refused")
        assert isinstance(access, str)
        expires = jwt.decode(access, options={"verify_signature": False}).get("exp")
        ends = int(time.time()) + login.session_max_seconds
        session = BrowserSession(new_session_id(), access, min(ends, expires) if isinstance(expires, int) else ends)
        response = RedirectResponse(safe_next(str(pending.get("next"))), status_code=303, headers=_NO_STORE)
        try:
            set_session_cookie(response, login, session)
        except ValueError:
            log.warning("login_token_too_large_for_cookie", length=len(access))
            return failure_page(request, "token_refused")
        log.info("login_completed")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        try:
            check_same_site(request)
            if read_session(request) is not None:
                form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
                check_csrf(request, form.get(CSRF_FIELD))
        except AuthError:
            return failure_page(request, "csrf_failed")
        response = RedirectResponse(await _after_logout(request), status_code=303, headers=_NO_STORE)
        clear_cookie(response, login, SESSION_COOKIE)
        return response

    async def _after_logout(request: Request) -> str:
        """The provider's end-session endpoint (ending its own session too) when it has one, else the home page."""
        try:
            metadata = await provider.metadata(request)
        except (httpx.HTTPError, ValueError):
            return "/"
        endpoint = metadata.get("end_session_endpoint")
        if not isinstance(endpoint, str) or login.public_url is None:
            return "/"
        if web_origin(endpoint) not in form_targets:
            # The pages' CSP (`form-action`) lets the logout form go only there: a redirect elsewhere is blocked by
            # the browser, and the reader would stay on the page, logged out of Kyodo without being told.
            log.warning("end_session_endpoint_not_allowed", origin=web_origin(endpoint))
            return "/"
        query = urlencode({"client_id": login.client_id, "post_logout_redirect_uri": f"{login.public_url}/"})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    return router
