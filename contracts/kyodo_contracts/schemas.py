"""The JSON Schema of every published contract, one self-contained document per CloudEvents type.

These are what `docs/contracts/` commits for a release and what `kyodo_contracts.compat` compares. A reader in any
language can validate against them; they allow properties they do not list, because within a version a later release
may add optional fields (docs/CONTRACTS.md).
"""

from __future__ import annotations

from typing import Any

from kyodo_contracts.base import Contract

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(contract: type[Contract]) -> dict[str, Any]:
    """The contract's JSON Schema (draft 2020-12) with its type, version, subject and deprecation as `x-kyodo-*`
    keys. `x-kyodo-wire-as-schema` says whether the JSON a producer writes has the shape a reader validates (a
    field excluded from dumps, or a serializer changing a value's type, would make them differ)."""
    schema = contract.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
    wire = contract.model_json_schema(mode="serialization", ref_template="#/$defs/{model}")
    return {
        "$schema": DIALECT,
        "$id": f"urn:kyodo:contract:{contract.ce_type()}",
        **schema,
        "x-kyodo-type": contract.ce_type(),
        "x-kyodo-event": contract.event_name,
        "x-kyodo-version": contract.version,
        "x-kyodo-summary": contract.summary,
        "x-kyodo-subject": contract.subject_template.replace("{event_name}", contract.event_name).replace(
            "{version}", str(contract.version)
        ),
        "x-kyodo-wire-as-schema": wire == schema,
        "x-kyodo-personal-data": contract.personal_data,
        "x-kyodo-deprecated-until": contract.deprecated_until.isoformat() if contract.deprecated_until else None,
        "x-kyodo-superseded-by": contract.superseded_by,
    }


def published_schemas() -> dict[str, dict[str, Any]]:
    """Every published contract's schema, by CloudEvents type."""
    from kyodo_contracts import catalog

    return {ce_type: schema_of(contract) for ce_type, contract in sorted(catalog().items())}
