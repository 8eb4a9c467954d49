"""Security review of browser login (issue 19): each test here failed when written and states an exploitable gap.

They reuse the login fixture of test_login_flow (a registry behind the gateway with the embedded OIDC provider)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from test_login_flow import CITY_PROVIDER, Site, log_in, site, whoami  # noqa: F401  # `site` is the fixture

END_SESSION = "https://id.city.example/realms/kyodo/protocol/openid-connect/logout"


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def _directive(csp: str, name: str) -> list[str]:
    for part in csp.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


@pytest.mark.parametrize("path", ["//evil.example/x", "/%2F%2Fevil.example/x"])
async def test_no_link_on_a_page_leaves_the_site_whatever_path_was_asked(site: Site, path: str) -> None:  # noqa: F811
    """A link `https://kyodo…//evil.example/x` answers Kyodo's 404 page, whose language switch (and rel=alternate)
    is built from the request path: `href="//evil.example/x?lang=en"` — one click on "English" takes the reader to
    another host (browsers read `/\\host` as `//host` too)."""
    page = await site.client.get(f"{site.origin}{path}")
    assert "text/html" in page.headers["content-type"]
    leaving = [h for h in _hrefs(page.text) if h.startswith(("//", "/\\")) or urlsplit(h).netloc]
    assert leaving == [], leaving


async def test_a_page_showing_a_logged_in_reader_is_not_stored_by_caches(site: Site) -> None:  # noqa: F811
    """Every page of a logged-in reader carries who they are and the session's CSRF token; `Cache-Control: no-cache`
    lets the browser's disk cache and shared caches store it (no `private`), so after logout on a shared terminal the
    next person's back button or a proxy can show it."""
    await log_in(site, "demo-coordinator")
    page = await site.client.get("/registry/")
    assert page.status_code == 200
    assert "demo-coordinator" in page.text
    cache = page.headers.get("cache-control", "")
    assert "no-store" in cache or "private" in cache, cache


def _with_end_session(site: Site, discovery_at: str) -> None:  # noqa: F811
    """The provider's discovery document, served at `discovery_at` (from the embedded provider's) with an
    `end_session_endpoint` at the city's provider, as Keycloak publishes it."""
    pages = site.platform.apps["registry"].state.pages
    through = pages.state.oidc_transport

    async def with_end_session(request: httpx.Request) -> httpx.Response:
        if str(request.url) == discovery_at:
            request = httpx.Request("GET", f"{site.origin}/oidc/.well-known/openid-configuration")
        answer = await through.handle_async_request(request)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            await answer.aread()
            return httpx.Response(200, json={**answer.json(), "end_session_endpoint": END_SESSION})
        return answer

    pages.state.oidc_transport = httpx.MockTransport(with_end_session)


@pytest.mark.parametrize("site", ["city-provider"], indirect=True)
async def test_logout_redirects_only_where_the_pages_csp_lets_a_form_go(site: Site) -> None:  # noqa: F811
    """With the city's provider (Keycloak publishes `end_session_endpoint`), `POST /auth/logout` answers 303 to the
    provider. The page holding the logout form says `form-action 'self'`, and Chromium applies form-action to the
    redirects of a form submission: the navigation is blocked ("Sending form data to '/auth/logout' violates …
    form-action 'self'"), the reader stays on the page, and the provider's SSO session is never ended — the next
    person at the same browser who clicks "log in" is logged in as the previous one without a password."""
    _with_end_session(site, f"{CITY_PROVIDER}/.well-known/openid-configuration")
    await log_in(site, "demo-coordinator")
    page = await site.client.get("/registry/")
    assert 'action="/auth/logout"' in page.text
    _, csrf = await whoami(site)

    out = await site.client.post("/auth/logout", data={"csrf_token": csrf})

    assert out.status_code == 303
    target = urlsplit(out.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == "https://id.city.example"
    allowed = _directive(page.headers["content-security-policy"], "form-action")
    assert "https://id.city.example" in allowed or "https:" in allowed or "*" in allowed, allowed


@pytest.mark.parametrize("site", ["https://kyodo.test"], indirect=True)
async def test_logout_does_not_redirect_to_an_end_session_endpoint_the_csp_does_not_allow(site: Site) -> None:  # noqa: F811
    """The CSP allows the provider's origin as configured (the discovery URL's, the issuer's): an end-session
    endpoint elsewhere would be a blocked redirect, so logout returns home instead — Kyodo's session ended, and
    the reader sees it."""
    _with_end_session(site, f"{site.origin}/oidc/.well-known/openid-configuration")
    await log_in(site, "demo-coordinator")
    page = await site.client.get("/registry/")
    assert "https://id.city.example" not in _directive(page.headers["content-security-policy"], "form-action")
    _, csrf = await whoami(site)

    out = await site.client.post("/auth/logout", data={"csrf_token": csrf})

    assert (out.status_code, out.headers["location"]) == (303, "/")
    assert await whoami(site) == ("nobody|", "")
