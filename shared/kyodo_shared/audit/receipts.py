"""Signed submission receipts for sealed proposals, checkable offline by the group that holds one.

A receipt binds call, group, version and server time to a salted hash of the proposal's canonical content
(RFC 8785) and attachments, signed with Ed25519 by the service's audit key ring. The signature covers the JCS
bytes of every field but the signature itself, so any JCS implementation can check it.

The salt lives only in the receipt and with the sealed proposal, never in an event body: without it the hash
cannot confirm a guess of what a group proposed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kyodo_shared.audit.jcs import canonicalize, parse
from kyodo_shared.audit.keys import b64, load_public_key, unb64

SALT_BYTES = 16
_HASH = re.compile(r"[0-9a-f]{64}")
_SALT = re.compile(rf"[0-9a-f]{{{2 * SALT_BYTES}}}")
# 64 signature bytes in unpadded base64url; the last character carries 2 spare bits, checked separately.
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{86}")

Reason = Literal["malformed", "unknown key", "bad signature"]


class ReceiptInvalid(ValueError):
    """A receipt that must not be trusted; `reason` says which check failed, `detail` the specifics."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: Reason = reason
        self.detail = detail


def new_salt() -> bytes:
    """A fresh salt for one submission (a revision gets a new one, so its receipts are unlinkable by hash)."""
    return secrets.token_bytes(SALT_BYTES)


def content_hash(content: Mapping[str, Any], attachment_hashes: Sequence[str], salt: bytes) -> str:
    """Hex SHA-256 of salt ‖ JCS({"content": content, "attachments": sorted hashes}).

    Attachments are sorted so their upload order does not matter; duplicates are kept (they are content).
    """
    if len(salt) != SALT_BYTES:
        raise ValueError(f"the salt must be {SALT_BYTES} bytes")
    attachments = sorted(_sha256_hex(h) for h in attachment_hashes)
    return hashlib.sha256(salt + canonicalize({"content": content, "attachments": attachments})).hexdigest()


def _sha256_hex(value: Any) -> str:
    # Lower case only: hashing "AB.." and "ab.." differently would make a correct receipt fail to match.
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise ValueError(f"not a lower-case hex SHA-256: {value!r}")
    return value


