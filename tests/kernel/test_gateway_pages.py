"""The gateway routes pages by the path's first whole segment, APIs by `/api/<service>`, the rest to the portal."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from kyodo_shared.web.gateway import mount_services


def service(name: str, prefix: str | None) -> FastAPI:
    """A stand-in service: its API answers `api:<name>:<path>`, its pages `pages:<name>:<path>`."""
    api = FastAPI()
    pages = FastAPI()

    @api.get("/{rest:path}")
    def api_echo(request: Request, rest: str) -> str:
        return f"api:{name}:/{rest}"

    @pages.get("/{rest:path}")
    def page_echo(request: Request, rest: str) -> str:
        return f"pages:{name}:{request.url.path}"

    api.state.pages = pages if prefix is not None else None
    api.state.page_prefix = prefix
    return api


@pytest.fixture
def client() -> httpx.AsyncClient:
    apps = {
        "info-hub": service("info-hub", ""),
        "registry": service("registry", "/registry"),
        "screening": service("screening", "/screening"),
    }
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=mount_services(apps)), base_url="http://test")


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/", "pages:info-hub:/"),
        ("/groups/abc", "pages:info-hub:/groups/abc"),
        ("/auth/login", "pages:info-hub:/auth/login"),
        ("/static/kit.css", "pages:info-hub:/static/kit.css"),
        ("/registry", "pages:registry:/registry"),
        ("/registry/groups/1", "pages:registry:/registry/groups/1"),
        ("/screening/rounds", "pages:screening:/screening/rounds"),
        # A whole segment, not a string prefix: the portal's screening results are info-hub's page.
        ("/screening-results", "pages:info-hub:/screening-results"),
        ("/api/registry/groups", "api:registry:/groups"),
        ("/api/info-hub/groups", "api:info-hub:/groups"),
    ],
)
async def test_each_path_reaches_the_app_that_owns_it(client: httpx.AsyncClient, path: str, answer: str) -> None:
    async with client:
        response = await client.get(path)
    assert response.status_code == 200
    assert response.json() == answer


async def test_a_service_alone_serves_the_portal_paths_itself() -> None:
    # `kyodo serve registry`: its login and assets are still reachable on its own port.
    gateway = mount_services({"registry": service("registry", "/registry")})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://test") as client:
        assert (await client.get("/auth/login")).json() == "pages:registry:/auth/login"


async def test_extra_apps_are_mounted_before_the_pages() -> None:
    extra = FastAPI()

    @extra.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, str]:
        return {"issuer": "x"}

    gateway = mount_services({"info-hub": service("info-hub", "")}, also={"/oidc": extra})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://test") as client:
        assert (await client.get("/oidc/.well-known/openid-configuration")).json() == {"issuer": "x"}
        assert (await client.get("/oidcx")).json() == "pages:info-hub:/oidcx"
