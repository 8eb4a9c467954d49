"""Sealed proposals (提案書) and the gate that serializes submissions with a call's close.

A proposal's events carry only ciphertext (AES-256-GCM under a per-call key derived from the sealing key, which
lives outside the store) and its version: not the call, not the group, not the receipt time. Its id is derived
with HMAC from (call, group), so one group keeps one proposal per call and nobody without the key can link it.
Every submission, revision and withdrawal also passes the call's gate in the same atomic save, and the close
shuts the gate in the save that closes the call: optimistic concurrency on the gate orders them, so nothing is
accepted after the close.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Aggregate, event


def derived_id(sealing_key: bytes, purpose: str, *parts: UUID) -> UUID:
    digest = hmac.new(sealing_key, purpose.encode() + b"".join(p.bytes for p in parts), hashlib.sha256).digest()
    return UUID(bytes=digest[:16], version=4)


def _call_key(sealing_key: bytes, call_id: UUID) -> bytes:
    return hmac.new(sealing_key, b"content:" + call_id.bytes, hashlib.sha256).digest()


def seal(sealing_key: bytes, call_id: UUID, aggregate_id: UUID, payload: dict[str, Any]) -> dict[str, str]:
    nonce = os.urandom(12)
    plaintext = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    ciphertext = AESGCM(_call_key(sealing_key, call_id)).encrypt(nonce, plaintext, aggregate_id.bytes)
    return {"nonce": base64.b64encode(nonce).decode(), "ciphertext": base64.b64encode(ciphertext).decode()}


def unseal(sealing_key: bytes, call_id: UUID, aggregate_id: UUID, envelope: dict[str, str]) -> dict[str, Any]:
    nonce, ciphertext = base64.b64decode(envelope["nonce"]), base64.b64decode(envelope["ciphertext"])
    plaintext = AESGCM(_call_key(sealing_key, call_id)).decrypt(nonce, ciphertext, aggregate_id.bytes)
    payload: dict[str, Any] = json.loads(plaintext)
    return payload


class Gate(Aggregate):
    """One per call (id derived with HMAC): every sealed change passes it; the close shuts it."""

    class Opened(Aggregate.Created):
        gate_id: UUID

    @event(Opened)
    def __init__(self, gate_id: UUID) -> None:
        self.shut = False

    @staticmethod
    def create_id(gate_id: UUID) -> UUID:
        return gate_id

    @event("Passed")
    def pass_through(self) -> None:
        """An empty event: its only effect is the version a concurrent close must not skip."""

    @event("Shut")
    def close(self) -> None:
        self.shut = True


class Proposal(Aggregate):
    """A group's proposal to one call, every version sealed."""

    class Submitted(Aggregate.Created):
        proposal_id: UUID
        sealed: dict[str, str]

    @event(Submitted)
    def __init__(self, proposal_id: UUID, sealed: dict[str, str]) -> None:
        self.versions: list[dict[str, str]] = [sealed]
        self.withdrawn = False

    @staticmethod
    def create_id(proposal_id: UUID) -> UUID:
        return proposal_id

    @event("Revised")
    def revise(self, sealed: dict[str, str]) -> None:
        # Also a resubmission after a withdrawal: a new version, a new receipt.
        self.versions.append(sealed)
        self.withdrawn = False

    @event("Withdrawn")
    def withdraw(self, sealed: dict[str, str]) -> None:
        self.withdrawn = True
