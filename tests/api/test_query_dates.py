"""A calendar date in a query parameter is YYYY-MM-DD, as the OpenAPI document says (web.schemas.IsoDate) — found by
issue 22's fuzzing: `GET /team?on=7.29562585528921e-69` answered 200, pydantic reading the number as a Unix time."""

from __future__ import annotations

import pytest

from support.harness import Platform
from support.registry import application


@pytest.mark.parametrize("value", ["7.29562585528921e-69", "0", "1700000000", "2026-4-1", "2026-04-01T00:00:00"])
async def test_a_date_parameter_that_is_not_yyyy_mm_dd_is_refused_naming_it(registry: Platform, value: str) -> None:
    response = await registry.clients["registry"].get("/team", params={"on": value})
    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("query.on", "date_parsing")]


async def test_a_yyyy_mm_dd_date_is_read(registry: Platform) -> None:
    response = await registry.clients["registry"].get("/team", params={"on": "2026-04-01"})
    assert response.status_code == 200, response.text
    assert response.json()["on"] == "2026-04-01"


@pytest.mark.parametrize("value", [0, 1700000000, 7.3e-69, True])
async def test_a_date_in_a_body_given_as_a_number_is_refused_naming_it_and_nothing_is_stored(
    registry: Platform, value: object
) -> None:
    """pydantic would read the number as a Unix time; the founding date is written as text, as the document says."""
    rep = registry.token("rep-dates", "group")
    client = registry.clients["registry"]
    response = await client.post("/groups", json=application(name="日付の会", founded=value), headers=rep)
    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("founded", "date_parsing")]
    listed = await client.get("/groups", headers=registry.token("coord-1", "coordinator"))
    assert "日付の会" not in {g["name"] for g in listed.json()["items"]}


async def test_a_date_in_a_body_written_as_text_is_read(registry: Platform) -> None:
    rep = registry.token("rep-dates-2", "group")
    response = await registry.clients["registry"].post(
        "/groups", json=application(name="日付の会2", founded="2019-04-01"), headers=rep
    )
    assert response.status_code == 201, response.text
