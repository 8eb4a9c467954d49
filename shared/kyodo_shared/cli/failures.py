"""Foreseeable lower-level failures, said plainly: which setting, token or file to fix, never a traceback.

`explain(exc)` turns an exception a command could not avoid (the database or the bus is unreachable, the audit API
refuses the token, a file is missing or is not JSON) into a `CliError`; anything else is left alone, so a real bug
still shows its traceback.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kyodo_shared.cli.errors import FAILED, REFUSED, USAGE, CliError

AUDITOR_HINT = (
    "set KYODO_AUDIT_TOKEN to a token with the `auditor` role; on a development machine: "
    "export KYODO_AUDIT_TOKEN=$(kyodo token --role auditor)"
)


def explain(exc: BaseException) -> CliError | None:
    """A CliError for a foreseeable failure, or None for anything unforeseen (shown as a traceback: a bug)."""
    if isinstance(exc, CliError):
        return exc
    for check in (_settings, _http, _database, _bus, _files):
        found = check(exc)
        if found is not None:
            return found
    return None


def _settings(exc: BaseException) -> CliError | None:
    """A KYODO_* variable pydantic refused: name each variable and its reason, never its value."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError) or not exc.title.endswith("Settings"):
        return None
    named = [
        "KYODO_" + "__".join(str(part).upper() for part in error["loc"]) + f": {error['msg']}" for error in exc.errors()
    ]
    return CliError(
        "invalid setting: " + "; ".join(named),
        hint="fix these environment variables (see the README's Configuration table)",
        code=USAGE,
    )


def _http(exc: BaseException) -> CliError | None:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return http_status(exc.response.status_code, str(exc.request.url), _problem(exc.response))
    if isinstance(exc, httpx.TransportError):
        url = str(exc.request.url) if _has_request(exc) else "the service"
        return CliError(
            f"cannot reach {url}: {exc or type(exc).__name__}",
            hint="check --url (the service's base URL, e.g. http://127.0.0.1:8080/api/registry) and that it runs",
        )
    return None


def http_status(status: int, url: str, detail: str = "") -> CliError:
    """What an HTTP refusal of the audit API means for the operator."""
    if status == 401:
        return CliError(
            f"the audit API refused the request without a valid token (401): {url}",
            hint=AUDITOR_HINT,
            code=REFUSED,
        )
    if status == 403:
        return CliError(
            f"the token in KYODO_AUDIT_TOKEN lacks the `auditor` role (403): {url}",
            hint=AUDITOR_HINT,
            code=REFUSED,
        )
    if status == 404:
        return CliError(
            f"no audit API at {url} (404)",
            hint="--url is the service's base URL, e.g. http://127.0.0.1:8080/api/registry",
            code=USAGE,
        )
    return CliError(f"the audit API answered {status}: {url}" + (f" — {detail}" if detail else ""))


def _database(exc: BaseException) -> CliError | None:
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        return CliError(
            f"cannot open the service's SQLite store: {exc}",
            hint="check --data-dir (or KYODO_DATA_DIR), or KYODO_STORE__SQLITE_PATH when it is set",
        )
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency; kept for minimal installs
        return None
    from kyodo_shared.store.breaker import StoreUnavailable

    if isinstance(exc, StoreUnavailable):
        return CliError(
            f"cannot connect to PostgreSQL: {exc}",
            hint="check that the database is running and reachable (KYODO_STORE__PG_DSN), then run the command again",
        )
    if isinstance(exc, psycopg.OperationalError):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CliError(
            f"cannot connect to PostgreSQL: {first}",
            hint="check KYODO_STORE__PG_DSN (and KYODO_STORE__PG_SCHEMA) and that the database is reachable",
        )
    return None


def _bus(exc: BaseException) -> CliError | None:
    import nats.errors

    if isinstance(exc, nats.errors.NoServersError | nats.errors.TimeoutError | nats.errors.ConnectionClosedError):
        return CliError(
            f"cannot reach NATS: {exc or type(exc).__name__}",
            hint="check KYODO_BUS__NATS_URL and that nats-server is running",
        )
    return None


def _files(exc: BaseException) -> CliError | None:
    if isinstance(exc, json.JSONDecodeError):
        return CliError(f"not valid JSON: {exc}", hint="pass the file as the API returned it", code=USAGE)
    if isinstance(exc, FileNotFoundError):
        return CliError(f"no such file: {exc.filename}", code=USAGE)
    if isinstance(exc, IsADirectoryError | NotADirectoryError | PermissionError):
        return CliError(f"cannot use {exc.filename}: {exc.strerror}", code=USAGE)
    return None


def _has_request(exc: Any) -> bool:
    try:
        exc.request  # noqa: B018 - httpx raises RuntimeError when the error carries no request
    except RuntimeError:
        return False
    return True


def _problem(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("title") or body.get("detail") or "") if isinstance(body, dict) else ""


__all__ = ["AUDITOR_HINT", "FAILED", "explain", "http_status"]
