"""Login through the browser, end to end over HTTP: a running registry behind the gateway, the embedded OIDC
provider mounted at `/oidc`, and the login routes exchanging the code with it through the same gateway."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
import pytest_asyncio
from fastapi import Request
from pydantic import SecretStr

from kyodo_shared.pages.csrf import CSRF_FIELD, check_csrf_if_session
from kyodo_shared.pages.routing import page_router
from kyodo_shared.pages.session import SESSION_PURPOSE, BrowserSession, csrf_token_for, seal, session_keys, viewer_of
from kyodo_shared.settings import LoginSettings
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services
from kyodo_shared.web.oidc_provider import oidc_provider_app

from support.harness import Backend, Platform, platform, settings_for

KEY = "a-session-key-for-tests-only-0123456789abcdef"
CITY_PROVIDER = "https://id.city.example/realms/kyodo"


@dataclass
class Site:
    client: httpx.AsyncClient
    origin: str
    platform: Platform
    login: LoginSettings
    issuer: DevIssuer

    @property
    def cookie(self) -> str:
        return "__Host-kyodo_session" if self.login.secure else "kyodo_session"


def whoami_router() -> object:
    """A page showing who the session is (the page kit's viewer) and the CSRF token its forms would carry."""
    router = page_router("/registry")

    @router.get("/whoami")
    def whoami(request: Request) -> str:
        viewer = viewer_of(request)
        roles = ",".join(sorted(viewer.roles)) if viewer else ""
        return f"<p id=viewer>{viewer.sub if viewer else 'nobody'}|{roles}</p><p id=csrf>{csrf_token_for(request)}</p>"

    @router.post("/visitors-form")
    async def visitors_form(request: Request) -> str:
        form = dict(parse_qsl((await request.body()).decode()))
        check_csrf_if_session(request, form.get(CSRF_FIELD))
        return "<p>received</p>"

    return router


@pytest_asyncio.fixture(loop_scope="session")
async def site(
    request: pytest.FixtureRequest, tmp_path: Path, nats_url: str, bus_namespace: str
) -> AsyncIterator[Site]:
    asked = getattr(request, "param", "http://kyodo.test")
    # "unconfigured": a platform whose login was never set up (no KYODO_LOGIN__*). "city-provider": https, and the
    # discovery document on the provider's own host (as with the city's Keycloak); the test serves it there.
    named = {
        "unconfigured": "http://kyodo.test",
        "confidential": "http://kyodo.test",
        "city-provider": "https://kyodo.test",
    }
    origin = named.get(asked, asked)
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    auth = issuer.settings().model_copy(update={"min_refresh_interval_seconds": 0.0})
    login = LoginSettings(
        public_url=origin,
        discovery_url=f"{origin}/oidc/.well-known/openid-configuration",
        session_key=SecretStr(KEY),
    )
    if asked == "unconfigured":
        login = LoginSettings()
    if asked == "city-provider":
        login = login.model_copy(update={"discovery_url": f"{CITY_PROVIDER}/.well-known/openid-configuration"})
    if asked == "confidential":
        login = login.model_copy(update={"client_secret": SecretStr("the-client-secret")})
    settings = settings_for(
        "registry", Backend("sqlite", tmp_path), nats_url, bus_namespace, issuer, auth=auth, login=login
    )
    async with platform({"registry": settings}, issuer) as running:
        provider = oidc_provider_app(
            issuer, base_url=f"{origin}/oidc", client_id="kyodo-web", redirect_uri=f"{origin}/auth/callback"
        )
        gateway = mount_services(running.apps, also={"/oidc": provider})
        pages = running.apps["registry"].state.pages
        pages.include_router(whoami_router())
        # The login routes reach the provider through the gateway, as they reach the city's over the network.
        pages.state.oidc_transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url=origin) as client:
            yield Site(client, origin, running, login, issuer)


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.users: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""
        if tag == "input" and found.get("type") == "radio":
            self.users.append(str(found.get("value")))


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def start_login(site: Site, next_path: str = "/registry/whoami") -> tuple[str, dict[str, str]]:
    """Up to the provider's page: the authorize URL and the form it shows."""
    started = await site.client.get("/auth/login", params={"next": next_path})
    assert started.status_code == 303
    authorize = started.headers["location"]
    assert authorize.startswith(f"{site.origin}/oidc/authorize?")
    page = await site.client.get(local(authorize))
    assert page.status_code == 200
    form = _Form()
    form.feed(page.text)
    return authorize, form.fields


