"""Every API route documents the refusals it may answer as problem+json, from the kernel's one table
(web.routes.ApiRoute), and the document carries the schema those answers match (web.problems.ProblemDetails) —
found missing by the fuzzing of issue 22 (tests/fuzz): a 404, 403 or 428 answered but undocumented, a 422 documented
as FastAPI's HTTPValidationError while the body is problem+json."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi import FastAPI

from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.problems import MEDIA_TYPE
from kyodo_shared.web.routes import PROBLEM_SCHEMA_REF, service_router

from support.harness import Backend, settings_for

SERVICES = ["registry", "screening", "proposals", "evaluation", "info-hub"]
PROBLEM = {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}


def probe_app() -> FastAPI:
    router = service_router(prefix="/things", tags=["things"])

    @router.get("")
    def listed() -> dict[str, str]:
        return {}

    @router.get("/{thing_id}")
    def one(thing_id: int) -> dict[str, str]:
        return {}

    @router.post("/{thing_id}/moves", responses={409: {"description": "Not while it moves"}})
    def move(thing_id: int) -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    return app


def test_a_route_documents_the_refusals_its_kind_may_answer_as_problem_json() -> None:
    paths = probe_app().openapi()["paths"]
    listed, one, move = paths["/things"]["get"], paths["/things/{thing_id}"]["get"], paths["/things/{thing_id}/moves"]
    assert set(listed["responses"]) == {"200", "401", "403", "422", "503"}
    assert set(one["responses"]) == {"200", "401", "403", "404", "422", "503"}
    command = {"400", "409", "412", "413", "428"}
    assert set(move["post"]["responses"]) == {"200", "401", "403", "404", "422", "503"} | command
    for operation in (listed, one, move["post"]):
        for status, response in operation["responses"].items():
            if status != "200":
                assert response["content"] == PROBLEM, (status, response)
    # What the route says of a refusal itself is kept; it is problem+json all the same.
    assert move["post"]["responses"]["409"]["description"] == "Not while it moves"


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each service's OpenAPI document, from its app as built (nothing started)."""
    folder = tmp_path_factory.mktemp("openapi")
    issuer = DevIssuer.load_or_create(folder / "issuer")
    found = {}
    for name in SERVICES:
        settings = settings_for(name, Backend("sqlite", folder), "nats://127.0.0.1:1", "tdocs", issuer)
        app = discover()[name].create_app(settings, JwksVerifier(settings.auth))
        try:
            found[name] = app.openapi()
        finally:
            app.state.kernel.close()
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_refusal_of_every_service_operation_is_documented_as_problem_json(
    documents: dict[str, dict[str, Any]], service: str
) -> None:
    document = documents[service]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    undocumented = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path in ("/healthz", "/readyz", "/metrics", "/asyncapi.yaml"):
                continue
            if not {"401", "403", "422"} <= set(responses):
                undocumented.append(f"{method.upper()} {path}: {sorted(responses)}")
            not_problem = [s for s, r in responses.items() if s >= "4" and r.get("content") != PROBLEM]
            if not_problem:
                undocumented.append(f"{method.upper()} {path}: {not_problem} not problem+json")
    assert undocumented == []


@pytest.mark.parametrize("code", ["validation_failed", "precondition_required", "not_found", "write_conflict"])
def test_the_documented_problem_schema_matches_what_the_kernel_answers(
    documents: dict[str, dict[str, Any]], code: str
) -> None:
    problem = MessageTable().problem(code, {"what": "resource"})
    if code == "validation_failed":
        missing = {"field": "name", "code": "missing", "reason_ja": "必須項目です", "reason_en": "Field required"}
        problem.errors = [missing]
    body = problem.body("/groups")
    schemas = documents["registry"]["components"]["schemas"]
    resolver = {"components": {"schemas": schemas}, **schemas["Problem"]}
    jsonschema.validate(body, resolver)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "status": "404"}, resolver)
