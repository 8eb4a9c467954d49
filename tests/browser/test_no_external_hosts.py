"""No page and no asset reaches or names another host: in the browser every request leaving the test's own origin is
refused and fails the test; each page's HTML and every stylesheet and script it loads are read for http://, https://
and //host references to other hosts. Swagger UI (`/api/<service>/docs`) included."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Request, Response, Route

from browser.kyodo_up import KyodoUp
from browser.site_pages import LANGS, PAGES, PageSpec, fixtures_for, resolve

OpenPage = Callable[[str, str], Page]
SERVICES = ("registry", "info-hub", "proposals", "screening", "evaluation")

# References that name another host without anything ever being fetched from it. Keep this list tiny.
ALLOWED = (
    # XML namespaces: identifiers in inline SVG and in the SVG data: URIs of stylesheets, never fetched.
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/1998/Math/MathML",
    # The open data's licence (CC BY 4.0), which its page and catalogue must name (a licence is its URL).
    "https://creativecommons.org/licenses/by/4.0/",
)
# Swagger UI's bundle (third-party code from the swagger-ui-py wheel, served under /docs-assets/) carries URLs in
# strings it never fetches (React's error decoder, RFC references, social-link formats): its JavaScript is not read
# for references; what it would fetch is refused by the route check, and the validator badge it loads by default from
# validator.swagger.io (for any spec not on localhost) must be switched off in the page (validatorUrl: null).
VENDORED_SCRIPTS = "/docs-assets/"

ABSOLUTE = re.compile(r"https?://[^\s\"'()<>`\\]+", re.IGNORECASE)
# Protocol-relative references in markup and stylesheets (in scripts `//` starts comments and regular expressions).
RELATIVE = re.compile(
    r"""(?:(?:src|href|action|srcset|content|data|poster)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])"""
    r"""(//[A-Za-z0-9.-]+)""",
    re.IGNORECASE,
)

_assets: dict[str, str] = {}  # asset URL → text, read once per run


def foreign_references(text: str, origin: str, *, script: bool = False) -> list[str]:
    found = []
    for match in ABSOLUTE.finditer(text):
        url = match.group(0)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}".lower() == origin.lower() or url.startswith(ALLOWED):
            continue
        found.append(url)
    if not script:
        host = urlsplit(origin).netloc
        found += [m.group(1) for m in RELATIVE.finditer(text) if m.group(1)[2:] != host]
    return sorted(set(found))


def asset_text(url: str) -> str:
    if url not in _assets:
        _assets[url] = httpx.get(url, timeout=10).text
    return _assets[url]


def refused_and_referenced(page: Page, origin: str, path: str, status: int = 200) -> tuple[list[str], list[str]]:
    """Load `path` with every request to another host refused; the refused URLs, and the references found."""
    refused: list[str] = []
    assets: list[tuple[str, str]] = []

    def route(route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" == origin:
            route.continue_()
        else:
            refused.append(f"{request.resource_type} {request.url}")
            route.abort("blockedbyclient")

    def loaded(response: Response) -> None:
        if response.request.resource_type in ("stylesheet", "script") and response.url.startswith(origin):
            assets.append((response.request.resource_type, response.url))

    page.route("**/*", route)
    page.on("response", loaded)
    response = page.goto(path, wait_until="networkidle")
    assert response is not None, f"{path}: no response"
    assert response.status == status, f"{path} answered {response.status}, expected {status}"
    referenced = [f"the page: {url}" for url in foreign_references(response.text(), origin)]
    for kind, url in assets:
        script = kind == "script"
        if script and VENDORED_SCRIPTS in url:
            continue
        found = foreign_references(asset_text(url), origin, script=script)
        referenced += [f"{urlsplit(url).path}: {ref}" for ref in found]
    return refused, referenced


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.key)
def test_no_page_loads_or_names_another_host(
    spec: PageSpec, lang: str, request: pytest.FixtureRequest, open_page: OpenPage
) -> None:
    site_fixture, ids_fixture = fixtures_for(spec)
    origin: str = request.getfixturevalue(site_fixture).origin
    ids = request.getfixturevalue(ids_fixture)
    path = resolve(spec, ids)
    if path is None:
        pytest.fail(f"{spec.key}: the platform has no record for {spec.path}")
    if lang != "ja":
        path += ("&" if "?" in path else "?") + f"lang={lang}"
    refused, referenced = refused_and_referenced(open_page(origin, lang), origin, path, spec.status)
    assert not refused, f"{path} requested other hosts (refused):\n  " + "\n  ".join(refused)
    assert not referenced, f"{path} references other hosts:\n  " + "\n  ".join(referenced)


@pytest.mark.parametrize("service", SERVICES)
def test_swagger_ui_loads_everything_from_this_origin(service: str, site: KyodoUp, open_page: OpenPage) -> None:
    path = f"/api/{service}/docs"
    page = open_page(site.origin, "en")
    refused, referenced = refused_and_referenced(page, site.origin, path)
    assert not refused, f"{path} requested other hosts (refused):\n  " + "\n  ".join(refused)
    assert not referenced, f"{path} references other hosts:\n  " + "\n  ".join(referenced)
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)  # it rendered the API from this origin
    # The settings are in the init script the page loads (no inline script under its CSP): read what it runs.
    scripts = page.evaluate("() => Array.from(document.scripts, (s) => s.src)")
    source = "".join(page.request.get(src).text() for src in scripts if not src.endswith("swagger-ui-bundle.js"))
    assert re.search(r"validatorUrl['\"]?\s*:\s*(null|['\"]none['\"])", source), (
        f"{path}: Swagger UI's validator is on (no validatorUrl: null), so for a spec not on localhost it loads a "
        "badge from https://validator.swagger.io — switch it off in the Swagger UI config"
    )
