"""The browser session: a cookie holding the access token, sealed with the key every service shares.

The cookie (`__Host-kyodo_session` under https, Secure; else `kyodo_session`; HttpOnly, SameSite=Lax, Path=/) holds
`{sid, at, exp}` — a random session id, the access token and when the session ends — sealed with AES-256-GCM under
a key derived from `KYODO_LOGIN__SESSION_KEY` by HKDF (one key for sealing, another for CSRF tokens). Whoever reads
it verifies the token inside with the same `JwksVerifier` as a bearer token: one authorization path for both.
A cookie that does not open (tampered, another key, expired) is no session at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request, Response

from kyodo_shared.domain.actors import Principal
from kyodo_shared.settings import KernelSettings, LoginSettings
from kyodo_shared.web.auth import AuthError, JwksVerifier

log = structlog.get_logger(__name__)

SESSION_COOKIE = "kyodo_session"
LOGIN_COOKIE = "kyodo_login"
# What each sealed value is for: bound into the seal (AES-GCM's associated data), so one never opens as the other.
SESSION_PURPOSE = "session"
LOGIN_PURPOSE = "login"
_NONCE_BYTES = 12
# Browsers keep cookies up to 4096 bytes, name and attributes included.
MAX_COOKIE_VALUE = 3800


@dataclass(frozen=True)
class SessionKeys:
    """The two keys derived from the shared session key: sealing cookies, and CSRF tokens."""

    seal: bytes
    csrf: bytes


@lru_cache(maxsize=8)
def _derive(secret: bytes) -> SessionKeys:
    def hkdf(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    return SessionKeys(seal=hkdf(b"kyodo/session/seal/v1"), csrf=hkdf(b"kyodo/session/csrf/v1"))


def session_keys(login: LoginSettings) -> SessionKeys | None:
    if login.session_key is None:
        return None
    return _derive(login.session_key.get_secret_value().encode("utf-8"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(keys: SessionKeys, purpose: str, payload: dict[str, Any]) -> str:
    """`payload` as JSON, encrypted and authenticated for `purpose`; URL-safe, so a cookie value as it is."""
    nonce = os.urandom(_NONCE_BYTES)
    plain = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return _b64(nonce + AESGCM(keys.seal).encrypt(nonce, plain, purpose.encode("ascii")))


def unseal(keys: SessionKeys, purpose: str, value: str, *, now: float | None = None) -> dict[str, Any] | None:
    """The payload sealed for `purpose`, or None when the value was altered, sealed with another key or for another
    purpose, or its `exp` has passed."""
    try:
        raw = _unb64(value)
        if len(raw) <= _NONCE_BYTES:
            return None
        plain = AESGCM(keys.seal).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode("ascii"))
        payload = json.loads(plain)
    except (InvalidTag, ValueError, binascii.Error, UnicodeError):
        return None
    if not isinstance(payload, dict):
        return None
    expires = payload.get("exp")
    if not isinstance(expires, int) or expires <= (time.time() if now is None else now):
        return None
    return payload


def csrf_token(keys: SessionKeys, sid: str) -> str:
    """HMAC-SHA256 of the session id under the CSRF key: bound to one session, useless in another."""
    return _b64(hmac.new(keys.csrf, sid.encode("utf-8"), hashlib.sha256).digest())


def new_session_id() -> str:
    return _b64(os.urandom(32))


@dataclass(frozen=True)
class BrowserSession:
    sid: str
    access_token: str
    expires_at: int

    def payload(self) -> dict[str, Any]:
        return {"sid": self.sid, "at": self.access_token, "exp": self.expires_at}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> BrowserSession | None:
        sid, token, expires = payload.get("sid"), payload.get("at"), payload.get("exp")
        if not (isinstance(sid, str) and sid and isinstance(token, str) and token and isinstance(expires, int)):
            return None
        return cls(sid, token, expires)


def cookie_name(login: LoginSettings, base: str = SESSION_COOKIE) -> str:
    # `__Host-`: the browser accepts it only Secure, from this very host, with Path=/ — no subdomain can set it.
    return f"__Host-{base}" if login.secure else base


def login_settings(request: Request) -> LoginSettings | None:
    """The login settings of the app serving the request (an API app or a pages app: both hold the service's
    kernel), or None for an app without a kernel, which then knows no session."""
    kernel = getattr(request.app.state, "kernel", None)
    settings: KernelSettings | None = getattr(kernel, "settings", None)
    return None if settings is None else settings.login


def set_cookie(response: Response, login: LoginSettings, base: str, value: str, max_age: int) -> None:
    response.set_cookie(
        cookie_name(login, base),
        value,
        max_age=max(0, max_age),
        path="/",
        secure=login.secure,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, login: LoginSettings, base: str) -> None:
    response.delete_cookie(cookie_name(login, base), path="/", secure=login.secure, httponly=True, samesite="lax")


def set_session_cookie(response: Response, login: LoginSettings, session: BrowserSession) -> None:
    """Seal `session` into the response's cookie. Raises ValueError when it would not fit in a cookie."""
    keys = session_keys(login)
    if keys is None:
        raise ValueError("KYODO_LOGIN__SESSION_KEY is not set")
    value = seal(keys, SESSION_PURPOSE, session.payload())
    if len(value) > MAX_COOKIE_VALUE:
        raise ValueError("the access token is too large to keep in a cookie")
    set_cookie(response, login, SESSION_COOKIE, value, session.expires_at - int(time.time()))


def read_session(request: Request) -> BrowserSession | None:
    """The request's session, opened (not yet its token verified), or None. Memoised on the request."""
    if hasattr(request.state, "browser_session"):
        cached: BrowserSession | None = request.state.browser_session
        return cached
    session = None
    login = login_settings(request) if request.cookies else None
    if login is not None and (value := request.cookies.get(cookie_name(login))):
        keys = session_keys(login)
        payload = None if keys is None else unseal(keys, SESSION_PURPOSE, value)
        session = None if payload is None else BrowserSession.from_payload(payload)
    request.state.browser_session = session
    return session


def has_session_cookie(request: Request) -> bool:
    """Whether the request carries a session cookie at all (sealed well or not)."""
    login = login_settings(request) if request.cookies else None
    return login is not None and cookie_name(login) in request.cookies


async def resolve_viewer(request: Request) -> None:
    """Sets `request.state.viewer` (the logged-in Principal, or None) for the page being rendered.

    An expired, altered or no longer valid session is nobody: the page renders as for a visitor (a page needing
    login redirects to `/auth/login?next=…`), and the next login replaces the cookie."""
    request.state.viewer = None
    session = read_session(request)
    if session is None:
        return
    verifier: JwksVerifier = request.app.state.verifier
    try:
        request.state.viewer = await verifier.verify(session.access_token)
    except AuthError as error:
        # The code only (token_expired, jwks_unavailable, …): never the token.
        log.info("session_not_accepted", code=error.code)


def csrf_token_for(request: Request) -> str:
    """The CSRF token every form of this session carries ('' when nobody is logged in)."""
    session = read_session(request)
    if session is None:
        return ""
    login = login_settings(request)
    keys = None if login is None else session_keys(login)
    return "" if keys is None else csrf_token(keys, session.sid)


def viewer_of(request: Request) -> Principal | None:
    viewer: Principal | None = getattr(request.state, "viewer", None)
    return viewer
