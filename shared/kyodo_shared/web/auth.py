"""Authentication kernel: bearer JWTs verified against the issuer's JWKS, yielding a Principal with roles."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
from jwt import exceptions as jwt_errors

from kyodo_shared.domain.actors import Principal, Role
from kyodo_shared.settings import AuthSettings
from kyodo_shared.web.jwks import JwksUnavailableError, KeySet

# Re-exported: the web layer authenticates into these plain types.
__all__ = ["AuthError", "AuthSettings", "JwksVerifier", "Principal", "Role", "require_role"]

_ROLE_VALUES = frozenset(role.value for role in Role)

__all__ = ["AuthError", "AuthSettings", "JwksVerifier", "Principal", "Role", "require_role"]

# Tokens are a few hundred bytes; refusing huge ones bounds the work done before the signature check.
_MAX_TOKEN_LENGTH = 16_384
_REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


class AuthError(Exception):
    """An authentication (401), authorisation (403) or key-outage (503) failure.

    Its wording is in the kernel's message table (`web.messages`), fixed per code so that no token material or
    claim value can reach a response; `data` holds only what the code's message names (the roles required).
    """

    def __init__(self, status: int, code: str, **data: str) -> None:
        super().__init__(code)
        self.status, self.code, self.data = status, code, data

    @classmethod
    def unauthorized(cls, code: str) -> AuthError:
        return cls(401, code)

    @property
    def reason_ja(self) -> str:
        return _reason(self)[0]

    @property
    def reason_en(self) -> str:
        return _reason(self)[1]


def _reason(error: AuthError) -> tuple[str, str]:
    from kyodo_shared.web.messages import KERNEL_MESSAGES  # the table imports nothing of this module's

    message = KERNEL_MESSAGES[error.code]
    return (message.detail_ja or "").format(**error.data), (message.detail_en or "").format(**error.data)


class JwksVerifier:
    """Verifies bearer JWTs against the configured issuer's JWKS, following key rotation."""

    def __init__(
        self,
        settings: AuthSettings,
        *,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._keys = KeySet(
            settings.jwks_url,
            algorithms=settings.algorithms,
            cache_seconds=settings.jwks_cache_seconds,
            min_refresh_interval_seconds=settings.min_refresh_interval_seconds,
            http_client=http_client,
            clock=clock,
        )

    async def authenticate(self, authorization_header: str | None) -> Principal:
        """Verify the token of an ``Authorization: Bearer <token>`` header value."""
        parts = (authorization_header or "").split()
        if len(parts) < 2 or parts[0].lower() != "bearer":
            raise AuthError.unauthorized("missing_token")
        if len(parts) != 2:
            raise AuthError.unauthorized("malformed_token")
        return await self.verify(parts[1])

    async def verify(self, token: str) -> Principal:
        token = token.strip()
        if not token:
            raise AuthError.unauthorized("missing_token")
        if len(token) > _MAX_TOKEN_LENGTH:
            raise AuthError.unauthorized("malformed_token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError:
            raise AuthError.unauthorized("malformed_token") from None

        alg = header.get("alg")
        # Checked before any key lookup so that "none" and HS* never reach a verification routine.
        if not isinstance(alg, str) or alg not in self.settings.algorithms:
            raise AuthError.unauthorized("disallowed_alg")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError.unauthorized("unknown_kid")
        try:
            key = await self._keys.get(kid)
        except JwksUnavailableError:
            # The identity provider is down, not the token bad: 503 tells clients to retry, not to log in again.
            raise AuthError(503, "jwks_unavailable") from None
        if key is None:
            raise AuthError.unauthorized("unknown_kid")
        if key.algorithm_name != alg:
            raise AuthError.unauthorized("disallowed_alg")

        claims = self._decode(token, key, alg)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise AuthError.unauthorized("missing_claim")
        return Principal(sub=sub, roles=_roles(claims.get("roles")))

    def _decode(self, token: str, key: jwt.PyJWK, alg: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": list(_REQUIRED_CLAIMS)},
            )
        # Order matters: several of these subclass DecodeError or InvalidTokenError.
        except jwt_errors.ExpiredSignatureError:
            code = "token_expired"
        except jwt_errors.ImmatureSignatureError:
            code = "token_not_yet_valid"
        except jwt_errors.InvalidIssuerError:
            code = "wrong_issuer"
        except jwt_errors.InvalidAudienceError:
            code = "wrong_audience"
        except jwt_errors.MissingRequiredClaimError:
            code = "missing_claim"
        except jwt_errors.InvalidSignatureError:
            code = "invalid_signature"
        except jwt_errors.InvalidAlgorithmError:
            code = "disallowed_alg"
        except jwt_errors.DecodeError:
            code = "malformed_token"
        except jwt_errors.PyJWTError:
            code = "invalid_token"
        raise AuthError.unauthorized(code)


def _roles(raw: object) -> frozenset[Role]:
    # Roles this service does not know are ignored rather than rejected, so issuers can add new ones.
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise AuthError.unauthorized("invalid_token")
    return frozenset(Role(value) for value in raw if isinstance(value, str) and value in _ROLE_VALUES)


def require_role(principal: Principal, *roles: Role) -> None:
    """Raise a 403 AuthError unless the principal holds at least one of ``roles``."""
    if any(principal.has(role) for role in roles):
        return
    names = ", ".join(role.value for role in roles) or "(none)"
    names_ja = "、".join(ROLE_NAMES_JA[role] for role in roles) or "（なし）"
    raise AuthError(403, "forbidden_role", roles=names, roles_ja=names_ja)


# The roles as a Japanese reader knows them (the refusal's wording; the pages' header uses the same words).
ROLE_NAMES_JA: dict[Role, str] = {
    Role.PUBLIC: "一般",
    Role.GROUP: "団体の代表者・連絡担当者",
    Role.STAFF: "市職員",
    Role.COORDINATOR: "協働コーディネーター",
    Role.TEAM: "庁内横断的チーム",
    Role.REVIEWER: "審査委員",
    Role.EVALUATOR: "評価委員",
    Role.AUDITOR: "監査担当",
}
