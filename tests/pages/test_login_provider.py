"""The embedded OIDC provider of `kyodo up` on its own (over HTTP), where it lives (`kyodo up` only), its session
key, and the login's return paths."""

from __future__ import annotations

import base64
import hashlib
import html
import inspect
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import pytest_asyncio
from fastapi import FastAPI

from kyodo_shared.cli import embedded, serve
from kyodo_shared.pages.login import safe_next
from kyodo_shared.web.auth import AuthError, JwksVerifier
from kyodo_shared.web.devissuer import DEV_ISSUER, DevIssuer
from kyodo_shared.web.oidc_provider import CODE_TTL_SECONDS, DEMO_USERS, oidc_provider_app

BASE = "http://kyodo.test/oidc"
REDIRECT = "http://kyodo.test/auth/callback"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture(loop_scope="session")
async def provider(issuer: DevIssuer, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = oidc_provider_app(issuer, base_url=BASE, client_id="kyodo-web", redirect_uri=REDIRECT, clock=clock)
    # Where the gateway of `kyodo up` mounts it.
    site = FastAPI()
    site.mount("/oidc", app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=site), base_url=BASE) as client:
        yield client


def authorize_params(**changes: str) -> dict[str, str]:
    params = {
        "client_id": "kyodo-web",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": "the-state",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "scope": "openid profile",
    }
    params.update(changes)
    return params


async def code_for(provider: httpx.AsyncClient, sub: str = "demo-coordinator") -> str:
    chosen = await provider.post(f"{BASE}/authorize", data={**authorize_params(), "user": sub})
    assert chosen.status_code == 303
    query = parse_qs(urlsplit(chosen.headers["location"]).query)
    assert query["state"] == ["the-state"]
    return query["code"][0]


def exchange(code: str, verifier: str = VERIFIER, **changes: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "kyodo-web",
        "code_verifier": verifier,
        **changes,
    }


async def test_discovery_names_the_dev_issuer_its_endpoints_and_s256_only(provider: httpx.AsyncClient) -> None:
    document = (await provider.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == DEV_ISSUER
    assert document["authorization_endpoint"] == f"{BASE}/authorize"
    assert document["token_endpoint"] == f"{BASE}/token"
    assert document["jwks_uri"] == f"{BASE}/jwks"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "end_session_endpoint" not in document


async def test_the_authorize_page_is_japanese_first_with_a_labelled_choice(provider: httpx.AsyncClient) -> None:
    page = await provider.get("/authorize", params=authorize_params())
    assert page.status_code == 200
    assert page.text.startswith('<!DOCTYPE html><html lang="ja">')
    assert "<h1>" in page.text
    assert '<legend class="form-legend">ログインする利用者</legend>' in page.text
    # One labelled radio per demo user, in the kit's choice layout (kit.css: the label wraps its radio).
    assert page.text.count('<label class="form-choice">') == len(DEMO_USERS) == 13
    assert "http://" not in page.text.replace(REDIRECT, "")
    assert page.headers["cache-control"] == "no-store"


async def test_the_authorize_page_starts_with_a_skip_link_to_main_and_uses_the_kits_stylesheet(
    provider: httpx.AsyncClient,
) -> None:
    page = (await provider.get("/authorize", params=authorize_params())).text
    body = page.split("<body>", 1)[1]
    assert body.startswith('<a class="skip-link" href="#main">本文へ移動</a>')
    assert '<main id="main" class="main" tabindex="-1">' in body
    # No inline style (the kit's CSP refuses it): the kit's stylesheet, by its versioned URL.
    assert "<style" not in page
    assert "style=" not in page
    assert re.search(r'<link rel="stylesheet" href="/static/kit\.css\?v=[0-9a-f]+">', page)


async def test_the_authorize_pages_language_switch_keeps_the_page_in_the_other_language(
    provider: httpx.AsyncClient,
) -> None:
    japanese = (await provider.get("/authorize", params=authorize_params())).text
    switch = re.search(r'<a class="lang-switch__link" href="([^"]+)" lang="en" hreflang="en">English</a>', japanese)
    assert switch is not None
    href = html.unescape(switch.group(1))
    assert href.startswith("authorize?")
    assert parse_qs(urlsplit(href).query) == {
        name: [value] for name, value in {**authorize_params(), "lang": "en"}.items()
    }

    english = await provider.get(f"{BASE}/{href}")
    assert english.status_code == 200
    assert english.text.startswith('<!DOCTYPE html><html lang="en">')
    assert "<h1>Development login</h1>" in english.text
    assert "Skip to main content" in english.text
    assert "ログイン" not in english.text
    assert 'hreflang="ja">日本語</a>' in english.text
    assert '<input type="hidden" name="lang" value="en">' in english.text


async def test_the_authorize_page_follows_the_portals_language_cookie_and_the_query_wins(
    provider: httpx.AsyncClient,
) -> None:
    provider.cookies.set("kyodo_lang", "en")
    try:
        assert (await provider.get("/authorize", params=authorize_params())).text.startswith(
            '<!DOCTYPE html><html lang="en">'
        )
        chosen = await provider.get("/authorize", params=authorize_params(lang="ja"))
        assert chosen.text.startswith('<!DOCTYPE html><html lang="ja">')
    finally:
        provider.cookies.clear()


@pytest.mark.parametrize(
    "changes", [{"client_id": "someone-else"}, {"redirect_uri": "https://evil.example/auth/callback"}]
)
async def test_an_unknown_client_or_redirect_uri_gets_an_error_page_and_no_redirect(
    provider: httpx.AsyncClient, changes: dict[str, str]
) -> None:
    for answer in (
        await provider.get("/authorize", params=authorize_params(**changes)),
        await provider.post("/authorize", data={**authorize_params(**changes), "user": "demo-coordinator"}),
    ):
        assert answer.status_code == 400
        assert "location" not in answer.headers


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
async def test_pkce_s256_and_the_code_flow_are_required(
    provider: httpx.AsyncClient, changes: dict[str, str], error: str
) -> None:
    answer = await provider.get("/authorize", params=authorize_params(**changes))
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query) == {"error": [error], "state": ["the-state"]}


