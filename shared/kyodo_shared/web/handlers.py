"""One exception handler per kind of failure, each answering problem+json from the service's message table."""

from __future__ import annotations

import traceback

import psycopg
import structlog
from eventsourcing.persistence import IntegrityError
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kyodo_shared.domain.refusals import Refusal, StaleVersion
from kyodo_shared.store.breaker import StoreUnavailable, store_unreachable
from kyodo_shared.web.auth import AuthError
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.problems import Problem, field_errors, problem_response

log = structlog.get_logger(__name__)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}

# Errors that may say the store's server cannot be reached; `store_unreachable` (store/breaker.py) decides from the
# error itself.
STORE_ERRORS: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    StoreOperationalError,
    StoreInterfaceError,
    StoreUnavailable,
)


def install_problem_handlers(app: FastAPI, messages: MessageTable) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_refusal(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refusal)
        return problem_response(messages.for_refusal(exc), request)

    async def on_stale(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StaleVersion)
        return problem_response(messages.for_stale(exc), request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(messages.problem("malformed_json"), request)
        problem = messages.problem("validation_failed")
        problem.errors = field_errors(errors)
        return problem_response(problem, request)

    async def on_auth(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AuthError)
        problem = messages.problem(exc.code, exc.data)
        if exc.status == 401:
            problem.headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        return problem_response(problem, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        problem = messages.problem(_HTTP_CODES.get(exc.status_code, "http_error"), {"what": "resource"})
        problem.status = exc.status_code
        return problem_response(problem, request)

    async def on_conflict(request: Request, exc: Exception) -> JSONResponse:
        # Lost a race inside the event store: another write to the same aggregate committed first.
        return problem_response(messages.problem("write_conflict"), request)

    async def on_store_error(request: Request, exc: Exception) -> JSONResponse:
        # Every write is one transaction, so a request that lost the store wrote nothing: safe to try again.
        if not store_unreachable(exc):
            return await on_unexpected(request, exc)
        log.warning(
            "store_unavailable",
            service=getattr(getattr(request.app.state, "kernel", None), "service", None),
            error=type(exc).__name__,
            path=request.url.path,
        )
        return problem_response(messages.problem("store_unavailable"), request)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Frames only: the exception's message may hold submitted values, which must not reach the logs.
        # This runs outside the service's observe middleware (Starlette answers a 500 from its outermost layer), so
        # the service and the request's correlation id are named here, and the answer carries the id too.
        correlation = getattr(request.state, "correlation_id", None)
        log.error(
            "http_unhandled_error",
            service=getattr(getattr(request.app.state, "kernel", None), "service", None),
            correlation_id=correlation,
            error=type(exc).__name__,
            path=request.url.path,
            frames=traceback.format_tb(exc.__traceback__)[-5:],
        )
        response = problem_response(messages.problem("internal_error"), request)
        if correlation:
            response.headers["X-Correlation-Id"] = correlation
        return response

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(Refusal, on_refusal)
    app.add_exception_handler(StaleVersion, on_stale)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(AuthError, on_auth)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(IntegrityError, on_conflict)
    for store_error in STORE_ERRORS:
        app.add_exception_handler(store_error, on_store_error)
    app.add_exception_handler(Exception, on_unexpected)
