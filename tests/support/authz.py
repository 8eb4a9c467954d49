"""The authorization matrix's inventory: every API operation (from each service's OpenAPI) and every page route (the
pages app each service builds beside its API), with what the code declares about who may call it.

What is declared is read from the code, not from answers: an API route's `requires(...)` dependency (its roles),
`optional_principal` (anonymous readers welcome) or `principal` (any signed-in caller); a page endpoint's calls to
`pages.actions.signed_in(request, Role…)`, in its own source or one helper deep. The table
(tests/security/authz_matrix.yaml) keeps the reviewed outcome of each; this module only proposes a new row's
skeleton (`tests/security/authz_table.py --write`) and lists what exists, so the test sees rows missing or stale.
"""

from __future__ import annotations

import inspect
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Route

from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier, Role
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, settings_for

SERVICES = ("registry", "screening", "proposals", "evaluation", "info-hub")
ROLES = tuple(role.value for role in Role)
ANYONE_SIGNED_IN = "any signed-in role"


@dataclass(frozen=True)
class Operation:
    """One row's subject: `key` is "<service> <METHOD> <path>" for an API operation (its path as the service's
    OpenAPI states it) and "page <METHOD> <path>" for a page route (its path on the site, behind the gateway)."""

    key: str
    service: str
    method: str
    path: str
    operation_id: str
    declared: str  # what the code declares: "public", "optional", "signed-in", "roles: a, b", "unread"
    page: bool


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Route]]:
    """Every route of an app with its full path, FastAPI's included routers opened (kept apart since 0.16x)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def _api_gate(dependant: Dependant) -> str:
    found: list[str] = []

    def visit(node: Dependant) -> None:
        for sub in node.dependencies:
            name = getattr(sub.call, "__qualname__", "")
            if sub.call is not None and name == "requires.<locals>.dependency":
                roles = inspect.getclosurevars(sub.call).nonlocals["roles"]
                found.append("roles: " + ", ".join(sorted(role.value for role in roles)))
            elif name in ("principal", "current_principal"):
                found.append("signed-in")
            elif name == "optional_principal":
                found.append("optional")
            visit(sub)

    visit(dependant)
    return "; ".join(sorted(set(found))) or "public"


_SIGNED_IN = re.compile(r"signed_in\(\s*request\s*(?:,\s*([^)]*))?\)")
_CALLED = re.compile(r"\b([a-z_][a-z0-9_]*)\(")


def _page_gate(endpoint: Callable[..., Any]) -> str:
    """The roles a page endpoint's `signed_in(...)` names, in its source or in the helpers of its service it calls
    (three deep); `*NAME` is the module's tuple of roles it names."""
    seen: set[str] = set()
    package = endpoint.__module__.split(".")[0]
    deepest: dict[Any, int] = {}

    def read(function: Callable[..., Any], depth: int) -> None:
        # Read again when reached with more depth left: the order names are met in must not change the answer.
        if deepest.get(function, -1) >= depth:
            return
        deepest[function] = depth
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            return
        module = inspect.getmodule(function)
        for match in _SIGNED_IN.finditer(source):
            seen.add(_role_names(module, (match.group(1) or "").strip()))
        if depth == 0:
            return
        for name in sorted(set(_CALLED.findall(source))):
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper.__module__.split(".")[0] == package:
                read(helper, depth - 1)

    read(endpoint, 3)
    if not seen:
        return "unread"
    return "signed_in: " + " | ".join(sorted(seen))


def _role_names(module: Any, argument: str) -> str:
    if not argument:
        return "*"
    if argument.startswith("*"):
        named = getattr(module, argument[1:], None)
        if isinstance(named, tuple | list | frozenset | set) and all(isinstance(r, Role) for r in named):
            return ", ".join(f"Role.{role.name}" for role in sorted(named, key=lambda r: r.value))
    return argument


