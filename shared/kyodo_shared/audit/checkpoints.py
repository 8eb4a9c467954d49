"""Signed checkpoints: a service's chain position and link, signed with a key id, and how to check them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from pydantic import BaseModel, ConfigDict

from kyodo_shared.audit.keys import SigningKeys, b64, load_public_key, unb64


class KeyAnnouncement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kid: str
    public_key: str


class Checkpoint(BaseModel):
    """Position and link of a service's chain, signed; may announce the key that signs from the next one on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    position: int
    link: str
    signed_at: str
    kid: str
    # The signer's public key, for publication; a verifier trusts it only through its pins or an announcement.
    public_key: str = ""
    announces: KeyAnnouncement | None = None
    signature: str = ""

    def payload(self) -> bytes:
        """The signed bytes: canonical JSON of every field but the signature."""
        body = self.model_dump(mode="json", exclude={"signature"})
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_checkpoint(keys: SigningKeys, service: str, position: int, link: str, now: datetime) -> Checkpoint:
    announces = None
    if keys.pending is not None:
        announces = KeyAnnouncement(kid=keys.pending, public_key=keys.public[keys.pending])
    unsigned = Checkpoint(
        service=service,
        position=position,
        link=link,
        signed_at=now.isoformat(),
        kid=keys.active,
        public_key=keys.public[keys.active],
        announces=announces,
    )
    signature = keys.private(keys.active).sign(unsigned.payload())
    return unsigned.model_copy(update={"signature": b64(signature)})


@dataclass
class CheckpointCheck:
    """Checkpoints whose signatures hold, and why the others were rejected."""

    valid: list[Checkpoint] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    trusted: dict[str, str] = field(default_factory=dict)


def check_signatures(checkpoints: list[Checkpoint], trusted: dict[str, str]) -> CheckpointCheck:
    """Verify in position order; a key becomes trusted only when a trusted key's checkpoint announces it."""
    result = CheckpointCheck(trusted=dict(trusted))
    for checkpoint in sorted(checkpoints, key=lambda c: c.position):
        public = result.trusted.get(checkpoint.kid)
        if public is None:
            result.rejected.append((checkpoint.position, f"unknown key id {checkpoint.kid}"))
            continue
        try:
            load_public_key(public).verify(unb64(checkpoint.signature), checkpoint.payload())
        except (InvalidSignature, ValueError):
            result.rejected.append((checkpoint.position, "bad signature"))
            continue
        result.valid.append(checkpoint)
        if checkpoint.announces is not None:
            result.trusted.setdefault(checkpoint.announces.kid, checkpoint.announces.public_key)
    return result


def checkpoint_from(data: dict[str, Any]) -> Checkpoint:
    return Checkpoint.model_validate(data)
