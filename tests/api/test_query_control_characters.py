"""A query or path parameter holding a control character is refused as a body's text is (422 `control_character`
naming the parameter), on every API route (web.routes.ApiRoute) — found by issue 22's fuzzing: `GET /groups?q=%00`
answered 500 on PostgreSQL, whose text refuses NUL, while SQLite searched for it."""

from __future__ import annotations

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
    response = await registry.clients["registry"].get("/interests/people/rep%00-1")
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("path.person_sub", "control_character")


async def test_text_with_tabs_and_japanese_still_searches(registry: Platform) -> None:
    for query in ("q=%E6%9C%AC%E7%94%BA", "q=a%09b", "q=%F0%9F%8C%B1"):
        response = await registry.clients["registry"].get(f"/groups?{query}")
        assert response.status_code == 200, (query, response.text)
