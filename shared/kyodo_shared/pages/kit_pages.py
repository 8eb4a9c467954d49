"""The kit's own pages in every service with a page prefix: its index (`/<service>/`: what it does, its public
documents) and its transparency page (`/<service>/transparency`: its signed checkpoints and public keys, and how
anyone verifies its history with `kyodo audit verify --url`).

Checkpoints and keys are read in-process by the very functions that answer the public audit routes
(`audit/api.py`: `/api/<service>/audit/checkpoints`, `/audit/keys`), so the page and the API never disagree.
`transparency_context(request)` and `kit/checkpoints.html` serve the portal's own `/transparency` page too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kyodo_shared.audit import api as audit_api
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.pages.session import viewer_of

if TYPE_CHECKING:
    from kyodo_shared.pages.site import PageSite

# What each service is called and does (English msgids; the kit's catalog holds the Japanese).
SERVICE_NAMES: dict[str, str] = {
    "registry": "Group registry",
    "screening": "Screening of the city's projects",
    "proposals": "Calls for proposals",
    "evaluation": "Evaluation of collaboration projects",
    "info-hub": "Civic activity center",
}
SERVICE_DESCRIPTIONS: dict[str, str] = {
    "registry": "The register of civic activity groups: their registration against the six criteria, their public "
    "profiles, and who represents them.",
    "screening": "The screening of the city's existing projects for collaboration: the inventory of projects, the "
    "screening rounds and their decisions.",
    "proposals": "Calls for collaboration proposals: proposals sealed until the deadline, the review board, and "
    "decisions by published rules.",
    "evaluation": "Collaboration projects: their agreements, indicators, progress, self-evaluations and the "
    "committee's evaluation, published and linked to the selection.",
    "info-hub": "The civic activity center and the public portal: news, trainings, the coordination window, the "
    "group directory, calls, results and open data.",
}
SHOWN_CHECKPOINTS = 20  # the latest shown on a page; the JSON holds them all


@dataclass(frozen=True)
class CheckpointRow:
    position: int
    signed_at: datetime | None
    kid: str
    link: str
    announces: str | None  # the key id this checkpoint announces, if any


def public_origin(request: Request) -> str:
    """The origin readers reach the site at: the login's public URL when configured, else this request's."""
    settings = getattr(request.app.state, "settings", None)
    login = getattr(settings, "login", None)
    configured: str | None = getattr(login, "public_url", None)
    return configured.rstrip("/") if configured else f"{request.url.scheme}://{request.url.netloc}"


def _row(item: dict[str, Any]) -> CheckpointRow:
    try:
        signed = datetime.fromisoformat(str(item.get("signed_at")))
    except ValueError:
        signed = None
    announced = item.get("announces")
    return CheckpointRow(
        position=int(item["position"]),
        signed_at=signed if signed is not None and signed.tzinfo is not None else None,
        kid=str(item.get("kid", "")),
        link=str(item.get("link", "")),
        announces=str(announced["kid"]) if isinstance(announced, dict) and announced.get("kid") else None,
    )


def transparency_context(request: Request, shown: int = SHOWN_CHECKPOINTS) -> dict[str, Any]:
    """What a transparency page shows of the service serving `request`: its latest checkpoints (newest first), how
    many there are, its public keys, the JSON behind them and the command that verifies its history. The portal's
    `/transparency` renders it with `{% include "kit/checkpoints.html" %}`."""
    checkpoints = audit_api.checkpoints(request)
    keys = audit_api.keys(request)
    service: str = checkpoints["service"]
    items: list[dict[str, Any]] = checkpoints["items"]
    origin = public_origin(request)
    api = f"{origin}/api/{service}"
    return {
        "service": service,
        "checkpoints": [_row(item) for item in sorted(items, key=lambda c: -int(c["position"]))[:shown]],
        "checkpoint_count": len(items),
        "keys": sorted(keys["keys"].items()),
        "origin": origin,
        "api_base": api,
        "checkpoints_url": f"/api/{service}/audit/checkpoints",
        "keys_url": f"/api/{service}/audit/keys",
        "mirror_url": f"/api/info-hub/open-data/checkpoints?service={service}",
        "verify_command": f"kyodo audit verify {service} --url {api}",
        "verify_mirror_command": (
            f"kyodo audit verify {service} --url {api} "
            f"--checkpoints-url '{origin}/api/info-hub/open-data/checkpoints?service={service}'"
        ),
    }


def service_context(service: str, prefix: str) -> dict[str, Any]:
    return {
        "service": service,
        "service_name": SERVICE_NAMES.get(service, service),
        "service_description": SERVICE_DESCRIPTIONS.get(service),
        "prefix": prefix,
        "docs_url": f"/api/{service}/docs",
        "openapi_url": f"/api/{service}/openapi.json",
        "asyncapi_url": f"/api/{service}/asyncapi.yaml",
        "transparency_url": f"{prefix}/transparency",
    }


def kit_router(site: PageSite) -> APIRouter:
    router = page_router(site.prefix)
    if site.prefix:

        @router.get("/")
        def service_index(request: Request) -> HTMLResponse:
            viewer = viewer_of(request)
            held = {str(role) for role in viewer.roles} if viewer is not None else set()
            mine = [w for w in site.workspaces if held.intersection(w.roles)]
            context = {**service_context(site.service, site.prefix), "workspaces": mine}
            return render(request, "kit/service_index.html", context)

        @router.get("/transparency")
        def service_transparency(request: Request) -> HTMLResponse:
            context = {**service_context(site.service, site.prefix), **transparency_context(request)}
            return render(request, "kit/transparency.html", context)

    return router