class Receipt(BaseModel):
    """What the group keeps: `signature` is Ed25519 by `key_id` over JCS of `body()`."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    call_id: str
    group_id: str
    proposal_version: int = Field(ge=1)
    content_hash: str
    salt: str
    attachments: tuple[str, ...]
    received_at: str
    key_id: str = Field(min_length=1, max_length=200)
    signature: str

    @field_validator("call_id", "group_id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        # Canonical lower-case form only, so one receipt has one spelling.
        if str(UUID(value)) != value:
            raise ValueError("not a canonical lower-case UUID")
        return value

    @field_validator("content_hash")
    @classmethod
    def _hash(cls, value: str) -> str:
        return _sha256_hex(value)

    @field_validator("salt")
    @classmethod
    def _salt(cls, value: str) -> str:
        if not _SALT.fullmatch(value):
            raise ValueError(f"not {SALT_BYTES} bytes of lower-case hex")
        return value

    @field_validator("attachments", mode="before")
    @classmethod
    def _attachments(cls, value: Any) -> Any:
        # JSON carries a list; the frozen model keeps a tuple.
        if isinstance(value, list | tuple):
            items = tuple(_sha256_hex(v) for v in value)
            if list(items) != sorted(items):
                raise ValueError("attachments must be sorted")
            return items
        return value

    @field_validator("received_at")
    @classmethod
    def _time(cls, value: str) -> str:
        if datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("received_at needs a UTC offset")
        return value

    @field_validator("signature")
    @classmethod
    def _signature(cls, value: str) -> str:
        if not _SIGNATURE.fullmatch(value) or b64(unb64(value)) != value:
            raise ValueError("not an Ed25519 signature in unpadded base64url")
        return value

    def body(self) -> dict[str, Any]:
        """Every field but the signature, as JSON values: the signed object."""
        return self.model_dump(mode="json", exclude={"signature"})

    def payload(self) -> bytes:
        return canonicalize(self.body())

    def to_json(self) -> str:
        """The whole receipt as canonical JSON (stable bytes, so a stored receipt can itself be hashed)."""
        return canonicalize(self.model_dump(mode="json")).decode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes) -> Receipt:
        """Parse strictly: unknown, missing, duplicated or mistyped fields are refused with ReceiptInvalid."""
        try:
            data = parse(text)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError included
            raise ReceiptInvalid("malformed", f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise ReceiptInvalid("malformed", "a receipt is a JSON object")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise ReceiptInvalid("malformed", _first_error(error)) from None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "receipt"
    return f"{where}: {first['msg']}"


def sign_receipt(
    private_key: Ed25519PrivateKey,
    key_id: str,
    *,
    call_id: UUID | str,
    group_id: UUID | str,
    proposal_version: int,
    content_hash: str,
    salt: bytes | str,
    attachments: Sequence[str],
    received_at: datetime | str,
) -> Receipt:
    """Sign a receipt with the service's current key; `attachments` may come in any order, `salt` as bytes."""
    if isinstance(received_at, datetime):
        if received_at.tzinfo is None:
            raise ValueError("received_at needs a UTC offset")
        received_at = received_at.isoformat()
    fields: dict[str, Any] = {
        "call_id": str(UUID(str(call_id))),
        "group_id": str(UUID(str(group_id))),
        "proposal_version": proposal_version,
        "content_hash": content_hash,
        "salt": salt.hex() if isinstance(salt, bytes) else salt,
        "attachments": tuple(sorted(attachments)),
        "received_at": received_at,
        "key_id": key_id,
    }
    # Validate before signing: a signature must never cover a malformed receipt.
    unsigned = Receipt.model_validate({**fields, "signature": b64(bytes(64))})
    return unsigned.model_copy(update={"signature": b64(private_key.sign(unsigned.payload()))})


def verify_receipt(receipt: Receipt, public_keys: Mapping[str, Ed25519PublicKey]) -> None:
    """Raise ReceiptInvalid unless `receipt` is well formed and signed by the key its key_id names."""
    try:
        # Again, in case the object was built without validation (model_construct, model_copy).
        checked = Receipt.model_validate(receipt.model_dump())
    except ValidationError as error:
        raise ReceiptInvalid("malformed", _first_error(error)) from None
    key = public_keys.get(checked.key_id)
    if key is None:
        raise ReceiptInvalid("unknown key", f"no published key {checked.key_id!r}")
    try:
        key.verify(unb64(checked.signature), checked.payload())
    except InvalidSignature:
        raise ReceiptInvalid("bad signature", f"the signature does not hold for key {checked.key_id!r}") from None


def matches(receipt: Receipt, content: Mapping[str, Any], attachment_hashes: Sequence[str]) -> bool:
    """Whether this content and these attachments are what the receipt was issued for.

    Checks only the hash; call `verify_receipt` to trust the receipt itself. Raises ValueError if the content
    is not canonicalizable JSON or an attachment hash is malformed.
    """
    if sorted(_sha256_hex(h) for h in attachment_hashes) != list(receipt.attachments):
        return False
    recomputed = content_hash(content, attachment_hashes, bytes.fromhex(receipt.salt))
    return secrets.compare_digest(recomputed, receipt.content_hash)


def public_keys_from(published: Mapping[str, str]) -> dict[str, Ed25519PublicKey]:
    """Key objects from the audit keys endpoint's `keys` map (key id → raw public key, unpadded base64url)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for kid, text in published.items():
        if not isinstance(kid, str) or not isinstance(text, str):
            raise ValueError("keys must map key ids to base64url public keys")
        try:
            keys[kid] = load_public_key(text)
        except ValueError as error:
            raise ValueError(f"key {kid!r} is not an Ed25519 public key: {error}") from None
    return keys
