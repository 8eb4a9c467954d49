"""Generates the AsyncAPI 3 document of the published contracts: every service serves its own
(`/api/<service>/asyncapi.yaml`), and docs/asyncapi.yaml is the merged one, which must match what this generates.
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from kyodo_contracts import Contract, catalog, stream_name, stream_subjects
from kyodo_shared.bus.cloudevents import (
    H_CAUSATION,
    H_CORRELATION,
    H_ID,
    H_INDEX,
    H_NOTIFICATION,
    H_ORIGINATOR_VERSION,
    H_SEQUENCE,
    H_SOURCE,
    H_SPEC,
    H_SUBJECT,
    H_TIME,
    H_TYPE,
)

_HEADER_DOCS = {
    H_SPEC: "CloudEvents spec version, always 1.0.",
    H_ID: "Deterministic event id: uuid5(namespace, '{service}:{notification_id}:{index}'); also the Nats-Msg-Id.",
    H_SOURCE: "Publishing service, e.g. /kyodo/registry.",
    H_TYPE: "Versioned event type, e.g. jp.kyodo.registry.group.registered.v1.",
    H_TIME: "When the source event was recorded (RFC 3339, UTC).",
    H_SUBJECT: "Id of the aggregate the event is about.",
    H_SEQUENCE: "Dense per-source sequence (1, 2, 3, …); equals the stream sequence. Consumers apply in this order.",
    H_CORRELATION: "Correlation id of the request or flow that caused the event.",
    H_CAUSATION: "Id of the command or event that directly caused this event.",
    H_NOTIFICATION: "Position of the source event in the publishing service's event store.",
    H_INDEX: "Index of this contract event among those mapped from one stored event.",
    H_ORIGINATOR_VERSION: "Version of the stored event within its aggregate (the subject); absent on messages "
    "published before it was added.",
}


# Published by every service (each signs its own history), under a subject naming the service.
_EVERY_SERVICE = frozenset({"checkpoints"})


def published_by(service: str | None) -> list[type[Contract]]:
    """The contracts a service publishes (all of them for None), in type order."""
    return sorted(
        (
            c
            for c in catalog().values()
            if service is None or c.source_service() in ({service.replace("-", "_"), service} | _EVERY_SERVICE)
        ),
        key=lambda c: c.ce_type(),
    )


def document(service: str | None = None) -> dict[str, Any]:
    """The AsyncAPI document of one service's contracts, or of every service's (the merged one)."""
    contracts = published_by(service)
    keys = {c: f"{c.__name__}.v{c.version}" for c in contracts}
    _, schemas = models_json_schema([(c, "validation") for c in contracts], ref_template="#/components/schemas/{model}")
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in contracts:
        key = keys[contract]
        channel = f"{contract.event_name}.v{contract.version}"
        messages[key] = {
            "name": contract.ce_type(),
            "title": contract.__name__,
            "summary": contract.summary,
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "required": [H_SPEC, H_ID, H_SOURCE, H_TYPE, H_TIME, H_SEQUENCE],
                "properties": {
                    name: ({"type": "string", "const": contract.ce_type()} if name == H_TYPE else {"type": "string"})
                    | {"description": doc}
                    for name, doc in _HEADER_DOCS.items()
                },
            },
            "payload": {"$ref": f"#/components/schemas/{contract.__name__}"},
            "x-personal-data": contract.personal_data,
            **_deprecation(contract),
        }
        channels[channel] = {
            "address": contract.subject_template.format(
                namespace="{namespace}", event_name=contract.event_name, version=contract.version, service="{service}"
            ),
            "description": f"Stream {stream_name('kyodo', contract.source_service())} "
            f"(subjects {stream_subjects('kyodo', contract.source_service())}) when namespace is kyodo.",
            "parameters": {
                "namespace": {"default": "kyodo", "description": "Bus namespace of the deployment."},
                **(
                    {"service": {"description": "The publishing service, e.g. registry."}}
                    if "{service}" in contract.subject_template
                    else {}
                ),
            },
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"publish.{channel}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": contract.summary,
            "messages": [{"$ref": f"#/channels/{channel}/messages/{key}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"Kyodo (協働) events — {service}" if service else "Kyodo (協働) events",
            "version": version("kyodo-contracts"),
            "description": (
                f"Contract events published by the {service} service"
                if service
                else "Contract events published by Kyodo services"
            )
            + ", as CloudEvents 1.0 in NATS binary mode (ce-* headers, JSON body) on "
            "JetStream. Each service's relay is the only writer of its stream. Compatibility policy: within a "
            "version only optional fields are added and readers ignore fields they do not know; a breaking change "
            "is a new version published beside the old one until the old one's x-kyodo-deprecated-until "
            "(docs/CONTRACTS.md). Schemas: the kyodo-contracts package of the same version.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "jetstream": {"host": "nats:4222", "protocol": "nats", "description": "The deployment's NATS JetStream."}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas.get("$defs", {})},
    }


def _deprecation(contract: type[Contract]) -> dict[str, Any]:
    if contract.deprecated_until is None:
        return {}
    return {
        "x-kyodo-deprecated-until": contract.deprecated_until.isoformat(),
        "x-kyodo-superseded-by": contract.superseded_by,
        "description": f"Deprecated: published until {contract.deprecated_until.isoformat()} beside "
        f"{contract.superseded_by}, then retired.",
    }


@functools.cache
def render(service: str | None = None) -> str:
    """The document as YAML (computed once per service: contracts do not change while a process runs)."""
    return yaml.safe_dump(document(service), allow_unicode=True, sort_keys=True, width=120)
