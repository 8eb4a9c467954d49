"""The base of every published event contract: a frozen, versioned pydantic model with its CloudEvents type.

Readers are tolerant, producers strict (docs/CONTRACTS.md). Validation ignores fields the model does not know, so a
reader keeps consuming when a later release adds an optional field within the same version. A producer builds a
contract with keyword arguments, which mypy's pydantic plugin checks (`init_forbid_extra`), or from a dict with
`produce`, which refuses unknown fields at run time: nothing a producer means to publish is dropped silently.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

CE_TYPE_PREFIX = "jp.kyodo"
_CE_TYPE = re.compile(r"^jp\.kyodo\.(?P<name>[a-z0-9_]+(?:\.[a-z0-9_]+)+)\.v(?P<version>[1-9][0-9]*)$")


class ContractModel(BaseModel):
    """A value inside a contract: frozen; unknown fields are ignored when read, refused when produced."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def produce(cls, data: dict[str, Any]) -> Self:
        """Build from a producer's dict, refusing any field the contract does not declare (at every depth)."""
        return cls.model_validate(data, extra="forbid")


class Contract(ContractModel):
    """An event that leaves a service. Within a version only optional fields may be added; anything else is a new
    version published beside the old one until the old one's `deprecated_until`.
    """

    # e.g. "registry.group.registered"; the first segment is the publishing service.
    event_name: ClassVar[str]
    version: ClassVar[int]
    summary: ClassVar[str]
    # Contracts default to public data; a contract that carries personal data must say so and who may read it.
    personal_data: ClassVar[bool] = False
    # Where it is published; {namespace}, {event_name}, {version} and the contract's own fields may appear.
    subject_template: ClassVar[str] = "{namespace}.{event_name}.v{version}"
    # Set when a newer version replaces this one: published beside it until this day (Asia/Tokyo), then retired.
    deprecated_until: ClassVar[date | None] = None
    superseded_by: ClassVar[str | None] = None

    @classmethod
    def source_service(cls) -> str:
        return cls.event_name.split(".", 1)[0]

    @classmethod
    def ce_type(cls) -> str:
        return f"{CE_TYPE_PREFIX}.{cls.event_name}.v{cls.version}"

    @classmethod
    def subject(cls, namespace: str) -> str:
        return cls.subject_template.format(namespace=namespace, event_name=cls.event_name, version=cls.version)

    def subject_of(self, namespace: str) -> str:
        """This event's subject, for contracts whose subject depends on their fields."""
        fields = {k: str(v).replace("-", "_") for k, v in self.model_dump().items() if not isinstance(v, dict)}
        return self.subject_template.format(
            namespace=namespace, event_name=self.event_name, version=self.version, **fields
        )


def parse_type(ce_type: str) -> tuple[str, int] | None:
    """The event name and version of a Kyodo CloudEvents type ("jp.kyodo.registry.group.registered.v1"), or None
    when the string is not one.
    """
    match = _CE_TYPE.match(ce_type)
    return (match["name"], int(match["version"])) if match else None


def stream_name(namespace: str, service: str) -> str:
    """The JetStream stream a service's relay writes: one per service, so its sequence is the source sequence."""
    return f"{namespace}_{service}".upper().replace("-", "_")


def stream_subjects(namespace: str, service: str) -> str:
    return f"{namespace}.{service.replace('-', '_')}.>"
