"""Checkpoint signing keys (Ed25519), kept in a directory outside the event store.

Rotation is two-step: `rotate()` creates a pending key; the next checkpoint, still signed by the active key,
announces it; from then on the new key signs. A verifier trusts a new key only through such an announcement.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_text(key: Ed25519PublicKey) -> str:
    return b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64(text))


@dataclass
class SigningKeys:
    """The active key, an optional pending one, and every retired public key (old checkpoints stay verifiable)."""

    directory: Path
    active: str
    pending: str | None
    public: dict[str, str]

    @classmethod
    def load_or_create(cls, directory: Path) -> SigningKeys:
        state = directory / "keys.json"
        if not state.exists():
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Replicas starting together share this directory: only one of them may create the first key.
            with (directory / ".lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not state.exists():
                    keys = cls(directory, "", None, {})
                    keys.active = keys._new_key()
                    keys._save()
        data = json.loads(state.read_text())
        return cls(directory, data["active"], data.get("pending"), dict(data["public"]))

    @classmethod
    def existing(cls, directory: Path) -> SigningKeys | None:
        """The keys if this directory has them; never creates any (a verifier must not mint a trust root)."""
        if not (directory / "keys.json").exists():
            return None
        return cls.load_or_create(directory)

    def reload(self) -> None:
        """Pick up a rotation made by another process (`kyodo audit rotate-key`) without a restart."""
        data = json.loads((self.directory / "keys.json").read_text())
        self.active, self.pending, self.public = data["active"], data.get("pending"), dict(data["public"])

    def _new_key(self) -> str:
        key = Ed25519PrivateKey.generate()
        public = public_key_text(key.public_key())
        kid = "ck-" + public[:16]
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path = self.directory / f"{kid}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        self.public[kid] = public
        return kid

    def _save(self) -> None:
        tmp = self.directory / f"keys.json.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"active": self.active, "pending": self.pending, "public": self.public}, indent=1))
        tmp.replace(self.directory / "keys.json")

    def private(self, kid: str) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key((self.directory / f"{kid}.pem").read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key

    def rotate(self) -> str:
        """Create the next key; it signs only after a checkpoint signed by the current one has announced it."""
        if self.pending is None:
            self.pending = self._new_key()
            self._save()
        return self.pending

    def promote(self) -> None:
        """Called once the announcing checkpoint is stored: the pending key becomes the active one."""
        if self.pending is not None:
            self.active, self.pending = self.pending, None
            self._save()


class AuditKeys:
    """A service's checkpoint signing keys, kept outside the event store and loaded (or made) on first use — so
    an operator command that only reads never creates keys. Shared by the audit runtime (checkpoints) and any
    application that signs with them (the proposals service's receipts)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.signing_keys: SigningKeys | None = None

    def ring(self) -> SigningKeys:
        if self.signing_keys is None:
            self.signing_keys = SigningKeys.load_or_create(self.folder)
        return self.signing_keys

    def published(self) -> dict[str, str]:
        """Keys that have signed or been announced (never a pending one); empty where none exist, never created."""
        ring = self.signing_keys or SigningKeys.existing(self.folder)
        if ring is None:
            return {}
        return {kid: key for kid, key in ring.public.items() if kid != ring.pending}
