"""The cryptography of sealed proposals: per-call keys, encryption of a proposal's content, HMAC-derived ids.

The sealing key lives outside the store (beside the audit keys); the aggregates in `sealed` only carry what these
functions produce, so the domain imports no cipher.
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
