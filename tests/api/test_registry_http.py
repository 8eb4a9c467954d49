"""Registry over HTTP: problem+json for bad input, tokens and roles, optimistic concurrency, conflicts of interest."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyodo_registry.app import RegistryApplication
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Platform
from support.registry import CRITERIA, actor, application, bylaws

PERSONAL = ("山田 花子", "hanako@example.jp", "042-300-0000")


def stored_events(p: Platform) -> int:
    app: RegistryApplication = p.apps["registry"].state.kernel.application
    return app.recorder.max_notification_id() or 0


async def apply(p: Platform, sub: str = "rep-1", **overrides: Any) -> httpx.Response:
    return await p.clients["registry"].post("/groups", json=application(**overrides), headers=p.token(sub, "group"))


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["title_ja"]
    assert body["title_en"]
    for value in PERSONAL:
        assert value not in response.text
    return body


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b'{"name": "x",', 400, "malformed_json"),
        (json.dumps({**application(), "unknown": 1}).encode(), 422, "validation_failed"),
        (json.dumps({k: v for k, v in application().items() if k != "area"}).encode(), 422, "validation_failed"),
        (json.dumps({**application(), "fields_of_activity": "環境"}).encode(), 422, "validation_failed"),
        (
            json.dumps({**application(), "representative": {**application()["representative"], "email": "x"}}).encode(),
            422,
            "validation_failed",
        ),
        # Over what an application may carry with the largest bylaws (settings.BYLAWS_JSON_BYTES, about 2.9 MB).
        (json.dumps({**application(), "purpose": "あ" * 600_000}).encode(), 413, "body_too_large"),
    ],
    ids=["malformed", "unknown-field", "missing-field", "wrong-type", "bad-email", "oversize"],
)
async def test_rejects_bad_input_with_a_problem_and_stores_nothing(
    registry: Platform, content: bytes, status: int, code: str
) -> None:
    before = stored_events(registry)
    response = await registry.clients["registry"].post(
        "/groups", content=content, headers={**registry.token("rep-1", "group"), "content-type": "application/json"}
    )
    body = assert_problem(response, status, code)
    if status == 422:
        assert all({"field", "reason_ja", "reason_en"} <= set(e) for e in body["errors"])
    assert stored_events(registry) == before


async def test_names_the_field_and_the_reason_in_japanese_and_english(registry: Platform) -> None:
    bad = application()
    bad["representative"]["email"] = "not-an-email"
    body = assert_problem(
        await registry.clients["registry"].post("/groups", json=bad, headers=registry.token("rep-1", "group")),
        422,
        "validation_failed",
    )
    assert [e["field"] for e in body["errors"]] == ["representative.email"]
    assert "not-an-email" not in json.dumps(body)


def forged(issuer: DevIssuer, **claims: Any) -> str:
    now = datetime.now(UTC)
    base = {
        "sub": "rep-1",
        "roles": ["group"],
        "iss": "urn:kyodo:dev-issuer",
        "aud": "kyodo",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    base.update(claims)
    return issuer.sign({k: v for k, v in base.items() if v is not None})


def same_kid_other_key(issuer: DevIssuer) -> str:
    """A token naming the issuer's current key id but signed with a different key."""
    now = datetime.now(UTC)
    claims = {
        "sub": "rep-1",
        "roles": ["group"],
        "iss": "urn:kyodo:dev-issuer",
        "aud": "kyodo",
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": issuer.signing_kid})


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        (lambda i: None, "missing_token"),
        (lambda i: forged(i, exp=int((datetime.now(UTC) - timedelta(hours=1)).timestamp())), "token_expired"),
        (lambda i: forged(i, iss="https://evil.example"), "wrong_issuer"),
        (lambda i: forged(i, aud="another-app"), "wrong_audience"),
        (same_kid_other_key, "invalid_signature"),
        (lambda i: forged(DevIssuer.ephemeral()), "unknown_kid"),
        (
            lambda i: jwt.encode(
                {"sub": "rep-1", "roles": ["group"], "iss": "urn:kyodo:dev-issuer", "aud": "kyodo"},
                key="",
                algorithm="none",
            ),
            "disallowed_alg",
        ),
    ],
    ids=["none", "expired", "wrong-iss", "wrong-aud", "wrong-signature", "unknown-key", "alg-none"],
)
async def test_refuses_a_request_without_a_valid_token(registry: Platform, make_token: Any, code: str) -> None:
    token = make_token(registry.issuer)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    before = stored_events(registry)
    response = await registry.clients["registry"].post("/groups", json=application(), headers=headers)
    assert_problem(response, 401, code)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert stored_events(registry) == before


async def test_refuses_a_chunked_body_over_the_limit_with_413(registry: Platform) -> None:
    async def chunks() -> Any:
        for _ in range(64):
            yield b"x" * 8192

    # A route without a document (an information request's answer): the kernel's 256 KiB.
    response = await registry.clients["registry"].post(
        f"/groups/{uuid.uuid4()}/information",
        content=chunks(),
        headers={**registry.token("rep-1", "group"), "content-type": "application/json"},
    )
    assert_problem(response, 413, "body_too_large")


async def test_never_echoes_a_submitted_key_as_a_field_name(registry: Platform) -> None:
    body = {**application(), "hanako@example.jp": "x"}
    problem = assert_problem(
        await registry.clients["registry"].post("/groups", json=body, headers=registry.token("rep-1", "group")),
        422,
        "validation_failed",
    )
    assert [e["field"] for e in problem["errors"]] == ["*"]


