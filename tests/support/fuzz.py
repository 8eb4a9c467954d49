"""Fuzzing every operation of a service's OpenAPI with schemathesis (tests/fuzz): cases generated deterministically
from the document, sent in-process to the running service as each role, and each answer checked against the
document — no server error, a documented status code and content type, a body and headers matching the schema.

A negative case (data the document refuses) must be refused, not accepted (`negative_data_rejection`).
Schemathesis generates the cases (`APIOperation.as_strategy`, derandomized, a fixed number per operation) and judges
the answers (`Case.validate_response`); the requests go through the harness's httpx client to the app whose kernel
runs on the test's loop (schemathesis's own ASGI transport would run the app on another loop, beside its NATS
connections). Beyond what schemathesis generates, each operation also gets a few hand-picked odd requests: odd
`If-Match` values on commands, a body that is not UTF-8, path parameters that are huge numbers, NUL or invalid
percent-encoded UTF-8.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

AnyCase = Case[Any]
AnyOperation = APIOperation[Any, Any, Any, Any]
CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    # A NEGATIVE case (data the schema refuses) must not be accepted: answered 4xx, never 2xx.
    negative_data_rejection,
]
BASE_URL = "http://test"
COMMANDS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# What each command is sent as If-Match, in turn: none, one of ours, any, weak, a version no aggregate reaches,
# a list, and values that are not entity-tags at all (bytes: latin-1 beyond ASCII, as a client may send).
IF_MATCH: list[str | bytes | None] = [
    None,
    '"1"',
    "*",
    'W/"1"',
    '"99999999999999999999999999999999"',
    '"0", "2"',
    "3",
    b'"\xff"',
    '"unterminated',
]
# Hand-picked path parameter values every operation with one is sent once each: a number far beyond 64 bits,
# NUL, and percent-encoded bytes that are not UTF-8.
ODD_PATH_VALUES = ["9" * 40, "%00", "%FF%FE", "..%2F..%2F"]
# And each query parameter: the same, as the client sends them (percent-encoded by the request).
ODD_QUERY_VALUES = ["9" * 40, "-" + "9" * 40, "\x00", "\udcff", "\ufeff\u202e"]
NOT_UTF8_BODY = b'{"name": "\xff\xfe\x00"}'


@dataclass(frozen=True)
class Role:
    """Who a case is sent as: no token at all (`anonymous`), or a dev token with one role for `sub`."""

    label: str
    sub: str = ""
    role: str = ""


@dataclass
class Finding:
    operation: str
    role: str
    status: int
    checks: str
    curl: str


@dataclass
class Tally:
    """What one service's fuzzing did: operations exercised (and those generated nothing negative for, with why),
    requests by status, and the findings."""

    operations: list[str] = field(default_factory=list)
    without_negative: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def generated(operation: AnyOperation, mode: GenerationMode, count: int) -> list[AnyCase]:
    """Up to `count` cases for the operation, the same ones on every run (derandomized: no seed database, no
    randomness). None in negative mode when nothing the operation takes can be made invalid (no parameters)."""
    cases: list[AnyCase] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def collect(case: AnyCase) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        return []
    return cases


def with_known_ids(case: AnyCase, known: dict[str, str]) -> AnyCase:
    """The case with each path parameter named in `known` (a seeded group, call …) set to that id, so the
    operation reaches an existing resource instead of a 404."""
    for name in list(case.path_parameters or {}):
        if name in known:
            case.path_parameters[name] = known[name]
    return case


def prepared(case: AnyCase) -> requests.PreparedRequest:
    """The request schemathesis would send for the case (its own serializers: JSON, forms, multipart, CSV)."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    kwargs.pop("auth", None)
    return requests.Request(**kwargs).prepare()


def odd_requests(case: AnyCase) -> Iterator[tuple[str, requests.PreparedRequest]]:
    """Hand-picked odd variants of a (positive) case: each path parameter odd in turn, and a body not UTF-8."""
    for name in case.path_parameters or {}:
        for value in ODD_PATH_VALUES:
            request = prepared(case)
            original = str(case.path_parameters[name])
            # Put in raw after serialization, so the percent-encoding reaches the app as written.
            assert request.url is not None
            request.url = request.url.replace(quote(original, safe=""), value, 1)
            yield f"path {name}={value}", request
    for name in case.query or {}:
        for value in ODD_QUERY_VALUES:
            request = prepared(case)
            assert request.url is not None
            parts = urlsplit(request.url)
            query = [(k, value if k == name else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            encoded = urlencode(query, encoding="utf-8", errors="surrogatepass")
            request.url = urlunsplit(parts._replace(query=encoded))
            yield f"query {name}={value!r}", request
    if case.method.upper() in COMMANDS and case.body is not None:
        request = prepared(case)
        request.body = NOT_UTF8_BODY
        request.headers["Content-Type"] = "application/json"
        request.headers["Content-Length"] = str(len(NOT_UTF8_BODY))
        yield "body not UTF-8", request


async def send(
    client: httpx.AsyncClient, request: requests.PreparedRequest, token: dict[str, str], if_match: str | bytes | None
) -> httpx.Response:
    # Who sends it and with which If-Match is the test's; httpx sets the length and host itself.
    replaced = ("authorization", "if-match", "content-length", "host")
    headers = {k.encode(): _bytes(v) for k, v in request.headers.items() if k.lower() not in replaced}
    headers.update({k.encode(): v.encode() for k, v in token.items()})
    if if_match is not None:
        headers[b"if-match"] = _bytes(if_match)
    assert request.method is not None
    assert request.url is not None
    return await client.request(request.method, request.url, headers=headers, content=body_of(request))


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def body_of(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    assert isinstance(body, bytes), type(body)
    return body


def judge(case: AnyCase, response: httpx.Response, excluded: tuple[Callable[..., Any], ...] = ()) -> str | None:
    """The titles of the checks the answer fails (None if it passes them all)."""
    checks = [c for c in CHECKS if c not in excluded]
    if 400 <= response.status_code < 500 and negative_data_rejection in checks:
        # Refused: what negative_data_rejection asks, whichever 4xx (schemathesis's own list has no 413).
        checks.remove(negative_data_rejection)
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as failures:
        return "; ".join(sorted({_title(f) for f in failures.exceptions}))
    return None


def _title(failure: BaseException) -> str:
    text = str(failure).strip().splitlines()
    return " ".join(line.strip() for line in text[:3])


def curl(request: requests.PreparedRequest, role: Role) -> str:
    return f"{request.method} {request.url} as {role.label} body={body_of(request)[:300]!r}"
