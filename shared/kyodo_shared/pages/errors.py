"""Errors on pages answer as pages: the same codes and wording as the API's problem+json (the message tables), in
the reader's language, inside the layout — never a JSON body or a traceback in the browser.

A page that needs a login and finds none (401) sends the reader to `/auth/login?next=<this page>` instead.
"""

from __future__ import annotations

import traceback
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.i18n import negotiate
from kyodo_shared.pages.render import render
from kyodo_shared.web.auth import AuthError
from kyodo_shared.web.messages import MessageTable
from kyodo_shared.web.problems import Problem, field_errors

log = structlog.get_logger(__name__)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def problem_page(request: Request, problem: Problem) -> Response:
    """A problem as a page: its status, code, title, detail and field errors in the reader's language."""
    lang = negotiate(request)
    title = problem.title_en if lang == "en" else problem.title_ja
    detail = problem.detail_en if lang == "en" else problem.detail_ja
    errors = [
        {"field": e.get("field"), "reason": e.get("reason_en") if lang == "en" else e.get("reason_ja")}
        for e in problem.errors or []
    ]
    context = {"status": problem.status, "code": problem.code, "title": title, "detail": detail, "errors": errors}
    return render(request, "kit/error.html", context, status=problem.status, headers=problem.headers or {})


def install_page_errors(app: FastAPI, messages: MessageTable) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_page(request, exc)

    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return problem_page(request, messages.for_refusal(exc))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problem = messages.problem("validation_failed")
        problem.errors = field_errors(list(exc.errors()))
        return problem_page(request, problem)

    async def on_auth(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AuthError)
        if exc.status == 401 and request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/auth/login?next={quote(target, safe='/')}", status_code=303)
        return problem_page(request, messages.problem(exc.code, exc.data))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        problem = messages.problem(_HTTP_CODES.get(exc.status_code, "http_error"), {"what": "resource"})
        problem.status = exc.status_code
        return problem_page(request, problem)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        correlation = getattr(request.state, "correlation_id", None)
        log.error(
            "page_unhandled_error",
            service=request.app.state.kernel.service,
            correlation_id=correlation,
            error=type(exc).__name__,
            path=request.url.path,
            frames=traceback.format_tb(exc.__traceback__)[-5:],
        )
        problem = messages.problem("internal_error")
        response = problem_page(request, problem)
        if correlation:
            response.headers["X-Correlation-Id"] = correlation
        return response

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(Refusal, on_refusal)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(AuthError, on_auth)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
