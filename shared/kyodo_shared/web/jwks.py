"""A cached, rotation-aware JSON Web Key Set fetched over HTTP(S) or read from a file:// path."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from kyodo_shared.settings import ASYMMETRIC_ALGORITHMS

__all__ = ["ASYMMETRIC_ALGORITHMS", "JwksUnavailableError", "KeySet", "parse_jwks"]

_log = logging.getLogger(__name__)

_HTTP_TIMEOUT_SECONDS = 5.0


class JwksUnavailableError(Exception):
    """No key set could be obtained and none is cached."""


def parse_jwks(document: Any, algorithms: Collection[str]) -> dict[str, PyJWK]:
    """Return the usable signing keys of a JWKS document, by kid; unusable members are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("a JWKS document must be an object with a 'keys' array")
    keys: dict[str, PyJWK] = {}
    for member in document["keys"]:
        if not isinstance(member, dict) or member.get("kty") == "oct":
            continue
        kid = member.get("kid")
        if not isinstance(kid, str) or not kid or member.get("use", "sig") != "sig":
            continue
        try:
            key = PyJWK(member)
        except PyJWTError:
            # One malformed or exotic key must not take the whole set (and every token) down.
            continue
        if key.algorithm_name in algorithms and key.algorithm_name in ASYMMETRIC_ALGORITHMS:
            keys[kid] = key
    return keys


class KeySet:
    """Keys by kid, refreshed when older than ``cache_seconds`` or when an unknown kid shows up.

    Refreshes are rate-limited by ``min_refresh_interval_seconds`` so a flood of tokens carrying
    random kids cannot turn into a flood of requests against the issuer.
    """

    def __init__(
        self,
        url: str,
        *,
        algorithms: Collection[str],
        cache_seconds: float,
        min_refresh_interval_seconds: float,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._algorithms = frozenset(algorithms)
        self._cache_seconds = cache_seconds
        self._min_interval = min_refresh_interval_seconds
        self._client = http_client
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> PyJWK | None:
        """Return the key for ``kid``, refetching the set at most once; None when it is unknown."""
        if self._lock.locked():
            # A refresh is in flight (say, the first requests after start): wait for its keys instead of failing.
            async with self._lock:
                pass
        if self._is_expired() and self._may_refresh():
            await self._refresh()
        key = self._keys.get(kid)
        if key is None and self._may_refresh():
            # A new kid usually means the issuer rotated keys since we last looked.
            await self._refresh()
            key = self._keys.get(kid)
        if key is None and not self._keys:
            raise JwksUnavailableError(f"no signing keys available from {self._url}")
        return key

    def _is_expired(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._cache_seconds

    def _may_refresh(self) -> bool:
        return self._attempted_at is None or self._clock() - self._attempted_at >= self._min_interval

    async def _refresh(self) -> None:
        seen = self._attempted_at
        async with self._lock:
            if self._attempted_at != seen:
                return  # another request refreshed while this one waited for the lock
            self._attempted_at = self._clock()
            try:
                keys = parse_jwks(await self._load(), self._algorithms)
                if not keys:
                    raise ValueError("the JWKS holds no usable signing keys")
            except (httpx.HTTPError, OSError, ValueError) as exc:
                if not self._keys:
                    raise JwksUnavailableError(f"could not load the JWKS from {self._url}") from exc
                # Keep serving the previous keys: an issuer outage should not log everybody out.
                _log.warning("JWKS refresh from %s failed, keeping cached keys: %r", self._url, exc)
                return
            self._keys = keys
            self._fetched_at = self._attempted_at

    async def _load(self) -> Any:
        parsed = urlparse(self._url)
        if parsed.scheme == "file":
            path = Path(url2pathname(parsed.path))
            return json.loads(await asyncio.to_thread(path.read_bytes))
        if self._client is not None:
            return await self._fetch(self._client)
        # Fetches happen every few minutes at most, so a short-lived client is cheaper than owning one.
        async with httpx.AsyncClient(timeout=_HTTP_TIMEOUT_SECONDS) as client:
            return await self._fetch(client)

    async def _fetch(self, client: httpx.AsyncClient) -> Any:
        response = await client.get(self._url, timeout=_HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()
