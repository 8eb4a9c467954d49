"""A query or path parameter holding a control character is refused as a body's text is (422 `control_character`
naming the parameter), on every API route (web.routes.ApiRoute) — found by issue 22's fuzzing: `GET /groups?q=%00`
answered 500 on PostgreSQL, whose text refuses NUL, while SQLite searched for it."""

from __future__ import annotations

import uuid

import pytest

from support.harness import Platform


@pytest.mark.parametrize(("query", "field"), [("q=%00", "query.q"), ("area=%1B%5B2J", "query.area")])
async def test_a_control_character_in_a_query_parameter_is_refused_naming_it(
    registry: Platform, query: str, field: str
) -> None:
    response = await registry.clients["registry"].get(f"/groups?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (field, "control_character")
    assert "\x00" not in response.text


async def test_a_control_character_in_a_path_parameter_is_refused_naming_it(registry: Platform) -> None:
    path = f"/groups/{uuid.uuid4()}/contacts/rep%00-1/removal"
    response = await registry.clients["registry"].post(path, headers=registry.token("rep-1", "group"))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("path.contact_sub", "control_character")


async def test_text_with_tabs_and_japanese_still_searches(registry: Platform) -> None:
    for query in ("q=%E6%9C%AC%E7%94%BA", "q=a%09b", "q=%F0%9F%8C%B1"):
        response = await registry.clients["registry"].get(f"/groups?{query}")
        assert response.status_code == 200, (query, response.text)


async def test_who_may_not_call_the_route_hears_so_before_the_parameter_is_refused(registry: Platform) -> None:
    client = registry.clients["registry"]
    refused = await client.get("/audit/events?type=%00", headers=registry.token("someone", "public"))
    assert refused.status_code == 403, refused.text
    answered = await client.get("/audit/events?type=%00", headers=registry.token("auditor-1", "auditor"))
    assert answered.status_code == 422, answered.text
    assert [e["field"] for e in answered.json()["errors"]] == ["query.type"]