def operations(apps: Mapping[str, FastAPI]) -> dict[str, Operation]:
    """Every API operation (OpenAPI) and every page route of the running or built apps, keyed as the table is."""
    found: dict[str, Operation] = {}
    for service, app in apps.items():
        spec = app.openapi()
        declared: dict[tuple[str, str], str] = {}
        for path, route in _routes(app.routes):
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in route.methods or ():
                    declared[(method, path)] = _api_gate(route.dependant)
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                key = f"{service} {method.upper()} {path}"
                gate = declared.get((method.upper(), path), "unread")
                found[key] = Operation(key, service, method.upper(), path, operation["operationId"], gate, False)
        pages = app.state.pages
        if pages is None:
            continue
        for route_path, route in _routes(pages.routes):
            for method in sorted(set(route.methods or ()) - {"HEAD"}):
                key = f"page {method} {route_path}"
                service_of = "kit" if route_path.startswith(("/auth/", "/static")) else service
                if key in found:
                    continue  # the kit's routes (login, logout) every pages app carries
                found[key] = Operation(key, service_of, method, route_path, "", _page_gate(route.endpoint), True)
    return found


def built_apps(folder: Path) -> dict[str, FastAPI]:
    """The five services' apps built but not started (no store opened, no bus): enough to read their routes."""
    issuer = DevIssuer.load_or_create(folder / "issuer")
    backend = Backend("sqlite", folder)
    specs = discover()
    from support.workspace import login_settings

    apps: dict[str, FastAPI] = {}
    for name in SERVICES:
        settings = settings_for(name, backend, "nats://127.0.0.1:1", "tauthz", issuer, login=login_settings())
        apps[name] = specs[name].create_app(settings, JwksVerifier(settings.auth))
    return apps


def current_operations() -> dict[str, Operation]:
    with tempfile.TemporaryDirectory() as folder:
        return operations(built_apps(Path(folder)))


# --- the table ----------------------------------------------------------------------------------------------------

TABLE = Path(__file__).resolve().parents[1] / "security" / "authz_matrix.yaml"
NOT_ASSERTED = "not-asserted"


def load_table(path: Path = TABLE) -> dict[str, dict[str, Any]]:
    import yaml

    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return dict(loaded or {})


def allowed_roles(row: Mapping[str, Any]) -> frozenset[str] | None:
    """The roles the row lets through (None: the row asserts nothing per role)."""
    roles = row["roles"]
    if roles == "all":
        return frozenset(ROLES)
    if roles == NOT_ASSERTED:
        return None
    return frozenset(roles)


def proposal(operation: Operation) -> dict[str, Any]:
    """A new row's skeleton from what the code declares; `reviewed: no` until someone has read the code behind it."""
    declared = operation.declared
    row: dict[str, Any] = {}
    if operation.operation_id:
        row["operation"] = operation.operation_id
    row["code"] = declared
    if declared in ("public", "optional"):
        row["anonymous"], row["roles"] = "allowed", "all"
    elif declared == "signed-in" or declared == "signed_in: *":
        row["anonymous"], row["roles"] = "denied", "all"
    elif declared.startswith("roles: "):
        row["anonymous"], row["roles"] = "denied", declared.removeprefix("roles: ").split(", ")
    elif declared.startswith("signed_in: ") and "|" not in declared and "*" not in declared.removeprefix("signed_in:"):
        names = declared.removeprefix("signed_in: ").split(", ")
        row["anonymous"], row["roles"] = "denied", sorted(name.removeprefix("Role.").lower() for name in names)
    else:
        row["anonymous"] = "denied" if operation.method != "GET" else "todo"
        row["roles"] = NOT_ASSERTED
    row["reason"] = ""
    row["reviewed"] = "no"
    return row


def refusal(answer: httpx.Response) -> tuple[int, str | None]:
    """An answer's status and its problem's `code` (None when the body is not a problem document: a page)."""
    code: str | None = None
    if answer.headers.get("content-type", "").startswith("application/problem+json"):
        code = answer.json().get("code")
    return answer.status_code, code