async def test_a_weak_etag_never_satisfies_if_match(registry: Platform) -> None:
    created = await apply(registry)
    weak = "W/" + created.headers["ETag"]
    assert_problem(await assess(registry, created.json()["id"], weak), 412, "precondition_failed")


async def test_refuses_a_caller_without_the_role(registry: Platform) -> None:
    response = await registry.clients["registry"].post(
        "/groups", json=application(), headers=registry.token("citizen", "public")
    )
    assert_problem(response, 403, "forbidden_role")


async def test_accepts_a_token_signed_by_a_rotated_key(registry: Platform) -> None:
    assert (await apply(registry)).status_code == 201
    registry.issuer.rotate()
    assert (await apply(registry, sub="rep-2")).status_code == 201


async def assess(
    p: Platform, group_id: str, etag: str | None, sub: str = "coord-1", criterion: str = CRITERIA[0], met: bool = True
) -> httpx.Response:
    headers = p.token(sub, "coordinator")
    if etag is not None:
        headers["If-Match"] = etag
    body = {"criterion": criterion, "met": met, "reason": "根拠を確認した"}
    return await p.clients["registry"].post(f"/groups/{group_id}/assessments", json=body, headers=headers)


async def test_an_update_without_if_match_is_refused_with_428(registry: Platform) -> None:
    created = (await apply(registry)).json()
    assert_problem(await assess(registry, created["id"], None), 428, "precondition_required")


async def test_an_update_with_a_stale_etag_is_refused_with_412(registry: Platform) -> None:
    created = await apply(registry)
    group_id, first = created.json()["id"], created.headers["ETag"]
    assert (await assess(registry, group_id, first)).status_code == 200
    before = stored_events(registry)
    assert_problem(await assess(registry, group_id, first, criterion=CRITERIA[1]), 412, "precondition_failed")
    assert stored_events(registry) == before


async def test_a_race_lost_inside_the_store_is_answered_with_409(registry: Platform) -> None:
    created = await apply(registry)
    group_id, etag = created.json()["id"], created.headers["ETag"]
    app: RegistryApplication = registry.apps["registry"].state.kernel.application
    original_save = app.save

    def save_after_a_competitor(*objs: Any, **kwargs: Any) -> Any:
        # Another replica commits its assessment between our read and our write.
        competitor = RegistryApplication(
            env=app.env, vault=app.vault, clock=app.clock, timers=app.timers, documents=app.documents, db=app.db
        )
        competitor.assess(actor("coord-2", "coordinator"), None, objs[0].id, CRITERIA[5], True, "先に確定")
        competitor.close()
        app.save = original_save  # type: ignore[method-assign]
        return original_save(*objs, **kwargs)

    app.save = save_after_a_competitor  # type: ignore[method-assign]
    assert_problem(await assess(registry, group_id, etag), 409, "write_conflict")


async def test_a_coordinator_who_represents_the_group_cannot_assess_it_but_can_assess_another(
    registry: Platform,
) -> None:
    own = await apply(registry, sub="coord-and-rep")
    other = await apply(registry, sub="rep-9", name="西町ふれあいクラブ")
    body = assert_problem(
        await assess(registry, own.json()["id"], own.headers["ETag"], sub="coord-and-rep"), 403, "conflict_of_interest"
    )
    assert body["detail_en"]
    ok = await assess(registry, other.json()["id"], other.headers["ETag"], sub="coord-and-rep")
    assert ok.status_code == 200


async def test_all_six_met_registers_and_any_unmet_rejects_with_the_reasons(registry: Platform) -> None:
    for unmet in (None, "self_governing"):
        created = await apply(registry, sub=f"rep-{unmet}")
        group_id, etag = created.json()["id"], created.headers["ETag"]
        for criterion in CRITERIA:
            response = await assess(registry, group_id, etag, criterion=criterion, met=criterion != unmet)
            etag = response.headers["ETag"]
        view = response.json()
        assert view["status"] == ("registered" if unmet is None else "rejected")
        if unmet:
            assert view["assessments"][unmet] == {
                "met": False,
                "reason": "根拠を確認した",
                "assessor_sub": "coord-1",
                "round": 1,
            }


async def test_health_readiness_metrics_and_openapi_are_served(registry: Platform) -> None:
    client = registry.clients["registry"]
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"store": "ok", "bus": "ok"}
    assert "kyodo_http_requests_total" in (await client.get("/metrics")).text
    assert "/groups" in (await client.get("/openapi.json")).json()["paths"]


async def test_an_application_carries_bylaws_up_to_the_documents_limit_while_other_routes_keep_the_small_one(
    registry: Platform,
) -> None:
    """The bylaws may be up to 2 MiB (documents.MAX_BYTES), sent as base64 inside the application's JSON: more than
    the kernel's 256 KiB body limit, which only the routes carrying them raise."""
    from kyodo_registry.documents import MAX_BYTES

    large = bylaws(b"%PDF-1.7\n" + b"0" * (MAX_BYTES - 16))
    accepted = await apply(
        registry, "rep-large", bylaws={**large, "filename": "会則.pdf", "media_type": "application/pdf"}
    )
    assert accepted.status_code == 201, accepted.text[:500]
    group_id = accepted.json()["id"]
    # A route that carries no document keeps the kernel's limit.
    profile = {"name": "x", "purpose": "あ" * 150_000, "fields_of_activity": ["環境保全"], "area": "本町"}
    refused = await registry.clients["registry"].put(
        f"/groups/{group_id}/profile",
        content=json.dumps(profile).encode(),
        headers={**registry.token("rep-large", "group"), "content-type": "application/json", "if-match": '"1"'},
    )
    assert_problem(refused, 413, "body_too_large")
