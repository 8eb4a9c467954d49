"""Contracts of the audit kernel, published by every service: signed checkpoints of its event history."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from kyodo_contracts.base import Contract, ContractModel


class AnnouncedKey(ContractModel):
    kid: str
    public_key: str = Field(description="Ed25519 public key, raw bytes, base64url without padding.")


class CheckpointSigned(Contract):
    """A service signed its chain head. Stream KYODO_CHECKPOINTS keeps these forever; info-hub mirrors them."""

    event_name: ClassVar[str] = "checkpoints.signed"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = "A service signed the head of its event-history chain (監査チェックポイント)."
    subject_template: ClassVar[str] = "{namespace}.checkpoints.{service}"

    service: str
    position: int = Field(description="Notification id of the last chained event.")
    link: str = Field(description="Chain link at that position, hex SHA-256.")
    signed_at: str
    kid: str = Field(description="Id of the Ed25519 key that signed.")
    public_key: str = Field(description="The signer's public key (trust it only as pinned or announced).")
    announces: AnnouncedKey | None = Field(default=None, description="The key that signs from the next checkpoint.")
    signature: str = Field(description="Ed25519 signature of the canonical JSON of the other fields, base64url.")


PUBLISHED: tuple[type[Contract], ...] = (CheckpointSigned,)
