"""Rendering a page: the service's templates over the kit's, in the reader's language, with the kit's globals.

Every page extends `kit/base.html`. Templates are autoescaped; text comes from the gettext catalogs (`_()`), bound
per render to the request's language through a context variable, so one environment serves both languages from
any thread.
"""

from __future__ import annotations

import gettext as gettext_module
import hashlib
import re
from collections.abc import Mapping
from contextvars import ContextVar
from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from kyodo_shared.pages import format as formats
from kyodo_shared.pages.i18n import (
    LANG_COOKIE,
    LANG_QUERY,
    LOCALES,
    catalog_packages,
    chosen_now,
    negotiate,
    translations,
)
from kyodo_shared.pages.notices import notice_of
from kyodo_shared.pages.session import csrf_token_for, read_session, viewer_of
from kyodo_shared.settings import KernelSettings

_catalog: ContextVar[gettext_module.NullTranslations] = ContextVar("page_catalog")

# What a page may load: only this origin. Inline scripts and styles are refused (charts use attributes, not style=).
# A form may be sent only here — and, with login configured, to the identity provider (`security_headers`).
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# A page showing a logged-in reader (who they are, the session's CSRF token, personal data): kept by no cache.
NOT_STORED = "private, no-store"
_SOURCE_HOST = re.compile(r"^[a-z0-9.\-]+$|^\[[0-9a-f:.]+\]$")
LANG_COOKIE_SECONDS = 365 * 24 * 3600


def provider_origins(settings: KernelSettings) -> tuple[str, ...]:
    """Where the identity provider receives browsers, as CSP sources: the origins of the discovery URL and of the
    issuer (the same host unless discovery is fetched from an internal address while the issuer is the public one),
    when they are http(s). None when login is not configured."""
    login = settings.login
    if login.missing(settings.auth.issuer):
        return ()
    origins: list[str] = []
    for url in (login.discovery(settings.auth.issuer), settings.auth.issuer):
        origin = web_origin(url or "")
        if origin is not None and origin not in origins:
            origins.append(origin)
    return tuple(origins)


def web_origin(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL (no user info, lower case, default port dropped), else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    if not _SOURCE_HOST.match(host):  # nothing that could end or extend a CSP directive
        return None
    scheme = parts.scheme.lower()
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def security_headers(settings: KernelSettings) -> dict[str, str]:
    """The pages' headers for this configuration, computed once per pages app (`app.state.security_headers`).

    `form-action` also names the identity provider: `POST /auth/logout` answers 303 to its end-session endpoint,
    and browsers apply `form-action` to every redirect of a form submission — with `'self'` alone the logout is
    blocked and the provider's session (single sign-on) survives it."""
    origins = provider_origins(settings)
    if not origins:
        return dict(SECURITY_HEADERS)
    return {**SECURITY_HEADERS, "Content-Security-Policy": f"{_CSP} {' '.join(origins)}"}


def build_environment(package: str | None) -> Environment:
    loaders = [PackageLoader(package, "templates")] if package else []
    loaders.append(PackageLoader("kyodo_shared.pages", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates come from installed packages: no stat of every template file on every render.
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda message: _catalog.get().gettext(message),
        ngettext=lambda singular, many, n: _catalog.get().ngettext(singular, many, n),
        newstyle=True,
    )

    # The text of `_()` and `{% trans %}` straight from the catalog: Jinja's new-style gettext formats every text with
    # `%` through `Context.call`, variables or not — 12–15 % of a page's server time (bench/RESULTS.md, P7). Same
    # semantics: marked safe under autoescape, then formatted (escaping the variables) whenever new-style would change
    # it — with variables, or a `%` (a `%%` in a `{% trans %}` block).
    @pass_context
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        text: str = _catalog.get().gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogs are ours (reviewed .po files), as Jinja trusts them
        return text % variables if variables or "%" in text else text

    env.globals.update(gettext=gettext, _=gettext)
    formats.register(env)
    return env


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` for this request, in its language; keeps a language the reader just switched to."""
    site = request.app.state.site
    lang = negotiate(request)
    token = _catalog.set(translations(lang, catalog_packages(site.package)))
    try:
        page = request.app.state.templates.get_template(template)
        html = page.render({**page_globals(request, lang), **(context or {})})
    finally:
        _catalog.reset(token)
    secure = getattr(request.app.state, "security_headers", SECURITY_HEADERS)
    response = HTMLResponse(html, status_code=status, headers={**secure, **(headers or {})})
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Cookie"
    if viewer_of(request) is not None or read_session(request) is not None:
        response.headers["Cache-Control"] = NOT_STORED
    else:
        response.headers.setdefault("Cache-Control", "no-cache")
    chosen = chosen_now(request)
    if chosen is not None:
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_SECONDS, path="/", samesite="lax", httponly=True)
    return response


def page_globals(request: Request, lang: str) -> dict[str, Any]:
    site = request.app.state.site
    return {
        "request": request,
        "lang": lang,
        "other_langs": [code for code in LOCALES if code != lang],
        "lang_url": lambda code: lang_url(request, code),
        "static_url": lambda name: static_url(name, site.package),
        "viewer": viewer_of(request),
        "csrf_token": csrf_token_for(request),
        "site": site,
        "nav": site.navigation(request.url.path),
        "now": request.app.state.kernel.service_clock(),
        # The status message a workspace form's redirect named (`?done=<key>`), from the service's own table.
        "notice": notice_of(request, site.notices),
    }


def lang_url(request: Request, code: str) -> str:
    """This page in language `code`: the same query with `lang` replaced, as a query-only reference (`?…`), which
    keeps the current path. Never the path itself: a request for `//evil.example/x` would make it a link to
    another host."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != LANG_QUERY]
    query.append((LANG_QUERY, code))
    return f"?{urlencode(query)}"


def static_url(name: str, package: str | None = None) -> str:
    """`/static/<name>?v=<content hash>` (the kit's asset, else the service package's): a changed file gets a new
    URL, so no reader keeps a stale copy."""
    return f"/static/{name}?v={_asset_version(name, package)}"


_versions: dict[tuple[str, str | None], str] = {}


def _asset_version(name: str, package: str | None) -> str:
    version = _versions.get((name, package))
    if version is None:
        asset = resources.files("kyodo_shared.pages").joinpath("static", name)
        if not asset.is_file() and package is not None:
            asset = resources.files(package).joinpath("static", name)
        version = _versions[(name, package)] = hashlib.sha256(asset.read_bytes()).hexdigest()[:12]
    return version
