"""The auditor's HTTP API, mounted in every service: the raw chain records, the decoded history as the
visibility policy allows, and the published checkpoints and keys.
"""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request

from kyodo_shared.audit.chain import iter_notifications, state_hash
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.records import history_end, records_from_store
from kyodo_shared.audit.sealed_check import sealed_listing
from kyodo_shared.runtime import Kernel
from kyodo_shared.web.access import requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.routes import service_router

router = service_router(prefix="/audit", tags=["audit"])

Auditor = Annotated[Principal, Depends(requires(Role.AUDITOR))]
PAGE = Annotated[int, Query(ge=1, le=5000)]


def _kernel(request: Request) -> Kernel:
    kernel: Kernel = request.app.state.kernel
    return kernel


@router.get("/records", summary="Chain records for verification (監査用チェーン記録)")
def records(
    request: Request,
    _: Auditor,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: PAGE = 1000,
    stop: Annotated[int | None, Query(ge=0, description="End of the range; pass the first page's back")] = None,
) -> Any:
    kernel = _kernel(request)

    def page() -> tuple[list[dict[str, Any]], int]:
        end = history_end(kernel.application.recorder) if stop is None else stop
        found = records_from_store(
            kernel.application.recorder, kernel.chain, after, stop=end, type_of=kernel.visibility.type_of
        )
        return [r.as_dict() for r in itertools.islice(found, limit)], end

    items, end = page()
    return {"items": items, "stop": end, "next_after": items[-1]["position"] if len(items) == limit else None}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, UUID | datetime):
        return str(value)
    return value


@router.get("/events", summary="Event history as the visibility policy allows (監査用イベント履歴)")
def events(
    request: Request,
    principal: Auditor,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: PAGE = 100,
    aggregate: UUID | None = None,
    type: Annotated[
        str | None,
        Query(max_length=200, description="Published type, e.g. registry.Group.Registered (a topic or its tail too)"),
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    correlation_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    kernel = _kernel(request)
    now = datetime.now(UTC)

    def page() -> tuple[list[dict[str, Any]], int]:
        items: list[dict[str, Any]] = []
        last = after
        for n in iter_notifications(kernel.application.recorder, after):
            last = n.id
            if aggregate is not None and n.originator_id != aggregate:
                continue
            published = kernel.visibility.type_of(n.topic)
            # The published type name is the interface; topic forms still match for older clients.
            if type is not None and type not in (
                published,
                n.topic,
                n.topic.split(":", 1)[-1],
                n.topic.rsplit(".", 1)[-1],
            ):
                continue
            event = kernel.application.mapper.to_domain_event(n)
            body = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version")}
            at = body.pop("timestamp", None)
            shown = kernel.visibility.render(n.topic, _jsonable(body), principal, now)
            if (since or until or correlation_id) and not isinstance(shown, dict):
                # Content filters never apply to hidden bodies: a filter must not reveal what the body says.
                continue
            if (since and at and at < since) or (until and at and at >= until):
                continue
            if correlation_id and (body.get("trace") or {}).get("correlation_id") != correlation_id:
                continue
            item: dict[str, Any] = {
                "position": n.id,
                "originator_id": str(n.originator_id),
                "originator_version": n.originator_version,
                "type": published,
                "topic": n.topic,
                "state_hash": state_hash(bytes(n.state)).hex(),
                "link": kernel.chain.link_at(n.id),
                "body": shown,
            }
            if isinstance(shown, dict):
                item["recorded_at"] = str(at) if at else None
                if kernel.visibility.fully_public(n.topic):
                    # The stored bytes themselves, so a reader can check them against state_hash and the chain.
                    item["state"] = base64.b64encode(bytes(n.state)).decode()
            items.append(item)
            if len(items) == limit:
                break
        return items, last

    items, last = page()
    return {"items": items, "next_after": last if len(items) == limit else None}


@router.get("/sealed", summary="Chains of ended sealed periods (監査用: 封印期間のチェーン)")
def sealed(request: Request, principal: Auditor) -> Any:
    """For each event that ended a sealed period (a call's close): the sealed chain it recorded and the chain fields
    of those sealed events as the sealed store holds them now, so a verifier without database access checks them.
    Periods still open are never listed."""
    kernel = _kernel(request)
    return {"service": kernel.service, "items": sealed_listing(kernel.application, kernel.sealed)}


@router.get("/checkpoints", summary="Signed checkpoints (公開: 署名付きチェックポイント)")
def checkpoints(request: Request) -> Any:
    kernel = _kernel(request)
    found = stored_checkpoints(kernel.application, kernel.service)
    return {"service": kernel.service, "items": [c.model_dump(mode="json") for c in found]}


@router.get("/keys", summary="Checkpoint public keys (公開: 検証用公開鍵)")
def keys(request: Request) -> Any:
    kernel = _kernel(request)
    return {"service": kernel.service, "keys": kernel.published_keys()}
