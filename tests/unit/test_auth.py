"""Unit tests of the authentication kernel and the embedded development issuer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import stat
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from kyodo_shared.web.auth import AuthError, AuthSettings, JwksVerifier, Principal, Role, require_role
from kyodo_shared.web.devissuer import DEV_ISSUER, DevIssuer

JWKS_URL = "https://id.kyodo.test/.well-known/jwks.json"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class JwksServer:
    """Serves the issuer's current JWKS through an httpx MockTransport and counts the fetches."""

    def __init__(self, issuer: DevIssuer) -> None:
        self.issuer = issuer
        self.requests = 0
        self.failing = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.failing:
            return httpx.Response(503)
        return httpx.Response(200, json=self.issuer.jwks())


@pytest.fixture
def issuer() -> DevIssuer:
    return DevIssuer.ephemeral()


@pytest.fixture
def server(issuer: DevIssuer) -> JwksServer:
    return JwksServer(issuer)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def client(server: JwksServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handle)) as http:
        yield http


@pytest.fixture
def verifier(issuer: DevIssuer, client: httpx.AsyncClient, clock: FakeClock) -> JwksVerifier:
    return JwksVerifier(issuer.settings(jwks_url=JWKS_URL), http_client=client, clock=clock)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned_parts(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"


def valid_claims() -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {"iss": DEV_ISSUER, "aud": "kyodo", "sub": "user-1", "exp": now + 600, "roles": ["staff"]}


async def rejection(verifier: JwksVerifier, token: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    return caught.value


async def test_accepts_a_valid_token_and_returns_its_subject_and_roles(
    verifier: JwksVerifier, issuer: DevIssuer
) -> None:
    principal = await verifier.verify(issuer.mint("user-1", ["staff", "reviewer"]))

    assert principal == Principal(sub="user-1", roles=frozenset({Role.STAFF, Role.REVIEWER}))
    assert principal.has(Role.STAFF)
    assert not principal.has(Role.AUDITOR)


async def test_ignores_roles_it_does_not_know(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    principal = await verifier.verify(issuer.mint("user-1", ["group", "superuser", "ADMIN"]))

    assert principal.roles == frozenset({Role.GROUP})


async def test_rejects_a_roles_claim_that_is_not_a_list(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("user-1", [], extra_claims={"roles": "staff"})

    assert (await rejection(verifier, token)).code == "invalid_token"


@pytest.mark.parametrize("header", [None, "", "   ", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "])
async def test_rejects_a_missing_token(verifier: JwksVerifier, header: str | None) -> None:
    with pytest.raises(AuthError) as caught:
        await verifier.authenticate(header)

    assert (caught.value.status, caught.value.code) == (401, "missing_token")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_accepts_the_bearer_scheme_in_any_case(verifier: JwksVerifier, issuer: DevIssuer, scheme: str) -> None:
    principal = await verifier.authenticate(f"{scheme} {issuer.mint('user-1', ['team'])}")

    assert principal.roles == frozenset({Role.TEAM})


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "Zm9v.YmFy", "x" * 20_000])
async def test_rejects_a_malformed_token(verifier: JwksVerifier, token: str) -> None:
    assert (await rejection(verifier, token)).code == "malformed_token"


async def test_rejects_an_authorization_header_with_extra_parts(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    with pytest.raises(AuthError) as caught:
        await verifier.authenticate(f"Bearer {issuer.mint('user-1', [])} trailing")

    assert caught.value.code == "malformed_token"


async def test_rejects_an_expired_token(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("user-1", [], ttl_seconds=60, now=datetime.now(UTC) - timedelta(hours=1))

    assert (await rejection(verifier, token)).code == "token_expired"


async def test_tolerates_clock_skew_within_the_leeway(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    expired_just_now = issuer.mint("user-1", [], ttl_seconds=60, now=datetime.now(UTC) - timedelta(seconds=70))
    issued_just_ahead = issuer.mint("user-1", [], now=datetime.now(UTC) + timedelta(seconds=10))

    assert (await verifier.verify(expired_just_now)).sub == "user-1"
    assert (await verifier.verify(issued_just_ahead)).sub == "user-1"


async def test_rejects_a_token_not_yet_valid(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("user-1", [], now=datetime.now(UTC) + timedelta(minutes=10))

    assert (await rejection(verifier, token)).code == "token_not_yet_valid"


async def test_rejects_a_token_for_another_audience(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("user-1", [], audience="another-city")

    assert (await rejection(verifier, token)).code == "wrong_audience"


async def test_rejects_a_token_from_another_issuer(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("user-1", [], extra_claims={"iss": "https://evil.example"})

    assert (await rejection(verifier, token)).code == "wrong_issuer"


@pytest.mark.parametrize("claim", ["sub", "exp", "iss", "aud"])
async def test_rejects_a_token_lacking_a_required_claim(verifier: JwksVerifier, issuer: DevIssuer, claim: str) -> None:
    claims = valid_claims()
    del claims[claim]
    token = issuer.sign(claims)

    assert (await rejection(verifier, token)).code == "missing_claim"


async def test_rejects_a_token_with_an_empty_subject(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    assert (await rejection(verifier, issuer.mint("", []))).code == "missing_claim"


async def test_rejects_a_token_whose_payload_was_tampered_with(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    header, _, signature = issuer.mint("user-1", ["public"]).split(".")
    _, forged_payload, _ = issuer.mint("user-1", ["coordinator"]).split(".")

    assert (await rejection(verifier, f"{header}.{forged_payload}.{signature}")).code == "invalid_signature"


async def test_rejects_a_token_signed_by_another_key_under_a_known_kid(
    verifier: JwksVerifier, issuer: DevIssuer
) -> None:
    token = jwt.encode(
        valid_claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": issuer.signing_kid}
    )

    assert (await rejection(verifier, token)).code == "invalid_signature"


async def test_rejects_a_token_signed_by_an_unknown_key(
    verifier: JwksVerifier, issuer: DevIssuer, server: JwksServer, clock: FakeClock
) -> None:
    await verifier.verify(issuer.mint("user-1", []))
    clock.advance(5.0)
    stranger = DevIssuer.ephemeral()

    assert (await rejection(verifier, stranger.mint("user-1", []))).code == "unknown_kid"
    assert server.requests == 2  # the unknown kid was worth one refetch, in case of a rotation


async def test_rejects_a_token_without_a_kid(verifier: JwksVerifier) -> None:
    token = jwt.encode(valid_claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA")

    assert (await rejection(verifier, token)).code == "unknown_kid"


async def test_rate_limits_jwks_refetches_for_unknown_kids(
    verifier: JwksVerifier, issuer: DevIssuer, server: JwksServer, clock: FakeClock
) -> None:
    await verifier.verify(issuer.mint("user-1", []))
    clock.advance(5.0)
    await rejection(verifier, DevIssuer.ephemeral().mint("user-1", []))
    for _ in range(5):
        await rejection(verifier, DevIssuer.ephemeral().mint("user-1", []))
    assert server.requests == 2

    clock.advance(5.0)
    await rejection(verifier, DevIssuer.ephemeral().mint("user-1", []))
    assert server.requests == 3


async def test_rejects_alg_none(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    token = unsigned_parts({"alg": "none", "typ": "JWT", "kid": issuer.signing_kid}, valid_claims()) + "."

    assert (await rejection(verifier, token)).code == "disallowed_alg"


@pytest.mark.parametrize("secret_form", ["pem", "jwk_x"])
async def test_rejects_an_hs256_token_signed_with_the_public_key(
    verifier: JwksVerifier, issuer: DevIssuer, secret_form: str
) -> None:
    jwk = issuer.jwks()["keys"][0]
    if secret_form == "pem":
        public = jwt.PyJWK(jwk).key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        public = jwk["x"].encode()
    signing_input = unsigned_parts({"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}, valid_claims())
    mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()

    assert (await rejection(verifier, f"{signing_input}.{b64url(mac)}")).code == "disallowed_alg"


async def test_rejects_an_allowed_algorithm_that_does_not_match_the_key(
    issuer: DevIssuer, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    settings = issuer.settings(jwks_url=JWKS_URL).model_copy(update={"algorithms": ["EdDSA", "ES256"]})
    verifier = JwksVerifier(settings, http_client=client, clock=clock)
    token = jwt.encode(
        valid_claims(),
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": issuer.signing_kid},
    )

    assert (await rejection(verifier, token)).code == "disallowed_alg"


async def test_accepts_a_token_signed_by_a_rotated_key(
    verifier: JwksVerifier, issuer: DevIssuer, server: JwksServer, clock: FakeClock
) -> None:
    await verifier.verify(issuer.mint("user-1", []))
    issuer.rotate()
    clock.advance(5.0)  # past the refetch rate limit, far inside the 300 s cache lifetime

    principal = await verifier.verify(issuer.mint("user-2", ["auditor"]))

    assert principal == Principal(sub="user-2", roles=frozenset({Role.AUDITOR}))
    assert server.requests == 2


async def test_old_key_tokens_still_verify_after_rotation(
    verifier: JwksVerifier, issuer: DevIssuer, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    old_token = issuer.mint("user-1", ["evaluator"])
    await verifier.verify(old_token)
    old_kid = issuer.signing_kid

    assert issuer.rotate() != old_kid
    fresh_verifier = JwksVerifier(issuer.settings(jwks_url=JWKS_URL), http_client=client, clock=clock)
    assert (await verifier.verify(old_token)).sub == "user-1"
    assert (await fresh_verifier.verify(old_token)).sub == "user-1"


async def test_refetches_the_jwks_once_the_cache_expires(
    verifier: JwksVerifier, issuer: DevIssuer, server: JwksServer, clock: FakeClock
) -> None:
    token = issuer.mint("user-1", [])
    await verifier.verify(token)
    clock.advance(299)
    await verifier.verify(token)
    assert server.requests == 1

    clock.advance(1)
    await verifier.verify(token)
    assert server.requests == 2


async def test_keeps_the_cached_keys_when_a_refresh_fails(
    verifier: JwksVerifier, issuer: DevIssuer, server: JwksServer, clock: FakeClock
) -> None:
    token = issuer.mint("user-1", [])
    await verifier.verify(token)
    server.failing = True
    clock.advance(600)

    assert (await verifier.verify(token)).sub == "user-1"
    assert server.requests == 2


async def test_reports_the_keys_unavailable_with_503_when_none_can_be_fetched(
    verifier: JwksVerifier, issuer: DevIssuer, server: JwksServer
) -> None:
    server.failing = True

    with pytest.raises(AuthError) as caught:
        await verifier.verify(issuer.mint("user-1", []))
    # An identity-provider outage is the server's problem (503), not a bad token (401).
    assert (caught.value.status, caught.value.code) == (503, "jwks_unavailable")


async def test_concurrent_requests_fetch_the_jwks_once(
    verifier: JwksVerifier, issuer: DevIssuer, server: JwksServer
) -> None:
    tokens = [issuer.mint(f"user-{n}", []) for n in range(10)]

    principals = await asyncio.gather(*(verifier.verify(token) for token in tokens))

    assert [p.sub for p in principals] == [f"user-{n}" for n in range(10)]
    assert server.requests == 1


async def test_concurrent_first_requests_all_wait_for_the_keys_being_loaded(tmp_path: Path) -> None:
    issuer = DevIssuer.load_or_create(tmp_path)
    verifier = JwksVerifier(issuer.settings())
    tokens = [issuer.mint(f"user-{n}", []) for n in range(16)]

    # A file read yields to the event loop, so the other requests arrive while the first load is in flight.
    principals = await asyncio.gather(*(verifier.verify(token) for token in tokens))

    assert [p.sub for p in principals] == [f"user-{n}" for n in range(16)]


async def test_error_messages_never_echo_the_token_or_its_claims(verifier: JwksVerifier, issuer: DevIssuer) -> None:
    token = issuer.mint("secret-subject", [], audience="secret-audience", extra_claims={"iss": "secret-issuer"})

    error = await rejection(verifier, token)

    for text in (str(error), error.reason_ja, error.reason_en):
        assert token not in text
        assert "secret" not in text


def test_forbids_a_principal_without_the_role() -> None:
    principal = Principal(sub="user-1", roles=frozenset({Role.GROUP}))

    with pytest.raises(AuthError) as caught:
        require_role(principal, Role.STAFF, Role.COORDINATOR)

    assert (caught.value.status, caught.value.code) == (403, "forbidden_role")
    assert "staff" in caught.value.reason_en
    assert "市職員、協働コーディネーター" in caught.value.reason_ja


def test_allows_a_principal_holding_any_of_the_roles() -> None:
    require_role(Principal(sub="user-1", roles=frozenset({Role.COORDINATOR})), Role.STAFF, Role.COORDINATOR)


@pytest.mark.parametrize("algorithms", [["HS256"], ["none"], ["EdDSA", "HS512"]])
def test_settings_refuse_symmetric_or_absent_algorithms(algorithms: list[str]) -> None:
    with pytest.raises(ValidationError):
        AuthSettings(issuer="i", audience="a", jwks_url=JWKS_URL, algorithms=algorithms)


@pytest.mark.parametrize("url", ["ftp://id.example/jwks.json", "/etc/jwks.json", "https://", "file://"])
def test_settings_refuse_a_jwks_url_that_is_neither_http_nor_file(url: str) -> None:
    with pytest.raises(ValidationError):
        AuthSettings(issuer="i", audience="a", jwks_url=url)


def test_dev_issuer_keeps_its_keys_private_and_across_restarts(tmp_path: Path) -> None:
    first = DevIssuer.load_or_create(tmp_path / "issuer")
    second = DevIssuer.load_or_create(tmp_path / "issuer")

    assert second.kids == first.kids
    pem = tmp_path / "issuer" / f"{first.signing_kid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert json.loads((tmp_path / "issuer" / "jwks.json").read_text()) == first.jwks()


def test_dev_issuer_publishes_ed25519_jwks_entries(issuer: DevIssuer) -> None:
    (entry,) = issuer.jwks()["keys"]

    assert entry.keys() == {"kty", "crv", "x", "kid", "use", "alg"}
    assert (entry["kty"], entry["crv"], entry["use"], entry["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    assert entry["kid"] == issuer.signing_kid


def test_dev_issuer_retires_all_but_the_previous_key_on_rotation(tmp_path: Path) -> None:
    issuer = DevIssuer.load_or_create(tmp_path)
    first = issuer.signing_kid
    second = issuer.rotate()
    third = issuer.rotate()

    assert {key["kid"] for key in issuer.jwks()["keys"]} == {second, third}
    assert not (tmp_path / f"{first}.pem").exists()
    assert DevIssuer.load_or_create(tmp_path).kids == (second, third)


def test_dev_issuer_refuses_a_naive_now(issuer: DevIssuer) -> None:
    with pytest.raises(ValueError, match="timezone"):
        issuer.mint("user-1", [], now=datetime(2026, 1, 1))


def test_an_ephemeral_dev_issuer_needs_an_explicit_jwks_url(issuer: DevIssuer) -> None:
    with pytest.raises(ValueError, match="jwks_url"):
        issuer.settings()


async def test_verifies_dev_tokens_through_a_file_jwks_across_rotation(tmp_path: Path, clock: FakeClock) -> None:
    issuer = DevIssuer.load_or_create(tmp_path)
    settings = issuer.settings(audience="registry")
    verifier = JwksVerifier(settings, clock=clock)

    assert settings.jwks_url.startswith("file://")
    assert settings.issuer == DEV_ISSUER
    assert (await verifier.verify(issuer.mint("user-1", ["staff"], audience="registry"))).sub == "user-1"
    issuer.rotate()
    clock.advance(settings.min_refresh_interval_seconds)
    assert (await verifier.verify(issuer.mint("user-2", ["staff"], audience="registry"))).sub == "user-2"


@pytest.fixture
def http_jwks(issuer: DevIssuer) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(issuer.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_fetches_the_jwks_over_real_http(issuer: DevIssuer, http_jwks: str) -> None:
    verifier = JwksVerifier(issuer.settings(jwks_url=http_jwks))

    assert (await verifier.verify(issuer.mint("user-1", ["public"]))).roles == frozenset({Role.PUBLIC})
