"""The embedded OIDC provider of `kyodo up` (never of `kyodo serve`): the dev issuer, signing in as a demo user.

Mounted by the gateway at `/oidc`: discovery, an authorize page listing the demo users (one or more per role), a token
endpoint (authorization code, one-time and short-lived, PKCE S256 required) and the JWKS. Tokens are the dev
issuer's (`urn:kyodo:dev-issuer`, audience `kyodo`), which production settings refuse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kyodo_shared.web.devissuer import DEV_ISSUER, DevIssuer
from kyodo_shared.web.oidc_provider_pages import choose_page, page_language, refusal_page

CODE_TTL_SECONDS = 60
TOKEN_TTL_SECONDS = 3600
_MAX_CODES = 1000
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class DemoUser:
    sub: str
    roles: tuple[str, ...]
    label_ja: str
    label_en: str


# Subjects the demo seeders (services/*/demo*.py) give data to, so each user finds their own records.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo-coordinator", ("coordinator",), "協働コーディネーター", "Coordinator"),
    # The childcare department's liaison, also on the cross-department team (as the screening demo appoints them):
    # a project is assessed by two team members, one from another department (demo-staff-kyodo).
    DemoUser(
        "demo-staff-kosodate",
        ("staff", "team"),
        "子育て支援課 職員（担当課・庁内横断的チーム員）",
        "Department staff (childcare), collaboration team",
    ),
    DemoUser(
        "demo-representative-1",
        ("group",),
        "団体代表者（こくぶんじ緑のボランティア）",
        "Group representative (Kokubunji green volunteers)",
    ),
    DemoUser(
        "demo-representative-2",
        ("group",),
        "団体代表者（恋ヶ窪子育てネットワーク）",
        "Group representative (Koigakubo childcare network)",
    ),
    # A group's representative before the group exists: the one who applies for registration.
    DemoUser("demo-applicant", ("group",), "登録を申請する団体の代表者（未登録）", "Group applying for registration"),
    DemoUser("demo-reviewer-1", ("reviewer",), "協働事業審査会 委員長", "Review board chair"),
    # The board's other two members (the registry's demo appoints three), so a review can be scored and decided.
    DemoUser("demo-reviewer-2", ("reviewer",), "協働事業審査会 副委員長", "Review board vice-chair"),
    DemoUser("demo-reviewer-3", ("reviewer",), "協働事業審査会 委員", "Review board member"),
    DemoUser("demo-evaluator-1", ("evaluator",), "評価委員会 委員長", "Evaluation committee chair"),
    # The evaluation committee's other two members (the evaluation demo appoints three), so a committee evaluation
    # can be scored by a quorum, and a recusal seen by the recused member, through the pages.
    DemoUser("demo-evaluator-2", ("evaluator",), "評価委員会 副委員長", "Evaluation committee vice-chair"),
    DemoUser("demo-evaluator-3", ("evaluator",), "評価委員会 委員", "Evaluation committee member"),
    DemoUser(
        "demo-staff-kyodo", ("staff", "team"), "庁内横断的チーム員（協働コミュニティ課）", "Cross-department team"
    ),
    DemoUser("demo-auditor", ("auditor",), "監査担当", "Auditor"),
)


@dataclass(frozen=True)
class _Grant:
    user: DemoUser
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    expires: float


class _AuthorizeRequest:
    """The authorize parameters, checked: `error` says why not (and `redirectable` whether the client may hear it)."""

    def __init__(self, params: dict[str, str], client_id: str, redirect_uri: str) -> None:
        self.params = params
        self.state = params.get("state", "")
        self.redirectable = params.get("client_id") == client_id and params.get("redirect_uri") == redirect_uri
        self.error = "" if self.redirectable else "invalid_client_or_redirect_uri"
        if self.redirectable:
            if params.get("response_type") != "code":
                self.error = "unsupported_response_type"
            elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
                self.error = "invalid_request"

    def redirect_error(self) -> RedirectResponse:
        query = urlencode({"error": self.error, **({"state": self.state} if self.state else {})})
        return RedirectResponse(f"{self.params['redirect_uri']}?{query}", status_code=303)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


async def _form(request: Request) -> dict[str, str]:
    # application/x-www-form-urlencoded, read here: no multipart parser is needed for these small forms.
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def oidc_provider_app(
    issuer: DevIssuer,
    *,
    base_url: str,
    client_id: str,
    redirect_uri: str,
    audience: str = "kyodo",
    users: Sequence[DemoUser] = DEMO_USERS,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The provider for one client; `base_url` is where it is reached (e.g. `http://127.0.0.1:8080/oidc`)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    codes: dict[str, _Grant] = {}
    by_sub = {user.sub: user for user in users}

    @app.get("/.well-known/openid-configuration")
    def discovery() -> JSONResponse:
        return JSONResponse(
            {
                "issuer": DEV_ISSUER,
                "authorization_endpoint": f"{base_url}/authorize",
                "token_endpoint": f"{base_url}/token",
                "jwks_uri": f"{base_url}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["EdDSA"],
                "scopes_supported": ["openid", "profile"],
                "claims_supported": ["sub", "roles", "aud", "iss", "exp", "iat"],
            }
        )

    @app.get("/jwks")
    def jwks() -> JSONResponse:
        return JSONResponse(issuer.jwks())

    @app.get("/authorize")
    def authorize_page(request: Request) -> Response:
        checked = _AuthorizeRequest(dict(request.query_params), client_id, redirect_uri)
        if not checked.redirectable:
            return HTMLResponse(refusal_page(page_language(request, checked.params), checked.params), status_code=400)
        if checked.error:
            return checked.redirect_error()
        return HTMLResponse(
            choose_page(page_language(request, checked.params), checked.params, users), headers=_NO_STORE
        )

    @app.post("/authorize")
    async def authorize(request: Request) -> Response:
        form = await _form(request)
        checked = _AuthorizeRequest(form, client_id, redirect_uri)
        if not checked.redirectable:
            return HTMLResponse(refusal_page(page_language(request, form), form), status_code=400)
        if checked.error:
            return checked.redirect_error()
        user = by_sub.get(form.get("user", ""))
        if user is None:
            page = choose_page(page_language(request, form), form, users, missing=True)
            return HTMLResponse(page, status_code=422, headers=_NO_STORE)
        now = clock()
        for old in [code for code, grant in codes.items() if grant.expires <= now]:
            del codes[old]
        if len(codes) >= _MAX_CODES:
            codes.pop(next(iter(codes)))
        code = secrets.token_urlsafe(32)
        codes[code] = _Grant(
            user, client_id, redirect_uri, form["code_challenge"], form.get("nonce") or None, now + CODE_TTL_SECONDS
        )
        query = urlencode({"code": code, **({"state": checked.state} if checked.state else {})})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=303)

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        form = await _form(request)
        if form.get("grant_type") != "authorization_code":
            return _token_error("unsupported_grant_type")
        # One use only: the code is gone whether or not this exchange succeeds.
        grant = codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        now = clock()
        if (
            grant is None
            or grant.expires <= now
            or form.get("client_id") != grant.client_id
            or form.get("redirect_uri") != grant.redirect_uri
            or not _VERIFIER.fullmatch(verifier)
            or not hmac.compare_digest(_s256(verifier), grant.challenge)
        ):
            return _token_error("invalid_grant")
        access = issuer.mint(grant.user.sub, grant.user.roles, audience=audience, ttl_seconds=TOKEN_TTL_SECONDS)
        claims: dict[str, Any] = {
            "iss": DEV_ISSUER,
            "sub": grant.user.sub,
            "aud": grant.client_id,
            "iat": int(now),
            "exp": int(now) + TOKEN_TTL_SECONDS,
            **({"nonce": grant.nonce} if grant.nonce else {}),
        }
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECONDS,
            "id_token": issuer.sign(claims),
            "scope": "openid profile",
        }
        return JSONResponse(body, headers=_NO_STORE)

    return app


def _token_error(code: str) -> JSONResponse:
    return JSONResponse({"error": code}, status_code=400, headers=_NO_STORE)
