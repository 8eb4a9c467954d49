"""The auditor's pages, served by every service from its kernel: `/<service>/audit` — the history browser (filters by
aggregate, event type, time in Asia/Tokyo and correlation id; each event's chain fields; bodies only as the
visibility policy allows), the signed checkpoints and keys, the last verification (and a button to verify now) and
links to the audit API's JSON — plus, where the service decides something an auditor recomputes, the recompute
pages (`/proposals/audit/calls/{id}`, `/evaluation/audit/projects/{id}`).

A service mounts them with one line in its pages app: `audit_pages("/registry")`, `audit_pages("/proposals",
recompute=CALLS)`; info-hub, whose pages are the portal at `/`, under `audit_pages("/info-hub")`. Auditors only
(`Role.AUDITOR`): anyone else gets the kit's 403 page. Everything is read through the audit API's own functions
(`audit/api.py`), so a page never shows what the API would not.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kyodo_shared.audit.pages_history import PER_PAGE, HistoryRow, read_filters, read_page
from kyodo_shared.audit.pages_paging import SCAN_LIMIT
from kyodo_shared.audit.pages_recompute import CALLS, PROJECTS, Recompute
from kyodo_shared.audit.pages_verify import VERIFY_LIMIT, run_verification, too_long, verifications
from kyodo_shared.domain.actors import Role
from kyodo_shared.pages.actions import Form, signed_in
from kyodo_shared.pages.forms import errors_in
from kyodo_shared.pages.i18n import negotiate
from kyodo_shared.pages.kit_pages import SERVICE_NAMES, transparency_context
from kyodo_shared.pages.render import render
from kyodo_shared.pages.routing import page_router
from kyodo_shared.runtime import Kernel
from kyodo_shared.web.problems import Problem

__all__ = ["CALLS", "PROJECTS", "audit_pages"]


def _kernel(request: Request) -> Kernel:
    kernel: Kernel = request.app.state.kernel
    return kernel


def audit_pages(service_prefix: str, *, recompute: Recompute | None = None) -> APIRouter:
    """The audit pages under `<service_prefix>/audit`."""
    base = f"{service_prefix}/audit"
    router = page_router(base)

    @router.get("")
    def history(request: Request) -> HTMLResponse:
        principal = signed_in(request, Role.AUDITOR)
        kernel = _kernel(request)
        filters = read_filters(request.query_params)
        rows: list[HistoryRow] = []
        total, capped, after = 0, False, 0
        if not filters.problems:
            rows, total, capped, after = read_page(request, kernel, principal, filters)
        service = kernel.service
        api = f"/api/{service}/audit"
        context = {
            **transparency_context(request, shown=1),
            "service_name": SERVICE_NAMES.get(service, service),
            "base": base,
            "service_prefix": service_prefix,
            "filters": filters,
            "errors": errors_in({"errors": filters.problems}, negotiate(request)),
            "per_page_choices": [(str(n), str(n)) for n in PER_PAGE],
            "rows": rows,
            "listing": {"items": rows, "total": total, "page": filters.page, "per_page": filters.per_page},
            "capped": capped,
            "scan_limit": SCAN_LIMIT,
            "verification": verifications(request.app.state).last,
            "too_long": too_long(kernel),
            "verify_limit": VERIFY_LIMIT,
            "recompute": recompute,
            # An auditor's account holding a role the service's policy excludes from some bodies (`Rule.unless`: a
            # judge's or coordinator's, from the scores): the page says why, here only — not where nothing is withheld.
            "withheld": kernel.visibility.withholds_from(principal),
            "exports": {
                "events": f"{api}/events?{filters.api_query(after)}",
                "records": f"{api}/records",
                "sealed": f"{api}/sealed",
                "checkpoints": f"{api}/checkpoints",
                "keys": f"{api}/keys",
            },
        }
        return render(request, "audit/history.html", context, status=422 if filters.problems else 200)

    @router.post("/verification")
    def verify_now(request: Request, form: Form) -> Response:
        principal = signed_in(request, Role.AUDITOR)
        kernel = _kernel(request)
        if too_long(kernel) is not None:
            raise Problem(
                409,
                "history_too_long",
                "履歴が長すぎるため、このページでは検証できません",
                "The history is too long to verify from a page",
                detail_ja="kyodo audit verify で検証してください。",
                detail_en="Verify it with kyodo audit verify.",
            )
        if run_verification(kernel, verifications(request.app.state), principal.sub) is None:
            raise Problem(409, "verification_running", "検証を実行中です", "A verification is already running")
        return RedirectResponse(f"{base}#verification", status_code=303)

    if recompute is not None:
        chosen = recompute

        @router.get(f"/{chosen.segment}")
        def choose(request: Request, id: str = "") -> Response:
            """The recompute form's GET: to the subject's page, or back to the history with nothing typed."""
            signed_in(request, Role.AUDITOR)
            try:
                subject = UUID(id.strip())
            except ValueError:
                return RedirectResponse(f"{base}#recompute", status_code=303)
            return RedirectResponse(f"{base}/{chosen.segment}/{subject}", status_code=303)

        @router.get(f"/{chosen.segment}/{{subject}}")
        def recomputed(request: Request, subject: UUID) -> HTMLResponse:
            """A recompute reads the whole history (every stored event, to find the subject's): bounded and one at
            a time as a verification is, sharing its lock (one heavy audit run per process)."""
            signed_in(request, Role.AUDITOR)
            kernel = _kernel(request)
            if too_long(kernel) is not None:
                raise Problem(
                    409,
                    "history_too_long",
                    "履歴が長すぎるため、このページでは再計算できません",
                    "The history is too long to recompute from a page",
                    detail_ja="kyodo audit recompute で再計算してください。",
                    detail_en="Recompute it with kyodo audit recompute.",
                )
            lock = verifications(request.app.state).lock
            if not lock.acquire(blocking=False):
                raise Problem(
                    409,
                    "verification_running",
                    "検証または再計算を実行中です",
                    "A verification or a recompute is running",
                )
            try:
                result = chosen.run(kernel, str(subject))
            finally:
                lock.release()
            context = {"base": base, "subject": str(subject), "result": result}
            return render(request, chosen.template, context)

    return router
