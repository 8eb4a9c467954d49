"""The base of every published event contract: a frozen, versioned pydantic model with its CloudEvents type."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

CE_TYPE_PREFIX = "jp.kyodo"


class ContractModel(BaseModel):
    """A value inside a contract: frozen, and unknown fields are an error rather than silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Contract(ContractModel):
    """An event that leaves a service. Changing a field's meaning or removing one needs a new version."""

    # e.g. "registry.group.registered"; the first segment is the publishing service.
    event_name: ClassVar[str]
    version: ClassVar[int]
    summary: ClassVar[str]
    # Contracts default to public data; a contract that carries personal data must say so and who may read it.
    personal_data: ClassVar[bool] = False
    # Where it is published; {namespace}, {event_name}, {version} and the contract's own fields may appear.
    subject_template: ClassVar[str] = "{namespace}.{event_name}.v{version}"

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


def stream_name(namespace: str, service: str) -> str:
    """The JetStream stream a service's relay writes: one per service, so its sequence is the source sequence."""
    return f"{namespace}_{service}".upper().replace("-", "_")


def stream_subjects(namespace: str, service: str) -> str:
    return f"{namespace}.{service.replace('-', '_')}.>"