async def test_choosing_no_known_user_shows_the_page_again_with_an_alert(provider: httpx.AsyncClient) -> None:
    answer = await provider.post("/authorize", data={**authorize_params(), "user": "root"})
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert '<a href="#user-demo-coordinator">利用者を選んでください。</a>' in answer.text
    assert 'aria-describedby="user-error"' in answer.text
    # In the language the reader chose.
    english = await provider.post("/authorize", data={**authorize_params(), "user": "root", "lang": "en"})
    assert english.status_code == 422
    assert english.text.startswith('<!DOCTYPE html><html lang="en">')
    assert "Choose a user." in english.text


async def test_a_code_gives_the_users_token_once_with_the_matching_verifier(
    provider: httpx.AsyncClient, issuer: DevIssuer
) -> None:
    code = await code_for(provider, "demo-staff-kyodo")

    token = await provider.post("/token", data=exchange(code))

    assert token.status_code == 200
    assert token.headers["cache-control"] == "no-store"
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    verifier = JwksVerifier(issuer.settings())
    principal = await verifier.verify(body["access_token"])
    assert principal.sub == "demo-staff-kyodo"
    assert {role.value for role in principal.roles} == {"staff", "team"}
    id_claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert id_claims["aud"] == "kyodo-web"
    assert id_claims["sub"] == "demo-staff-kyodo"
    # One use: the same code again is refused.
    again = await provider.post("/token", data=exchange(code))
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    "changes",
    [
        {"code_verifier": "w" * 64},
        {"code_verifier": "short"},
        {"redirect_uri": "http://kyodo.test/elsewhere"},
        {"client_id": "someone-else"},
        {"code": "never-issued"},
        {"grant_type": "client_credentials"},
    ],
)
async def test_a_wrong_verifier_redirect_client_or_code_is_refused_and_spends_the_code(
    provider: httpx.AsyncClient, changes: dict[str, str]
) -> None:
    code = await code_for(provider)
    refused = await provider.post("/token", data={**exchange(code), **changes})
    assert refused.status_code == 400
    assert refused.json()["error"] in ("invalid_grant", "unsupported_grant_type")
    if "grant_type" not in changes and "code" not in changes:
        # A refused exchange spends the code: no second guess at the verifier.
        assert (await provider.post("/token", data=exchange(code))).status_code == 400


async def test_a_code_lapses_after_its_short_life(provider: httpx.AsyncClient, clock: Clock) -> None:
    code = await code_for(provider)
    clock.now += CODE_TTL_SECONDS
    assert (await provider.post("/token", data=exchange(code))).status_code == 400


async def test_the_jwks_verifies_the_tokens_it_mints(provider: httpx.AsyncClient, issuer: DevIssuer) -> None:
    keys = (await provider.get("/jwks")).json()
    assert [key["kid"] for key in keys["keys"]] == [issuer.signing_kid]
    verifier = JwksVerifier(issuer.settings(jwks_url=f"{BASE}/jwks"), http_client=provider)
    with pytest.raises(AuthError, match="token_expired"):
        await verifier.verify(issuer.mint("demo-auditor", ["auditor"], ttl_seconds=1, now=_long_ago()))
    assert (await verifier.verify(issuer.mint("demo-auditor", ["auditor"]))).sub == "demo-auditor"


def test_kyodo_serve_never_mounts_the_embedded_provider() -> None:
    assert "oidc_provider" not in inspect.getsource(serve)
    assert "also=" not in inspect.getsource(serve)


def test_kyodo_up_logs_in_at_its_own_provider_with_a_session_key_kept_owner_only(tmp_path: Path) -> None:
    login = embedded.embedded_login(tmp_path, 8123)
    assert login.public_url == "http://127.0.0.1:8123"
    assert login.redirect_uri == "http://127.0.0.1:8123/auth/callback"
    assert login.discovery_url == "http://127.0.0.1:8123/oidc/.well-known/openid-configuration"
    assert login.client_secret is None
    key_file = tmp_path / embedded.SESSION_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert login.session_key is not None
    assert len(login.session_key.get_secret_value()) >= 43
    # Kept: a restart keeps everyone's session.
    again = embedded.embedded_login(tmp_path, 8124)
    assert again.session_key == login.session_key


def test_kyodo_up_gives_every_service_the_same_login(tmp_path: Path, issuer: DevIssuer) -> None:
    login = embedded.embedded_login(tmp_path, 8123)
    settings = [
        embedded.embedded_settings(name, tmp_path, "nats://127.0.0.1:1", issuer, login)
        for name in ("registry", "info-hub")
    ]
    assert all(s.login == login for s in settings)


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/groups?q=%E7%B7%91", "/groups?q=%E7%B7%91"),
        ("/registry/", "/registry/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example", "/"),
        ("///evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("groups", "/"),
        ("/groups\r\nSet-Cookie: x=1", "/"),
        ("/auth/login?next=//evil.example", "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_login_returns_only_to_a_local_path(asked: str | None, kept: str) -> None:
    assert safe_next(asked) == kept


def _long_ago() -> object:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(hours=2)
