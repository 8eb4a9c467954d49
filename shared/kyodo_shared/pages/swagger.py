"""Swagger UI for each service's API, served from this origin: its assets come from the `swagger-ui-py` wheel's
copy of swagger-ui (5.x, which reads the OpenAPI 3.1 FastAPI writes), not from a CDN. ReDoc is not offered: it
would be a second copy of the same document, and its bundle is not packaged for Python.

The page runs under a Content-Security-Policy as the pages do: no inline script (swagger-ui is started by
`/docs-init.js`, reading its settings from the page's `data-` attributes), no framing. Swagger UI styles elements
inline, hence `style-src 'unsafe-inline'` (styles only; scripts stay `'self'`)."""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from pathlib import Path

import swagger_ui
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

ASSETS = "/docs-assets"
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}

# Starts swagger-ui with the settings FastAPI's page used; the validator badge (an external host) off.
_INIT_JS = """"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    oauth2RedirectUrl: window.location.origin + root.dataset.oauth2Redirect,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}" data-oauth2-redirect="{redirect}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{init}"></script>
</body>
</html>
"""


def install_swagger(app: FastAPI) -> None:
    """`/docs` (and its OAuth2 redirect page) with `/docs-assets/…` from the wheel; relative to the mount point."""
    from fastapi.staticfiles import StaticFiles

    from kyodo_shared.pages.site import AssetHeaders

    static = Path(swagger_ui.__file__).parent / "static"
    app.mount(ASSETS, AssetHeaders(StaticFiles(directory=static)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = _PAGE.format(
            title=escape(f"{app.title} — API"),
            assets=escape(f"{root}{ASSETS}"),
            openapi=escape(f"{root}/openapi.json"),
            redirect=escape(f"{root}/docs/oauth2-redirect"),
            init=escape(f"{root}/docs-init.js"),
        )
        return HTMLResponse(page, headers={**_HEADERS, "Content-Security-Policy": DOCS_CSP})

    @app.get("/docs-init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(_INIT_JS, media_type="text/javascript", headers={**_HEADERS, "Cache-Control": "no-cache"})

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        page = bytes(get_swagger_ui_oauth2_redirect_html().body).decode("utf-8")
        csp = f"default-src 'none'; script-src {_script_hash(page)}; frame-ancestors 'none'"
        return HTMLResponse(page, headers={**_HEADERS, "Content-Security-Policy": csp})


def _script_hash(page: str) -> str:
    """The CSP source allowing the one inline script of FastAPI's fixed OAuth2 redirect page, by its hash."""
    found = re.search(r"<script>(.*?)</script>", page, re.DOTALL)
    digest = hashlib.sha256((found.group(1) if found else "").encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
