"""The embedded OIDC provider of `kyodo up` (never of `kyodo serve`): the dev issuer, signing in as a demo user.

Mounted by the gateway at `/oidc`: discovery, an authorize page listing the demo users (one per role), a token
endpoint (authorization code, one-time and short-lived, PKCE S256 required) and the JWKS. Tokens are the dev
issuer's (`urn:kyodo:dev-issuer`, audience `kyodo`), which production settings refuse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kyodo_shared.pages.i18n import LANG_QUERY, LOCALES, negotiate
from kyodo_shared.pages.render import static_url
from kyodo_shared.web.devissuer import DEV_ISSUER, DevIssuer

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
    DemoUser("demo-staff-kosodate", ("staff",), "子育て支援課 職員（担当課）", "Department staff (childcare)"),
    DemoUser(
        "demo-representative-2",
        ("group",),
        "団体代表者（恋ヶ窪子育てネットワーク）",
        "Group representative (Koigakubo childcare network)",
    ),
    DemoUser("demo-reviewer-1", ("reviewer",), "協働事業審査会 委員長", "Review board chair"),
    DemoUser("demo-evaluator-1", ("evaluator",), "評価委員会 委員長", "Evaluation committee chair"),
    DemoUser("demo-staff-kyodo", ("staff", "team"), "協働推進チーム員（協働コミュニティ課）", "Collaboration team"),
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
            return HTMLResponse(_refusal_page(_lang(request, checked.params), checked.params), status_code=400)
        if checked.error:
            return checked.redirect_error()
        return HTMLResponse(_choose_page(_lang(request, checked.params), checked.params, users), headers=_NO_STORE)

    @app.post("/authorize")
    async def authorize(request: Request) -> Response:
        form = await _form(request)
        checked = _AuthorizeRequest(form, client_id, redirect_uri)
        if not checked.redirectable:
            return HTMLResponse(_refusal_page(_lang(request, form), form), status_code=400)
        if checked.error:
            return checked.redirect_error()
        user = by_sub.get(form.get("user", ""))
        if user is None:
            page = _choose_page(_lang(request, form), form, users, missing=True)
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


# The pages' words, Japanese first (`?lang=en`, or the portal's language cookie, for English).
_TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "skip": "本文へ移動",
        "site": "Kyodo 開発用認証",
        "language": "言語",
        "login": "開発用ログイン",
        "intro": "これは <code>kyodo up</code> の開発用認証です。"
        "デモ利用者を選んでログインします（パスワードはありません）。",
        "legend": "ログインする利用者",
        "submit": "ログイン",
        "problem": "入力内容を確認してください",
        "choose": "利用者を選んでください。",
        "refused": "ログインできません",
        "refused_why": "このアプリケーションまたは戻り先（redirect_uri）は開発用認証に登録されていません。",
    },
    "en": {
        "skip": "Skip to main content",
        "site": "Kyodo development sign-in",
        "language": "Language",
        "login": "Development login",
        "intro": "The development provider of <code>kyodo up</code>: choose a demo user to sign in as (no password).",
        "legend": "Sign in as",
        "submit": "Sign in",
        "problem": "There is a problem",
        "choose": "Choose a user.",
        "refused": "Cannot sign in",
        "refused_why": "This client or its redirect URI is not registered with the development provider.",
    },
}
_SWITCH = {"ja": "日本語", "en": "English"}
# The authorize parameters a page keeps (in its form, and in its language switch's link).
_KEEP = (
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "nonce",
)


def _lang(request: Request, params: dict[str, str]) -> str:
    """The form's `lang` (the choice page posts it as a field), else the pages' own choice (`?lang=`, the cookie)."""
    asked = params.get(LANG_QUERY)
    return asked if asked in LOCALES else negotiate(request)


def _page(lang: str, params: dict[str, str], title: str, main: str) -> str:
    """The kit's layout, small: a skip link, the language switch (this page, the other language), `main`."""
    text = _TEXT[lang]
    other = "en" if lang == "ja" else "ja"
    kept = {name: params[name] for name in _KEEP if params.get(name) is not None}
    switch = html.escape("authorize?" + urlencode({**kept, LANG_QUERY: other}))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title} | Kyodo</title><link rel="stylesheet" href="{static_url("kit.css")}"></head><body>'
        f'<a class="skip-link" href="#main">{text["skip"]}</a>'
        '<header class="site-header"><div class="site-header__bar"><div class="site-header__inner">'
        f'<p class="site-name">{text["site"]}</p>'
        f'<nav class="lang-switch" aria-label="{text["language"]}"><ul class="lang-switch__list"><li>'
        f'<a class="lang-switch__link" href="{switch}" lang="{other}" hreflang="{other}">{_SWITCH[other]}</a>'
        "</li></ul></nav></div></div></header>"
        f'<div class="page"><main id="main" class="main" tabindex="-1">{main}</main></div></body></html>'
    )


def _refusal_page(lang: str, params: dict[str, str]) -> str:
    text = _TEXT[lang]
    return _page(lang, params, text["refused"], f"<h1>{text['refused']}</h1><p>{text['refused_why']}</p>")


def _choose_page(lang: str, params: dict[str, str], users: Sequence[DemoUser], missing: bool = False) -> str:
    text = _TEXT[lang]
    hidden = (
        "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
            for name in _KEEP
            if params.get(name) is not None
        )
        + f'<input type="hidden" name="{LANG_QUERY}" value="{lang}">'
    )
    first = f"user-{html.escape(users[0].sub)}" if users else "user"
    options = "".join(
        f'<label class="form-choice"><input class="form-choice__input" type="radio" id="user-{html.escape(user.sub)}"'
        f' name="user" value="{html.escape(user.sub)}"{" checked" if index == 0 and not missing else ""}>'
        f'<span class="form-choice__label">{html.escape(user.label_ja if lang == "ja" else user.label_en)}'
        f" — <code>{html.escape(user.sub)}</code></span></label>"
        for index, user in enumerate(users)
    )
    summary = (
        '<div class="error-summary" role="alert" tabindex="-1">'
        f'<h2 class="error-summary__title">{text["problem"]}</h2>'
        f'<ul class="error-summary__list"><li><a href="#{first}">{text["choose"]}</a></li></ul></div>'
        if missing
        else ""
    )
    group = "form-group form-group--error" if missing else "form-group"
    described = ' aria-describedby="user-error"' if missing else ""
    error = f'<p class="form-error" id="user-error">{text["choose"]}</p>' if missing else ""
    main = (
        f"<h1>{text['login']}</h1>{summary}<p>{text['intro']}</p>"
        f'<form method="post" action="authorize">{hidden}<div class="{group}">'
        f'<fieldset class="form-fieldset"{described}><legend class="form-legend">{text["legend"]}</legend>'
        f'{error}<div class="form-choices">{options}</div></fieldset></div>'
        f'<button class="button" type="submit">{text["submit"]}</button></form>'
    )
    return _page(lang, params, text["login"], main)
