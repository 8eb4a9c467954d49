"""Generates the AsyncAPI 3 document of every published contract; the committed copy must match it."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from kyodo_shared.bus.cloudevents import (
    H_CAUSATION,
    H_CORRELATION,
    H_ID,
    H_INDEX,
    H_NOTIFICATION,
    H_SEQUENCE,
    H_SOURCE,
    H_SPEC,
    H_SUBJECT,
    H_TIME,
    H_TYPE,
)
from kyodo_shared.contracts import catalog, stream_name, stream_subjects

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
}


def document() -> dict[str, Any]:
    contracts = sorted(catalog().values(), key=lambda c: c.ce_type())
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
            "title": "Kyodo (協働) events",
            "version": "1.0.0",
            "description": "Contract events published by Kyodo services, as CloudEvents 1.0 in NATS binary mode "
            "(ce-* headers, JSON body) on JetStream. Each service's relay is the only writer of its stream.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "jetstream": {"host": "nats:4222", "protocol": "nats", "description": "The deployment's NATS JetStream."}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas.get("$defs", {})},
    }


def render() -> str:
    return yaml.safe_dump(document(), allow_unicode=True, sort_keys=True, width=120)
