"""CSRF: every state-changing request made with the session cookie carries the session's token; every page form
post, with a session or without, comes from this site.

The token is HMAC(csrf key, session id) (`session.csrf_token_for`): forms send it as the field `csrf_token`, scripts
as the header `X-CSRF-Token`. Bearer requests carry no cookie and need none.

A visitor's post (no session: the cookie is SameSite=Lax, so a cross-site post never has one) carries no token; what
keeps another site from submitting it from its visitors' browsers is what the browser says about where the post
came from (`check_same_site`).
"""

from __future__ import annotations

import hmac

from fastapi import Request

from kyodo_shared.pages.render import web_origin
from kyodo_shared.pages.session import csrf_token_for, read_session
from kyodo_shared.web.auth import AuthError

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# `Sec-Fetch-Site` values saying the post came from a page of another origin (`same-site`: a sibling subdomain).
_ELSEWHERE = frozenset({"cross-site", "same-site"})


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise a 403 AuthError `csrf_failed` unless `submitted` is this session's token (compared in constant time)."""
    expected = csrf_token_for(request)
    if not expected or not submitted or not hmac.compare_digest(expected.encode("ascii"), submitted.encode("utf-8")):
        raise AuthError(403, "csrf_failed")


def check_csrf_if_session(request: Request, submitted: str | None) -> None:
    """For a form open to visitors too (a citizen's registration): it must come from this site (`check_same_site`),
    and a post carrying an open session must carry that session's token, as `check_csrf`. A visitor's post needs
    no token — it acts for nobody."""
    check_same_site(request)
    if read_session(request) is not None:
        check_csrf(request, submitted)


def check_same_site(request: Request) -> None:
    """Raise a 403 AuthError `csrf_failed` when the browser says the request came from a page of another origin:
    `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` other than Kyodo's (`KYODO_LOGIN__PUBLIC_URL` when
    set, else the request's own host) — `Origin: null` (a sandboxed or privacy-stripped origin) included.

    A request with neither header passes: browsers send `Origin` with every form POST (and `Sec-Fetch-Site` with
    every request) since 2020–2023, so its absence means a client that is not a browser — a script, curl, a test —
    and a CSRF attack needs a victim's browser to send the post. Such a client acts for nobody but itself."""
    if request.headers.get("sec-fetch-site", "").strip().lower() in _ELSEWHERE:
        raise AuthError(403, "csrf_failed")
    origin = request.headers.get("origin")
    if origin is not None and not _is_own_origin(request, origin):
        raise AuthError(403, "csrf_failed")


def _is_own_origin(request: Request, origin: str) -> bool:
    theirs = web_origin(origin)
    if theirs is None:
        return False
    settings = getattr(request.app.state, "settings", None)
    public = settings.login.public_url if settings is not None else None
    if public is not None:
        return theirs == web_origin(public)
    # No public URL configured: the request's own host. Not its scheme — behind a TLS-terminating proxy the
    # request arrives as http while the browser's origin is https; set KYODO_LOGIN__PUBLIC_URL for the strict check.
    # Host and any non-default port are compared as written (web_origin drops default ports).
    own = web_origin(f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}")
    return own is not None and theirs.partition("://")[2] == own.partition("://")[2]
