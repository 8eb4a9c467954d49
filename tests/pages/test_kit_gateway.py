"""The page kit through the gateway with the real services (real stores, real NATS): HTML error pages in the
reader's language, the language switch kept by a cookie, each service's index and transparency pages (the same
checkpoints and keys as its public audit routes), Swagger UI and the kit's assets served from this origin."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
import pytest_asyncio

from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.harness import Backend, eventually, settings_for
from support.servers import delete_streams_sync

SERVICES = ("info-hub", "registry", "screening", "proposals", "evaluation")
PREFIXED = {"registry": "/registry", "screening": "/screening", "proposals": "/proposals", "evaluation": "/evaluation"}


class Gateway:
    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer) -> None:
        self.client, self.issuer = client, issuer

    def fresh(self) -> httpx.AsyncClient:
        """Another browser: the same gateway, no cookies."""
        return httpx.AsyncClient(transport=self.client._transport, base_url="http://kyodo.test")


@pytest_asyncio.fixture(scope="module")
async def gateway(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Gateway]:
    folder = tmp_path_factory.mktemp("kit-gateway")
    issuer = DevIssuer.load_or_create(folder / "issuer")
    backend = Backend("sqlite", folder)
    namespace = f"t{uuid.uuid4().hex[:8]}"
    specs = discover()
    apps = {}
    for name in SERVICES:
        settings = settings_for(name, backend, nats_url, namespace, issuer)
        apps[name] = specs[name].create_app(settings, JwksVerifier(settings.auth))
    app = mount_services(apps)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kyodo.test") as client:
                yield Gateway(client, issuer)
    finally:
        for service_app in apps.values():
            service_app.state.kernel.close()
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


class Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.urls.append(value)


def same_origin(url: str) -> bool:
    """A reference that stays on this origin: a path, a query or a fragment — never a scheme or `//host`."""
    return url.startswith(("/", "?", "#")) and not url.startswith("//")


async def test_an_unknown_page_is_a_404_page_in_japanese_quoting_its_reference(gateway: Gateway) -> None:
    async with gateway.fresh() as browser:
        response = await browser.get("/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "ja"
    html = response.text
    assert '<html lang="ja">' in html
    assert "本文へ移動" in html
    assert "ホームページに戻る" in html
    assert html.count("<h1") == 1
    # The reference a citizen can quote is the request's correlation id, the one in the logs.
    assert f'<code class="reference">{response.headers["x-correlation-id"]}</code>' in html
    assert all(same_origin(url) for url in Links(html).urls), Links(html).urls


async def test_the_language_switch_keeps_the_page_and_the_choice_is_kept_for_the_next_pages(gateway: Gateway) -> None:
    async with gateway.fresh() as browser:
        japanese = (await browser.get("/registry/")).text
        # A query-only reference: it keeps the page's path (never rebuilt from the path, which could be `//host`).
        assert 'href="?lang=en" lang="en" hreflang="en">English</a>' in japanese
        switched = await browser.get("/nope?lang=en")
        assert switched.status_code == 404
        assert '<html lang="en">' in switched.text
        assert "Back to the home page" in switched.text
        assert switched.cookies.get("kyodo_lang") == "en"
        assert "samesite=lax" in switched.headers["set-cookie"].lower()
        # The next page, without ?lang=, stays in English (the cookie), another service's pages too.
        following = await browser.get("/registry/")
        assert following.status_code == 200
        assert '<html lang="en">' in following.text
        assert "<h1>Group registry" in following.text
        back = await browser.get("/registry/?lang=ja")
        assert '<html lang="ja">' in back.text


@pytest.mark.parametrize("service", sorted(PREFIXED))
async def test_every_service_has_an_index_naming_what_it_does_and_its_public_documents(
    gateway: Gateway, service: str
) -> None:
    prefix = PREFIXED[service]
    async with gateway.fresh() as browser:
        response = await browser.get(f"{prefix}/")
        assert response.status_code == 200
        html = response.text
        assert html.count("<h1") == 1
        for document in (f"/api/{service}/docs", f"/api/{service}/openapi.json", f"/api/{service}/asyncapi.yaml"):
            assert f'href="{document}"' in html
            assert (await browser.get(document)).status_code == 200, document
        assert f'href="{prefix}/transparency"' in html
        transparency = await browser.get(f"{prefix}/transparency")
        assert transparency.status_code == 200
        assert "署名付きチェックポイント" in transparency.text
        assert f"kyodo audit verify {service} --url http://kyodo.test/api/{service}" in transparency.text
        assert all(same_origin(url) for url in Links(html + transparency.text).urls)


async def test_the_registry_index_in_japanese(gateway: Gateway) -> None:
    html = (await gateway.client.get("/registry/?lang=ja")).text
    assert "<h1>団体登録" in html
    assert "市民活動団体の登録簿です" in html


async def test_a_services_transparency_page_shows_the_checkpoints_and_keys_its_audit_api_publishes(
    gateway: Gateway,
) -> None:
    token = gateway.issuer.mint("coord-kit", ["coordinator"])
    created = await gateway.client.post(
        "/api/registry/departments",
        json={"code": "KIT", "name_ja": "協働推進課"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text

    async def signed() -> list[dict[str, object]]:
        items: list[dict[str, object]] = (await gateway.client.get("/api/registry/audit/checkpoints")).json()["items"]
        return items

    checkpoints = await eventually(signed, timeout=20)
    keys = (await gateway.client.get("/api/registry/audit/keys")).json()["keys"]
    html = (await gateway.client.get("/registry/transparency?lang=ja")).text
    latest = max(checkpoints, key=lambda c: int(str(c["position"])))
    assert f'<code class="hash">{latest["link"]}</code>' in html
    assert f"<code>{latest['kid']}</code>" in html
    for kid, public in keys.items():
        assert f"<code>{kid}</code>" in html
        assert f'<code class="hash">{public}</code>' in html
    # The table is a labelled, focusable scroll region with a caption and column headers.
    assert re.search(r'<div class="table-scroll" role="region" aria-labelledby="[^"]+" tabindex="0">', html)
    assert "<caption" in html
    assert '<th scope="col"' in html


async def test_swagger_ui_loads_its_assets_from_this_origin_only(gateway: Gateway) -> None:
    response = await gateway.client.get("/api/registry/docs")
    assert response.status_code == 200
    urls = Links(response.text).urls
    assert urls
    assert all(same_origin(url) for url in urls), urls
    assert not re.search(r"https?://", response.text)
    for url in urls:
        assert (await gateway.client.get(url)).status_code == 200, url


async def test_the_kits_assets_are_served_under_static(gateway: Gateway) -> None:
    css = await gateway.client.get("/static/kit.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".skip-link" in css.text
    assert "url(" not in css.text  # no font or image fetched from anywhere
    script = await gateway.client.get("/static/kit.js")
    assert script.status_code == 200
    assert "data-countdown" in script.text
    # The layout links them with a version, which the server answers too.
    page = (await gateway.client.get("/registry/")).text
    versioned = re.search(r'href="(/static/kit\.css\?v=[0-9a-f]{12})"', page)
    assert versioned is not None
    assert (await gateway.client.get(versioned.group(1))).status_code == 200