async def choose(site: Site, fields: dict[str, str], sub: str) -> str:
    """The provider's answer to choosing `sub`: the callback URL with the code and state."""
    chosen = await site.client.post("/oidc/authorize", data={**fields, "user": sub})
    assert chosen.status_code == 303
    return str(chosen.headers["location"])


async def log_in(site: Site, sub: str, next_path: str = "/registry/whoami") -> httpx.Response:
    _, fields = await start_login(site, next_path)
    callback = await choose(site, fields, sub)
    assert callback.startswith(f"{site.origin}/auth/callback?")
    return await site.client.get(local(callback))


async def whoami(site: Site) -> tuple[str, str]:
    page = await site.client.get("/registry/whoami")
    assert page.status_code == 200
    viewer = re.search(r"<p id=viewer>(.*?)</p>", page.text)
    csrf = re.search(r"<p id=csrf>(.*?)</p>", page.text)
    assert viewer is not None
    assert csrf is not None
    return viewer.group(1), csrf.group(1)


def set_cookie_header(response: httpx.Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


async def test_a_person_logs_in_at_the_embedded_provider_and_returns_to_the_page_they_asked_for(site: Site) -> None:
    _, fields = await start_login(site)
    assert fields["code_challenge_method"] == "S256"
    assert fields["client_id"] == "kyodo-web"
    assert fields["redirect_uri"] == f"{site.origin}/auth/callback"

    landed = await site.client.get(local(await choose(site, fields, "demo-coordinator")))

    assert landed.status_code == 303
    assert landed.headers["location"] == "/registry/whoami"
    viewer, csrf = await whoami(site)
    assert viewer == "demo-coordinator|coordinator"
    assert len(csrf) >= 43


async def test_the_provider_lists_the_demo_users_one_per_role_and_both_committees_three_members(site: Site) -> None:
    authorize, _ = await start_login(site)
    page = await site.client.get(local(authorize))
    form = _Form()
    form.feed(page.text)
    assert '<html lang="ja">' in page.text
    assert form.users == [
        "demo-coordinator",
        "demo-staff-kosodate",
        "demo-representative-1",
        "demo-representative-2",
        "demo-applicant",
        "demo-reviewer-1",
        "demo-reviewer-2",
        "demo-reviewer-3",
        "demo-evaluator-1",
        "demo-evaluator-2",
        "demo-evaluator-3",
        "demo-staff-kyodo",
        "demo-auditor",
    ]


async def test_the_session_cookie_is_httponly_samesite_lax_and_path_root_without_secure_over_http(
    site: Site,
) -> None:
    landed = await log_in(site, "demo-coordinator")
    header = set_cookie_header(landed, "kyodo_session").lower()
    assert "httponly" in header
    assert "samesite=lax" in header
    assert "path=/" in header
    assert "secure" not in header
    assert "domain=" not in header
    # The token is sealed, not readable in the cookie: the value is base64url (no dots, where a JWT has two) and its
    # bytes hold none of the token's claims in the clear. (A lowercased search for "eyj" failed once by chance on
    # ciphertext; these checks cannot match random bytes but for odds of about 2^-40.)
    value = set_cookie_header(landed, "kyodo_session").split(";")[0].split("=", 1)[1]
    assert "." not in value
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert b'"sub"' not in raw
    assert b"demo-coordinator" not in raw


@pytest.mark.parametrize("site", ["https://kyodo.test"], indirect=True)
async def test_under_https_the_cookie_is_host_prefixed_and_secure(site: Site) -> None:
    landed = await log_in(site, "demo-coordinator")
    header = set_cookie_header(landed, "__Host-kyodo_session").lower()
    assert "secure" in header
    assert "httponly" in header
    assert "path=/" in header
    assert "domain=" not in header
    assert (await whoami(site))[0] == "demo-coordinator|coordinator"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/auth/logout"])
async def test_a_next_outside_this_site_is_replaced_by_the_home_page(site: Site, target: str) -> None:
    landed = await log_in(site, "demo-coordinator", next_path=target)
    assert landed.status_code == 303
    assert landed.headers["location"] == "/"


async def test_a_callback_with_another_state_is_refused_and_logs_nobody_in(site: Site) -> None:
    _, fields = await start_login(site)
    callback = urlsplit(await choose(site, fields, "demo-coordinator"))
    code = parse_qs(callback.query)["code"][0]

    refused = await site.client.get("/auth/callback", params={"code": code, "state": "forged-state"})

    assert refused.status_code == 400
    assert "text/html" in refused.headers["content-type"]
    assert "kyodo_session=" not in "".join(refused.headers.get_list("set-cookie"))
    assert (await whoami(site))[0] == "nobody|"


async def test_a_login_the_provider_refused_shows_a_page_and_logs_nobody_in(site: Site) -> None:
    authorize, _ = await start_login(site)
    state = parse_qs(urlsplit(authorize).query)["state"][0]

    refused = await site.client.get("/auth/callback", params={"error": "access_denied", "state": state})

    assert refused.status_code == 403
    assert "ログインできませんでした" in refused.text
    assert (await whoami(site))[0] == "nobody|"


async def test_a_callback_without_a_started_login_is_refused(site: Site) -> None:
    _, fields = await start_login(site)
    callback = await choose(site, fields, "demo-coordinator")
    site.client.cookies.clear()

    refused = await site.client.get(local(callback))

    assert refused.status_code == 400
    assert (await whoami(site))[0] == "nobody|"


async def test_a_code_issued_for_another_pkce_challenge_is_not_exchanged(site: Site) -> None:
    _, fields = await start_login(site)
    # An attacker's challenge: the code is bound to it, so our verifier does not match at the token endpoint.
    fields["code_challenge"] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    callback = await choose(site, fields, "demo-coordinator")

    refused = await site.client.get(local(callback))

    assert refused.status_code == 403
    assert "kyodo_session=" not in "".join(refused.headers.get_list("set-cookie"))
    assert (await whoami(site))[0] == "nobody|"


async def test_the_session_cookie_authenticates_an_api_get(site: Site) -> None:
    assert (await site.client.get("/api/registry/audit/records")).status_code == 401
    await log_in(site, "demo-auditor")
    assert (await site.client.get("/api/registry/audit/records")).status_code == 200


async def test_a_cookie_post_without_the_csrf_header_is_refused_and_stores_nothing(site: Site) -> None:
    await log_in(site, "demo-coordinator")
    body = {"kind": "review_board", "name_ja": "協働事業審査会"}

    refused = await site.client.post("/api/registry/committees", json=body)
    wrong = await site.client.post("/api/registry/committees", json=body, headers={"X-CSRF-Token": "x" * 43})

    for answer in (refused, wrong):
        assert answer.status_code == 403
        assert answer.json()["code"] == "csrf_failed"
    assert (await site.client.get("/api/registry/committees")).json()["total"] == 0

    _, csrf = await whoami(site)
    made = await site.client.post("/api/registry/committees", json=body, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    assert (await site.client.get("/api/registry/committees")).json()["total"] == 1


async def test_a_bearer_request_needs_no_csrf_token_even_beside_a_cookie(site: Site) -> None:
    body = {"kind": "review_board", "name_ja": "協働事業審査会"}
    bearer = site.platform.token("demo-coordinator", "coordinator")
    assert (await site.client.post("/api/registry/committees", json=body, headers=bearer)).status_code == 201
    await log_in(site, "demo-staff-kosodate")
    # The bearer token decides who calls; the cookie (a staff member's, who could not) is not read.
    assert (await site.client.post("/api/registry/committees", json=body, headers=bearer)).status_code == 201


async def test_a_session_whose_token_expired_is_nobody(site: Site) -> None:
    keys = session_keys(site.login)
    assert keys is not None
    expired = site.issuer.mint("demo-coordinator", ["coordinator"], ttl_seconds=60, now=_ago(3600))
    session = BrowserSession("sid-of-an-old-session", expired, int(time.time()) + 600)
    site.client.cookies.set(site.cookie, seal(keys, SESSION_PURPOSE, session.payload()))

    assert (await whoami(site))[0] == "nobody|"
    refused = await site.client.get("/api/registry/audit/records")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_expired"
    # A public route reads it as anonymous rather than failing.
    assert (await site.client.get("/api/registry/groups")).status_code == 200


async def test_a_tampered_cookie_logs_nobody_in(site: Site) -> None:
    await log_in(site, "demo-coordinator")
    sealed = site.client.cookies[site.cookie]
    site.client.cookies.clear()
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    site.client.cookies.set(site.cookie, flipped)

    assert (await whoami(site))[0] == "nobody|"
    assert (await site.client.get("/api/registry/audit/records")).status_code == 401


async def test_logout_needs_the_csrf_token_and_then_clears_the_session(site: Site) -> None:
    await log_in(site, "demo-coordinator")
    _, csrf = await whoami(site)

    refused = await site.client.post("/auth/logout", data={"csrf_token": "not-the-token"})
    assert refused.status_code == 403
    assert (await whoami(site))[0] == "demo-coordinator|coordinator"

    out = await site.client.post("/auth/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    assert out.headers["location"] == "/"
    cleared = set_cookie_header(out, "kyodo_session").lower()
    assert "max-age=0" in cleared
    assert (await whoami(site))[0] == "nobody|"


async def test_a_form_open_to_visitors_needs_the_token_only_from_a_logged_in_reader(site: Site) -> None:
    assert (await site.client.post("/registry/visitors-form", data={"name": "x"})).status_code == 200
    await log_in(site, "demo-representative-2")
    refused = await site.client.post("/registry/visitors-form", data={"name": "x"})
    assert refused.status_code == 403
    assert "フォームの確認ができませんでした" in refused.text
    _, csrf = await whoami(site)
    accepted = await site.client.post("/registry/visitors-form", data={"name": "x", "csrf_token": csrf})
    assert accepted.status_code == 200


@pytest.mark.parametrize("site", ["confidential"], indirect=True)
async def test_a_confidential_client_authenticates_at_the_token_endpoint_and_still_sends_its_verifier(
    site: Site,
) -> None:
    pages = site.platform.apps["registry"].state.pages
    through = pages.state.oidc_transport
    seen: list[httpx.Request] = []

    async def token_endpoint(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/oidc/token"):
            return await through.handle_async_request(request)
        seen.append(request)
        access = site.issuer.mint("demo-coordinator", ["coordinator"])
        return httpx.Response(200, json={"access_token": access, "token_type": "Bearer", "expires_in": 3600})

    pages.state.oidc_transport = httpx.MockTransport(token_endpoint)
    landed = await log_in(site, "demo-coordinator")

    assert landed.status_code == 303
    (exchange,) = seen
    form = dict(parse_qsl(exchange.content.decode()))
    assert exchange.headers["authorization"].startswith("Basic ")
    assert "client_secret" not in form
    assert form["grant_type"] == "authorization_code"
    assert len(form["code_verifier"]) >= 43
    assert form["redirect_uri"] == f"{site.origin}/auth/callback"
    assert (await whoami(site))[0] == "demo-coordinator|coordinator"


@pytest.mark.parametrize("site", ["unconfigured"], indirect=True)
async def test_without_login_settings_login_answers_a_page_naming_what_to_set(site: Site) -> None:
    for path in ("/auth/login", "/auth/callback?code=c&state=s"):
        answer = await site.client.get(path)
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("text/html")
        for name in ("KYODO_LOGIN__PUBLIC_URL", "KYODO_LOGIN__SESSION_KEY", "KYODO_LOGIN__DISCOVERY_URL"):
            assert name in answer.text
        assert "Traceback" not in answer.text
    english = await site.client.get("/auth/login", params={"lang": "en"})
    assert "Login is not configured" in english.text
    # The API is as before: bearer tokens only.
    bearer = site.platform.token("demo-auditor", "auditor")
    assert (await site.client.get("/api/registry/audit/records", headers=bearer)).status_code == 200


def _ago(seconds: int) -> object:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(seconds=seconds)
