"""Probe: concurrent requests reaching a cold JwksVerifier (first requests after a service starts).

P1's warm-up saw 15 of the first 16 concurrent commands refused (401 `jwks_unavailable`, later 503 after the
status changed). This reproduces it without HTTP: N concurrent `authenticate()` calls on a fresh verifier whose
JWKS is a file. As shipped, only the call that starts the refresh succeeds; the others find no keys yet and
`_may_refresh()` false (the refresh in flight already stamped `_attempted_at`), so they fail instead of waiting.

    .venv/bin/python -m bench.jwks_race [--patched]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from kyodo_shared.web.auth import AuthError, AuthSettings, JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer

ISSUER = "https://bench.invalid"


async def probe(concurrency: int = 16) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="kyodo-bench-jwks-") as tmp:
        issuer = DevIssuer.load_or_create(Path(tmp))
        settings = AuthSettings(
            issuer=ISSUER,
            audience="kyodo",
            jwks_url=(Path(tmp) / "jwks.json").resolve().as_uri(),
            algorithms=["EdDSA"],
        )
        token = issuer.mint("bench", ["group"], extra_claims={"iss": ISSUER})
        verifier = JwksVerifier(settings)
        results = await asyncio.gather(
            *(verifier.authenticate(f"Bearer {token}") for _ in range(concurrency)), return_exceptions=True
        )
    outcome: Counter[str] = Counter()
    for result in results:
        if isinstance(result, AuthError):
            outcome[f"{result.status} {result.code}"] += 1
        elif isinstance(result, BaseException):
            outcome[type(result).__name__] += 1
        else:
            outcome["ok"] += 1
    return dict(outcome)


def install_fix() -> None:
    """The fix proposed in RESULTS.md: a request that finds a refresh in flight waits for it."""
    from kyodo_shared.web.jwks import KeySet

    original = KeySet.get

    async def get(self: KeySet, kid: str) -> object:
        if self._lock.locked():
            async with self._lock:
                pass  # the refresh in flight has finished (or failed): look again
        return await original(self, kid)

    KeySet.get = get  # type: ignore[method-assign,assignment]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patched", action="store_true", help="apply the proposed fix first")
    if parser.parse_args().patched:
        install_fix()
    print(asyncio.run(probe()))


if __name__ == "__main__":
    main()
