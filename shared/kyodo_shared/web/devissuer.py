"""Embedded development token issuer (Ed25519, EdDSA JWTs) for the embedded run and tests only.

Production settings refuse ``DEV_ISSUER``, so tokens minted here are never accepted outside development.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyodo_shared.web.auth import AuthSettings

__all__ = ["DEV_ISSUER", "DevIssuer"]

DEV_ISSUER = "urn:kyodo:dev-issuer"

_KEYS_FILE = "keys.json"
_JWKS_FILE = "jwks.json"
# The signing key plus its predecessor: enough for tokens minted just before a rotation to keep verifying.
_RETAINED_KEYS = 2
_KID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_x(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64url(raw)


def _thumbprint(key: Ed25519PrivateKey) -> str:
    # RFC 7638 thumbprint: a stable kid derived from the key itself, and safe to use as a file name.
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _public_x(key)}, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    # Write-then-rename so that concurrently starting services never read a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DevIssuer:
    """Mints EdDSA tokens and publishes the matching JWKS; the last key in ``kids`` signs."""

    def __init__(self, keys: dict[str, Ed25519PrivateKey], kids: list[str], directory: Path | None) -> None:
        if not kids or set(kids) != set(keys):
            raise ValueError("kids must list exactly the keys held")
        self._keys = keys
        self._kids = kids
        self._directory = directory

    @classmethod
    def ephemeral(cls) -> DevIssuer:
        """An in-memory issuer; nothing is written to disk."""
        key = Ed25519PrivateKey.generate()
        kid = _thumbprint(key)
        return cls({kid: key}, [kid], None)

    @classmethod
    def load_or_create(cls, directory: Path) -> DevIssuer:
        """Load the issuer kept in ``directory``, creating it (and a first key) when absent."""
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        keys_file = directory / _KEYS_FILE
        if not keys_file.exists():
            cls._create(directory)
        issuer = cls._load(directory)
        issuer.write_jwks(directory / _JWKS_FILE)
        return issuer

    @classmethod
    def _create(cls, directory: Path) -> None:
        key = Ed25519PrivateKey.generate()
        kid = _thumbprint(key)
        _write_pem(directory, kid, key)
        staged = directory / f".{_KEYS_FILE}.{uuid.uuid4().hex}"
        staged.write_text(json.dumps({"kids": [kid]}), encoding="utf-8")
        try:
            # link() refuses to overwrite, so when two processes race only one key set wins.
            os.link(staged, directory / _KEYS_FILE)
        except FileExistsError:
            (directory / f"{kid}.pem").unlink(missing_ok=True)
        finally:
            staged.unlink(missing_ok=True)

    @classmethod
    def _load(cls, directory: Path) -> DevIssuer:
        document = json.loads((directory / _KEYS_FILE).read_text(encoding="utf-8"))
        kids = document.get("kids") if isinstance(document, dict) else None
        if not isinstance(kids, list) or not kids:
            raise ValueError(f"{directory / _KEYS_FILE} does not list any key ids")
        keys: dict[str, Ed25519PrivateKey] = {}
        for kid in kids:
            if not isinstance(kid, str) or not _KID.fullmatch(kid):
                raise ValueError(f"{directory / _KEYS_FILE} holds an invalid key id")
            key = serialization.load_pem_private_key((directory / f"{kid}.pem").read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey) or _thumbprint(key) != kid:
                raise ValueError(f"{kid}.pem is not the Ed25519 key its id names")
            keys[kid] = key
        return cls(keys, list(kids), directory)

    @property
    def signing_kid(self) -> str:
        return self._kids[-1]

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._kids)

    @property
    def jwks_path(self) -> Path | None:
        return None if self._directory is None else self._directory / _JWKS_FILE

    def mint(
        self,
        sub: str,
        roles: Iterable[str],
        audience: str = "kyodo",
        ttl_seconds: int = 3600,
        now: datetime | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """Sign a token; ``extra_claims`` are applied last, so tests can also forge wrong claims."""
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        issued = datetime.now(UTC) if now is None else now
        if issued.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        claims: dict[str, Any] = {
            "iss": DEV_ISSUER,
            "sub": sub,
            "aud": audience,
            "iat": int(issued.timestamp()),
            "nbf": int(issued.timestamp()),
            "exp": int((issued + timedelta(seconds=ttl_seconds)).timestamp()),
            "jti": uuid.uuid4().hex,
            "roles": list(roles),
            **(extra_claims or {}),
        }
        return self.sign(claims)

    def sign(self, claims: dict[str, Any]) -> str:
        """Sign exactly ``claims`` with the current key, e.g. to build a token lacking a required claim."""
        kid = self.signing_kid
        return jwt.encode(claims, self._keys[kid], algorithm="EdDSA", headers={"kid": kid})

    def jwks(self) -> dict[str, Any]:
        """The public half of every retained key, newest first."""
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": _public_x(self._keys[kid]),
                    "kid": kid,
                    "use": "sig",
                    "alg": "EdDSA",
                }
                for kid in reversed(self._kids)
            ]
        }

    def write_jwks(self, path: Path) -> None:
        _write_atomically(path, json.dumps(self.jwks(), indent=2).encode("utf-8"), 0o644)

    def rotate(self) -> str:
        """Make a new key the signing key, keep its predecessor published, and return the new kid."""
        key = Ed25519PrivateKey.generate()
        kid = _thumbprint(key)
        kids = [*self._kids, kid]
        retired, kids = kids[:-_RETAINED_KEYS], kids[-_RETAINED_KEYS:]
        if self._directory is not None:
            # The new PEM lands before keys.json names it, so a concurrent load never finds it missing.
            _write_pem(self._directory, kid, key)
            _write_atomically(self._directory / _KEYS_FILE, json.dumps({"kids": kids}).encode("utf-8"), 0o600)
        self._keys[kid] = key
        self._kids = kids
        for old in retired:
            del self._keys[old]
        if self._directory is not None:
            self.write_jwks(self._directory / _JWKS_FILE)
            for old in retired:
                (self._directory / f"{old}.pem").unlink(missing_ok=True)
        return kid

    def settings(self, audience: str = "kyodo", *, jwks_url: str | None = None) -> AuthSettings:
        """Verifier settings for this issuer; ephemeral issuers must be given ``jwks_url``."""
        if jwks_url is None:
            if self._directory is None:
                raise ValueError("an ephemeral DevIssuer has no JWKS file; pass jwks_url")
            path = self._directory / _JWKS_FILE
            self.write_jwks(path)
            jwks_url = path.resolve().as_uri()
        return AuthSettings(issuer=DEV_ISSUER, audience=audience, jwks_url=jwks_url, algorithms=["EdDSA"])


def _write_pem(directory: Path, kid: str, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write_atomically(directory / f"{kid}.pem", pem, 0o600)
