"""The fixes of the login security review (issue 19): a page form post comes from this site, the pages' CSP names
the identity provider, the assets' and Swagger UI's headers, paths read as another host, and `kyodo up`'s Host
check. Over the login fixture of test_login_flow (a registry behind the gateway, the embedded provider)."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from test_login_flow import Site, log_in, site, whoami  # noqa: F401  # `site` is the fixture

from kyodo_shared.cli.embedded import local_only
from kyodo_shared.pages.render import provider_origins, security_headers, web_origin
from kyodo_shared.settings import AuthSettings, KernelSettings, LoginSettings

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _settings(issuer: str, **login: object) -> KernelSettings:
    return KernelSettings.model_construct(
        auth=AuthSettings.model_construct(issuer=issuer), login=LoginSettings.model_validate(login)
    )


def _form_action(headers: dict[str, str]) -> list[str]:
    found = re.search(r"form-action ([^;]*)", headers["Content-Security-Policy"])
    assert found is not None
    return found.group(1).split()


CONFIGURED = {"public_url": "https://kyodo.city.example", "session_key": SecretStr("k" * 40)}


def test_the_pages_let_a_form_go_to_the_identity_provider_only_when_login_is_configured() -> None:
    keycloak = "https://id.city.example/realms/kyodo"
    assert _form_action(security_headers(_settings(keycloak))) == ["'self'"]  # no public URL, no key
    assert _form_action(security_headers(_settings("urn:kyodo:dev-issuer", **CONFIGURED))) == ["'self'"]
    assert _form_action(security_headers(_settings(keycloak, **CONFIGURED))) == ["'self'", "https://id.city.example"]
    # Discovery fetched from an internal address while the issuer (what browsers see) is public: both.
    internal = {**CONFIGURED, "discovery_url": "http://keycloak:8080/realms/kyodo/.well-known/openid-configuration"}
    assert provider_origins(_settings(keycloak, **internal)) == ("http://keycloak:8080", "https://id.city.example")


def test_an_origin_is_scheme_host_and_a_port_other_than_the_default() -> None:
    assert web_origin("https://user:pw@ID.City.example:443/realms/x?y#z") == "https://id.city.example"
    assert web_origin("http://127.0.0.1:8000/oidc") == "http://127.0.0.1:8000"
    assert web_origin("http://[::1]:80/") == "http://[::1]"
    for not_web in ("urn:kyodo:dev-issuer", "javascript:alert(1)", "https://", "https://host:99999/", "null", ""):
        assert web_origin(not_web) is None, not_web


@pytest.mark.parametrize(
    "came_from",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://kyodo.test:8080"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://kyodo.test"},
    ],
)
async def test_a_visitors_form_post_from_another_origin_is_refused(site: Site, came_from: dict[str, str]) -> None:  # noqa: F811
    answer = await site.client.post("/registry/visitors-form", content="name=x", headers={**FORM, **came_from})
    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]


@pytest.mark.parametrize(
    "came_from",
    [
        {"Origin": "http://kyodo.test", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "HTTP://KYODO.TEST:80"},
        {},  # not a browser: a script or curl sends neither header
    ],
)
async def test_a_visitors_form_post_from_this_site_or_a_non_browser_client_is_received(
    site: Site,  # noqa: F811
    came_from: dict[str, str],
) -> None:
    answer = await site.client.post("/registry/visitors-form", content="name=x", headers={**FORM, **came_from})
    assert answer.status_code == 200
    assert "received" in answer.text


async def test_a_logout_posted_from_another_site_logs_nobody_out(site: Site) -> None:  # noqa: F811
    await log_in(site, "demo-coordinator")
    _, csrf = await whoami(site)
    out = await site.client.post("/auth/logout", data={"csrf_token": csrf}, headers={"Origin": "https://evil.example"})
    assert out.status_code == 403
    assert (await whoami(site))[0].startswith("demo-coordinator|")


async def test_a_public_page_may_be_revalidated_and_a_logged_in_one_is_never_stored(site: Site) -> None:  # noqa: F811
    assert (await site.client.get("/registry/")).headers["cache-control"] == "no-cache"
    await log_in(site, "demo-coordinator")
    for path in ("/registry/", "/registry/no-such-page"):
        assert (await site.client.get(path)).headers["cache-control"] == "private, no-store", path


async def test_the_language_switch_links_keep_the_page_by_its_query_alone(site: Site) -> None:  # noqa: F811
    page = await site.client.get("/registry/", params={"page": "2", "lang": "ja"})
    assert 'href="?page=2&amp;lang=en"' in page.text
    assert 'hreflang="en" href="?page=2&amp;lang=en"' in page.text


@pytest.mark.parametrize("path", ["//evil.example/x", "/%2F%2Fevil.example", "/%5Cevil.example", "/registry/a%5Cb"])
async def test_a_path_read_as_another_host_is_not_found_and_not_echoed(site: Site, path: str) -> None:  # noqa: F811
    page = await site.client.get(f"{site.origin}{path}")
    assert page.status_code == 404
    assert "evil" not in page.text
    assert re.findall(r'href="([^"]*)"', page.text) == ["/"]
    assert "default-src 'none'" in page.headers["content-security-policy"]


async def test_every_asset_is_not_sniffed_and_a_versioned_one_is_kept_a_year(site: Site) -> None:  # noqa: F811
    page = (await site.client.get("/registry/")).text
    versioned = re.search(r'href="(/static/kit\.css\?v=[0-9a-f]+)"', page)
    assert versioned is not None
    kept = await site.client.get(versioned.group(1))
    assert kept.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert kept.headers["x-content-type-options"] == "nosniff"
    plain = await site.client.get("/static/kit.css")
    assert (plain.headers["cache-control"], plain.headers["x-content-type-options"]) == ("no-cache", "nosniff")
    again = await site.client.get("/static/kit.css", headers={"If-None-Match": plain.headers["etag"]})
    assert (again.status_code, again.headers["x-content-type-options"]) == (304, "nosniff")
    missing = await site.client.get("/static/no-such.css")
    assert (missing.status_code, missing.headers["x-content-type-options"]) == (404, "nosniff")


async def test_swagger_ui_runs_no_inline_script_and_is_never_framed(site: Site) -> None:  # noqa: F811
    docs = await site.client.get("/api/registry/docs")
    assert docs.status_code == 200
    assert docs.headers["x-frame-options"] == "DENY"
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert re.findall(r"<script[^>]*>([^<]*)</script>", docs.text) == ["", ""]  # both scripts by src only
    assert 'data-openapi="/api/registry/openapi.json"' in docs.text
    init = await site.client.get("/api/registry/docs-init.js")
    assert init.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle(" in init.text
    assert "validatorUrl: null" in init.text
    assets = await site.client.get("/api/registry/docs-assets/swagger-ui-bundle.js")
    assert assets.headers["x-content-type-options"] == "nosniff"
    redirect = await site.client.get("/api/registry/docs/oauth2-redirect")
    script = re.search(r"<script>(.*?)</script>", redirect.text, re.DOTALL)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in redirect.headers["content-security-policy"]


async def test_kyodo_up_answers_only_requests_addressed_to_this_machine() -> None:
    app = FastAPI()

    @app.get("/")
    def home() -> str:
        return "kyodo"

    transport = httpx.ASGITransport(app=local_only(app))
    async with httpx.AsyncClient(transport=transport) as client:
        for host in ("127.0.0.1:8000", "localhost:8000", "127.0.0.1", "localhost"):
            assert (await client.get(f"http://{host}/")).status_code == 200, host
        rebound = await client.get("http://127.0.0.1:8000/", headers={"Host": "attacker.example:8000"})
        assert rebound.status_code == 400
