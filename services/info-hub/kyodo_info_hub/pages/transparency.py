"""Portal page: transparency (透明性) — what the platform publishes so that anyone can verify its history: the
checkpoints info-hub mirrors for every service with links to each service's own transparency page, how to run
`kyodo audit verify --url`, info-hub's own signed checkpoints and keys, and what is sealed and when it is revealed.

info-hub's own checkpoints and keys come from the kit's `transparency_context` (read in-process by the functions
that answer the public audit routes `/audit/checkpoints` and `/audit/keys`); the other services' from info-hub's
mirror (`Portal.checkpoints` / `.keys`), as the open data routes `/open-data/checkpoints` and `/open-data/keys`
serve them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyodo_info_hub.api import portal
from kyodo_shared.pages.kit_pages import transparency_context
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router

router = page_router()

# The services whose history is verified, and where their pages are (info-hub's pages are the portal's).
SERVICES: tuple[tuple[str, str], ...] = (
    ("registry", "/registry"),
    ("screening", "/screening"),
    ("proposals", "/proposals"),
    ("evaluation", "/evaluation"),
    ("info-hub", ""),
)


@dataclass(frozen=True)
class Mirrored:
    service: str
    prefix: str
    count: int
    position: int | None
    signed_at: datetime | None
    keys: int


def _signed_at(checkpoint: dict[str, Any]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(checkpoint.get("signed_at")))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@router.get("/transparency")
def transparency(request: Request) -> HTMLResponse:
    reads = portal(request)
    mirrored = []
    for service, prefix in SERVICES:
        found = reads.checkpoints(service)
        latest = found[-1] if found else None
        mirrored.append(
            Mirrored(
                service=service,
                prefix=prefix,
                count=len(found),
                position=int(latest["position"]) if latest else None,
                signed_at=_signed_at(latest) if latest else None,
                keys=len(reads.keys(service)),
            )
        )
    return render(request, "portal/transparency.html", {**transparency_context(request), "mirrored": mirrored})
