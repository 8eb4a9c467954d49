"""Unit tests of the one If-Match parser (RFC 9110 §13.1.1) every service's update routes use."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from kyodo_shared.domain.refusals import Refusal, check_version
from kyodo_shared.web.handlers import install_problem_handlers
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.preconditions import IfMatch, etag_of, parse_if_match
from kyodo_shared.web.preconditions import etag_of as kernel_etag_of
from kyodo_shared.web.routes import expected_version

CURRENT = 3


def code_of(error: pytest.ExceptionInfo[Refusal]) -> tuple[int, str]:
    """What a client reads: the refusal answered through the kernel's message table."""
    problem = MessageTable().for_refusal(error.value)
    return problem.status, problem.code


def test_an_etag_as_sent_matches_its_own_version() -> None:
    assert parse_if_match(etag_of(CURRENT)).matches(CURRENT)
    assert not parse_if_match(etag_of(CURRENT)).matches(CURRENT + 1)


def test_a_star_matches_any_current_version_but_not_a_missing_resource() -> None:
    condition = parse_if_match("*")
    assert condition == IfMatch(any=True, versions=frozenset())
    assert condition.matches(0)
    assert condition.matches(CURRENT)
    assert not condition.matches(None)


def test_a_list_matches_when_any_member_matches() -> None:
    condition = parse_if_match('"1", "3" ,"7"')
    assert condition.versions == {1, 3, 7}
    assert condition.matches(3)
    assert not condition.matches(2)


def test_a_weak_tag_never_matches_because_if_match_compares_strongly() -> None:
    assert parse_if_match('W/"3"').versions == frozenset()
    assert not parse_if_match('W/"3"').matches(CURRENT)
    assert parse_if_match('W/"3", "4"').versions == {4}


def test_a_well_formed_tag_that_names_no_version_never_matches() -> None:
    for tag in ('"abc"', '"03"', '"-3"', '""', '"' + "9" * 40 + '"', '"a,b"'):
        condition = parse_if_match(tag)
        assert condition.versions == frozenset(), tag
        assert not condition.matches(CURRENT), tag


def test_empty_list_elements_and_whitespace_around_commas_are_ignored() -> None:
    assert parse_if_match(' ,"3",, \t"4" ,').versions == {3, 4}


def test_a_missing_header_is_refused_with_428() -> None:
    with pytest.raises(Refusal) as error:
        parse_if_match(None)
    assert code_of(error) == (428, "precondition_required")


@pytest.mark.parametrize(
    "value",
    ["3", '"3', '3"', 'w/"3"', "W/3", '"3" "4"', '*, "3"', "**", "", "  ", ",", '"3";', '"3 "', '"caf\x00e"', '"3"\n'],
)
def test_a_value_that_is_not_an_if_match_is_refused_with_400(value: str) -> None:
    with pytest.raises(Refusal) as error:
        parse_if_match(value)
    assert code_of(error) == (400, "invalid_if_match")


def test_the_refusal_never_echoes_the_header() -> None:
    with pytest.raises(Refusal) as error:
        parse_if_match("<script>secret")
    assert "secret" not in str(MessageTable().for_refusal(error.value).body("/x"))


def test_the_kernels_etag_and_check_are_the_parsers() -> None:
    assert kernel_etag_of(CURRENT) == etag_of(CURRENT) == '"3"'
    assert parse_if_match(kernel_etag_of(CURRENT)).matches(CURRENT)


def app_with_routes() -> FastAPI:
    """Routes that check If-Match as every service's application does, answering problems as every service does."""
    app = FastAPI()
    install_problem_handlers(app, MessageTable())

    @app.post("/checked")
    def checked(request: Request) -> dict[str, str]:
        check_version(CURRENT, expected_version(request))
        return {"ok": "yes"}

    @app.post("/not-yet-created")
    def not_yet_created(request: Request) -> dict[str, str]:
        check_version(0, expected_version(request))
        return {"ok": "yes"}

    @app.post("/expected")
    def expected(request: Request) -> dict[str, Any]:
        found = expected_version(request)
        return {"versions": sorted(found) if isinstance(found, frozenset) else repr(found)}

    return app


async def post(path: str, *values: str) -> httpx.Response:
    headers = [("If-Match", value) for value in values]
    transport = httpx.ASGITransport(app=app_with_routes())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, headers=headers)


async def test_a_route_answers_428_412_and_400_as_problems() -> None:
    path = "/checked"
    missing, stale, weak, malformed = (
        await post(path),
        await post(path, '"2"'),
        await post(path, 'W/"3"'),
        await post(path, "3"),
    )
    assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    assert (weak.status_code, weak.json()["code"]) == (412, "precondition_failed")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid_if_match")
    assert malformed.headers["content-type"] == "application/problem+json"
    for ok in ('"3"', "*", '"1", "3"'):
        assert (await post(path, ok)).status_code == 200, ok


async def test_several_if_match_field_lines_form_one_list() -> None:
    assert (await post("/checked", '"1"', '"3"')).status_code == 200
    assert (await post("/checked", '"1"', '"2"')).status_code == 412


async def test_without_if_match_only_what_does_not_exist_yet_may_be_created() -> None:
    assert (await post("/not-yet-created")).status_code == 200
    assert (await post("/checked")).status_code == 428


async def test_a_star_matches_what_exists_and_never_what_does_not() -> None:
    assert (await post("/checked", "*")).status_code == 200
    assert (await post("/not-yet-created", "*")).status_code == 412


async def test_the_application_gets_the_versions_to_expect() -> None:
    assert (await post("/expected", '"3"')).json() == {"versions": [3]}
    assert (await post("/expected", "*")).json() == {"versions": "ANY_CURRENT"}
    assert (await post("/expected", 'W/"2", "3"')).json() == {"versions": [3]}
    assert (await post("/expected")).json() == {"versions": "UNNAMED"}


async def test_tags_that_can_never_match_are_refused_with_412() -> None:
    assert (await post("/checked", 'W/"3"')).status_code == 412
    assert (await post("/checked", '"abc"')).status_code == 412
