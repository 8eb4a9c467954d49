"""Workspace pages under test: services running in-process (real stores, real NATS) behind the gateway, and
browsers that are logged in as someone — a session cookie sealed with the platform's session key around a token the
test issuer mints, exactly what `/auth/callback` sets after a real login (tests/pages/test_login_flow.py covers that
flow itself). Each `Browser` keeps its own cookies, so two people act side by side.

    async with workspace(["registry"], folder, nats_url, namespace) as site:
        group = site.browser("rep-1", "group")
        page = await group.page("/registry/apply")
        bylaws = {"bylaws": ("会則.pdf", b"%PDF-1.7 …", "application/pdf")}
        answer = await group.post("/registry/apply", {"name": "…"}, files=bylaws)
        assert answer.status_code == 303
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from kyodo_shared.pages.csrf import CSRF_FIELD
from kyodo_shared.pages.session import SESSION_PURPOSE, BrowserSession, cookie_name, csrf_token, seal, session_keys
from kyodo_shared.settings import LoginSettings
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.harness import Backend, Platform, platform, settings_for
from support.page_reading import doc
from support.servers import delete_streams_sync

ORIGIN = "http://kyodo.test"
SESSION_KEY = "a-session-key-for-workspace-tests-0123456789"


def login_settings() -> LoginSettings:
    return LoginSettings(
        public_url=ORIGIN,
        discovery_url=f"{ORIGIN}/oidc/.well-known/openid-configuration",
        session_key=SecretStr(SESSION_KEY),
    )


@dataclass
class Browser:
    """One person's browser on the site: their session cookie, and the CSRF token their pages' forms carry."""

    client: httpx.AsyncClient
    sub: str
    csrf: str

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params or None)

    async def page(self, path: str, status: int = 200, **params: Any) -> Any:
        """The page at `path` as an lxml document, after checking its status and that it is HTML."""
        response = await self.get(path, **params)
        assert response.status_code == status, (path, response.status_code, response.text[:3000])
        return doc(response)

    async def post(
        self,
        path: str,
        data: Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]] | None = None,
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        csrf: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """A form post as the browser sends it (urlencoded, or multipart with `files`), with the session's CSRF
        token unless `csrf=False`, and the Origin header browsers add to every form post."""
        fields: list[tuple[str, str]] = []
        items = data.items() if isinstance(data, Mapping) else (data or [])
        for name, value in items:
            if isinstance(value, str):
                fields.append((name, value))
            else:
                fields.extend((name, v) for v in value)
        if csrf and self.csrf:
            fields.append((CSRF_FIELD, self.csrf))
        sent = {"Origin": ORIGIN, **(headers or {})}
        if files:
            return await self.client.post(path, data=dict(_grouped(fields)), files=files, headers=sent)
        form = {**sent, "Content-Type": "application/x-www-form-urlencoded"}
        return await self.client.post(path, content=urlencode(fields), headers=form)


def _grouped(fields: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    grouped: dict[str, str | list[str]] = {}
    for name, value in fields:
        if name in grouped:
            before = grouped[name]
            grouped[name] = [*before, value] if isinstance(before, list) else [before, value]
        else:
            grouped[name] = value
    return grouped


@dataclass
class Site:
    platform: Platform
    issuer: DevIssuer
    login: LoginSettings
    gateway: Any
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def visitor(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.gateway), base_url=ORIGIN)
        self._clients.append(client)
        return client

    def browser(self, sub: str, *roles: str) -> Browser:
        """A browser logged in as `sub` with `roles` (the token's roles claim), for eight hours."""
        keys = session_keys(self.login)
        assert keys is not None
        sid = secrets.token_urlsafe(32)
        session = BrowserSession(sid, self.issuer.mint(sub, roles), int(time.time()) + 8 * 3600)
        client = self.visitor()
        client.cookies.set(cookie_name(self.login), seal(keys, SESSION_PURPOSE, session.payload()))
        return Browser(client, sub, csrf_token(keys, sid))

    def api(self, service: str) -> httpx.AsyncClient:
        """The service's API client (bearer tokens: `site.platform.token(sub, role)`), for arranging a scene."""
        return self.platform.clients[service]

    def application(self, service: str) -> Any:
        """The service's application object, as its API and pages call it (read its state in an assertion)."""
        return self.platform.apps[service].state.kernel.application

    def domain_events(self, service: str) -> int:
        """How many events the service's domain has stored: the kernel's own (signed checkpoints, which its
        background task stores whenever the chain moves) are not counted, so "nothing stored" is steady."""
        recorder = self.application(service).recorder
        count, start = 0, 1
        while batch := recorder.select_notifications(start, 500):
            count += sum(1 for n in batch if not n.topic.startswith("kyodo_shared."))
            start = batch[-1].id + 1
        return count

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@asynccontextmanager
async def workspace(
    services: Sequence[str], folder: Path, nats_url: str, namespace: str | None = None, **overrides: Any
) -> AsyncIterator[Site]:
    """`services` running on SQLite stores in `folder` and the bus namespace (a fresh one if none is given: a
    module's fixture has no test's `bus_namespace`), behind the gateway, with login configured (the session key every
    service shares). `overrides`: more settings for every service."""
    namespace = namespace or f"t{uuid.uuid4().hex[:8]}"
    issuer = DevIssuer.load_or_create(folder / "issuer")
    login = login_settings()
    backend = Backend("sqlite", folder)
    settings = {
        name: settings_for(name, backend, nats_url, namespace, issuer, login=login, **overrides) for name in services
    }
    try:
        async with platform(settings, issuer) as running:
            site = Site(running, issuer, login, mount_services(running.apps))
            try:
                yield site
            finally:
                await site.close()
    finally:
        delete_streams_sync(nats_url, f"{namespace.upper()}_")


def csrf_of(page: Any) -> str:
    """The CSRF token a rendered page's forms carry."""
    found = page.xpath(f"//input[@name='{CSRF_FIELD}']/@value")
    assert found, "the page has no form with a CSRF token"
    return str(found[0])
