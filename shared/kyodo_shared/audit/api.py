"""The auditor's HTTP API, mounted in every service: the raw chain records, the decoded history as the
visibility policy allows, and the published checkpoints and keys.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.persistence import Notification
from fastapi import Depends, Query, Request, Response
from fastapi.encoders import jsonable_encoder

from kyodo_shared.audit.chain import state_hash
from kyodo_shared.audit.checkpointer import stored_checkpoints
from kyodo_shared.audit.history import EventRow, StoredHistory, WalkRow
from kyodo_shared.audit.records import TypeOf, history_end
from kyodo_shared.audit.sealed_check import sealed_listing
from kyodo_shared.runtime import Kernel
from kyodo_shared.web.access import requires
from kyodo_shared.web.auth import Principal, Role
from kyodo_shared.web.routes import service_router

router = service_router(prefix="/audit", tags=["audit"])

Auditor = Annotated[Principal, Depends(requires(Role.AUDITOR))]
PAGE = Annotated[int, Query(ge=1, le=5000)]
# A store position is a 64-bit integer in both stores: a larger one is a 422 naming the field, not the store's overflow.
POSITION_MAX = 2**63 - 1


def _kernel(request: Request) -> Kernel:
    kernel: Kernel = request.app.state.kernel
    return kernel


def _history(kernel: Kernel) -> StoredHistory:
    return StoredHistory(kernel.chain.db, kernel.application.recorder)


@router.get("/records", summary="Chain records for verification (監査用チェーン記録)")
def records(
    request: Request,
    _: Auditor,
    after: Annotated[int, Query(ge=0, le=POSITION_MAX)] = 0,
    limit: PAGE = 1000,
    stop: Annotated[
        int | None, Query(ge=0, le=POSITION_MAX, description="End of the range; pass the first page's back")
    ] = None,
) -> Any:
    kernel = _kernel(request)
    end = history_end(kernel.application.recorder) if stop is None else stop
    type_of = kernel.visibility.type_of
    items = [_record(row, type_of) for row in _history(kernel).records(after, end, limit)]
    return _json({"items": items, "stop": end, "next_after": items[-1]["position"] if len(items) == limit else None})


def _json(payload: dict[str, Any]) -> Response:
    """The body as FastAPI's JSONResponse writes it, without walking it through jsonable_encoder first: a page holds
    thousands of plain dicts (records) or decoded events (already made JSON-ready by `_jsonable`); anything else
    still goes through jsonable_encoder."""
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=jsonable_encoder)
    return Response(body.encode(), media_type="application/json")


def _record(row: WalkRow, type_of: TypeOf) -> dict[str, Any]:
    """One position as `AuditRecord.as_dict` shapes it, built straight from the row (a page holds thousands)."""
    position, oid, version, topic, hashed, c_oid, c_version, c_topic, c_hash, link = row
    # The stored topic, or the chained one where the event itself is missing.
    shown = topic or c_topic
    body: dict[str, Any] = {"position": position, "type": type_of(shown) if shown else None, "stored": None}
    if hashed is not None:
        body["stored"] = {
            "originator_id": oid,
            "originator_version": version,
            "topic": topic,
            "state_hash": hashed.hex(),
        }
    body["link"] = link
    if link is not None:
        body["chained"] = {
            "originator_id": c_oid,
            "originator_version": c_version,
            "topic": c_topic,
            "state_hash": c_hash,
        }
    return body


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
    after: Annotated[int, Query(ge=0, le=POSITION_MAX)] = 0,
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
    """Read by position (`after`, `limit`, `next_after`) like `/audit/records`: one aggregate's events by the event
    table's primary key, one correlation id's through the chain's index, anything else in log order."""
    kernel = _kernel(request)
    history = _history(kernel)
    now = datetime.now(UTC)

    def candidates(start: int, count: int) -> list[EventRow]:
        if aggregate is not None:
            return history.events(start, count, originator=aggregate)
        if correlation_id:
            return history.correlated(correlation_id, start, count)
        return history.events(start, count)

    # The type is a function of the stored topic alone: rows of other types are skipped before being decoded.
    wanted: dict[str, bool] = {}
    items: list[dict[str, Any]] = []
    last = after
    batch = max(limit, 100)
    while len(items) < limit:
        rows = candidates(last, batch)
        for position, originator_id, version, topic, state, link in rows:
            last = position
            if type is not None:
                if topic not in wanted:
                    wanted[topic] = _type_matches(type, topic, kernel.visibility.type_of(topic))
                if not wanted[topic]:
                    continue
            item = _event_item(kernel, principal, now, position, originator_id, version, topic, state, link)
            if item is None or not _matches(item, since, until, correlation_id):
                continue
            del item["_at"], item["_trace"]
            items.append(item)
            if len(items) == limit:
                break
        if len(rows) < batch:
            break
    return _json({"items": items, "next_after": last if len(items) == limit else None})


def _event_item(
    kernel: Kernel,
    principal: Principal,
    now: datetime,
    position: int,
    originator_id: UUID,
    version: int,
    topic: str,
    state: bytes,
    link: str | None,
) -> dict[str, Any] | None:
    stored = Notification(
        id=position, originator_id=originator_id, originator_version=version, topic=topic, state=state
    )
    event = kernel.application.mapper.to_domain_event(stored)
    body = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version")}
    at = body.pop("timestamp", None)
    shown = kernel.visibility.render(topic, _jsonable(body), principal, now)
    item: dict[str, Any] = {
        "position": position,
        "originator_id": str(originator_id),
        "originator_version": version,
        "type": kernel.visibility.type_of(topic),
        "topic": topic,
        "state_hash": state_hash(state).hex(),
        "link": link,
        "body": shown,
        "_at": at,
        "_trace": body.get("trace") or {},
    }
    if isinstance(shown, dict):
        item["recorded_at"] = str(at) if at else None
        if kernel.visibility.fully_public(topic):
            # The stored bytes themselves, so a reader can check them against state_hash and the chain.
            item["state"] = base64.b64encode(state).decode()
    return item


def _type_matches(wanted: str, topic: str, published: str | None) -> bool:
    # The published type name is the interface; topic forms still match for older clients.
    return wanted in (published, topic, topic.split(":", 1)[-1], topic.rsplit(".", 1)[-1])


def _matches(item: dict[str, Any], since: datetime | None, until: datetime | None, correlation_id: str | None) -> bool:
    if (since or until or correlation_id) and not isinstance(item["body"], dict):
        # Content filters never apply to hidden bodies: a filter must not reveal what the body says.
        return False
    at = item["_at"]
    if (since and at and at < since) or (until and at and at >= until):
        return False
    return not (correlation_id and item["_trace"].get("correlation_id") != correlation_id)


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
