"""The store goes away the moment a command's save commits (issue 22): a command's answer must need nothing more.

Clients retry a 503 `store_unavailable` trusting that nothing was written; an answer that reads the store after the
commit (a key vault read to decrypt it, a read-model query, the aggregate loaded again) or writes more (partial
effects) breaks that trust when the store goes away in between — the chaos run found registry assessments answered
503 although written (fixed in 37e6762).

`watching()` makes that moment happen in every command sent through an in-process client (httpx's ASGITransport,
as the harness and the workspace use): for a POST, PUT, PATCH or DELETE, the request's context carries a `Watch`;
once an eventsourcing application of the request has recorded its events (`Application._record` returned: committed),
any store statement the request's code makes — the kernel's and the services' tables and the key vault
(`SqliteDatabase`/`PostgresDatabase.transaction`) or the event store (eventsourcing's datastores) — is noted and
fails as an unreachable store's would (eventsourcing's InterfaceError: the service answers 503). The context is the
request's own (ASGITransport awaits the app in the caller's task, and a sync route's worker thread runs in a copy of
it), so the kernel's background tasks, which read the store as they please, are never touched.

Tidying given up quietly after the save (TOLERATED) must still answer 2xx; a command that commits twice in a
designed order (TWO_STEP) has its first commit not counted as its save. Each names the frame and why.

As a pytest plugin every test of a run is watched and the run fails listing each command that reached the store
after its save, so the existing API, page and end-to-end tests audit every command they drive:
`PYTHONPATH=tests .venv/bin/pytest -p support.after_commit tests/api/test_screening_http.py`. A test that runs a
competitor's save inside a request (to lose a race on purpose) is reported too: its own save then follows one.
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from kyodo_shared.store.db import PostgresDatabase, SqliteDatabase

COMMANDS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Frames of these folders name where the store was reached (the test's own machinery is left out).
OURS = ("/services/", "/kyodo_shared/")
# Statements after the commit that are only tidying, which the code gives up quietly when the store is gone (the
# command must still answer 2xx: the watch makes them fail too): the frame that names them, and why it may.
TOLERATED = {
    "news_app.py:_cancel_publication": "an old publication timer, cancelled after the save; left, it does nothing",
    "surveys_actions.py:_with_link": (
        "the survey's page around an invitation's one-time link; when it cannot be read back the link is shown alone"
    ),
}
# A first commit of a command that makes two in a designed order, not counted as its save (its own save still comes,
# and a 503 before it is true of the command), with why.
TWO_STEP = {
    "app.py:_seal_off": (
        "closing or cancelling a published call shuts its gate in the sealed store first, then saves the call; a "
        "call's save that fails opens the gate again (Shut.undo), else the gate check timer set before does"
    ),
}


@dataclass
class Watch:
    """One command: whether its save committed, then every store statement it made after, and its answer."""

    command: str
    saves: int = 0
    after: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)
    two_step: list[str] = field(default_factory=list)
    status: int | None = None

    def reached(self, what: str) -> None:
        if not self.saves:
            return
        found = f"{what} after the save, from {where()}"
        tidying = any(_names(found, frame) for frame in TOLERATED)
        (self.tolerated if tidying else self.after).append(found)
        raise InterfaceError(f"the store went away after {self.command} committed (support.after_commit)")

    @property
    def failed(self) -> bool:
        """Reached the store after its save, or failed with only tidying after it (a page's success is a 303)."""
        return bool(self.after) or (bool(self.tolerated) and not 200 <= (self.status or 0) < 400)


def _names(found: str, frame: str) -> bool:
    file, function = frame.split(":")
    return f"{file}:" in found and f" {function}" in found


_WATCH: ContextVar[Watch | None] = ContextVar("kyodo_after_commit_watch", default=None)


def where() -> str:
    """The innermost frames of the services and the kernel that led here."""
    frames = [f for f in traceback.extract_stack()[:-2] if any(part in f.filename for part in OURS)]
    return " < ".join(
        f"{f.filename.rsplit('/', 2)[-2]}/{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
        for f in reversed(frames[-6:])
    )


def _checked(original: Callable[..., Any], what: str) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        watch = _WATCH.get()
        if watch is not None:
            watch.reached(what)
        return original(*args, **kwargs)

    return guarded


def _recording(original: Callable[..., Any]) -> Callable[..., Any]:
    def record(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        watch = _WATCH.get()
        if watch is not None:
            here = where()
            if any(_names(here, frame) for frame in TWO_STEP):
                watch.two_step.append(here)  # a designed first commit: the command's own save is still to come
            else:
                watch.saves += 1
        return result

    return record


@dataclass
class Watched:
    """Every command watched so far, in order."""

    commands: list[Watch] = field(default_factory=list)

    def reaching_after_save(self) -> list[Watch]:
        return [w for w in self.commands if w.failed]

    def saved(self) -> list[Watch]:
        return [w for w in self.commands if w.saves]


def _sending(original: Callable[..., Any], watched: Watched) -> Callable[..., Any]:
    async def send(self: httpx.ASGITransport, request: httpx.Request) -> httpx.Response:
        if request.method not in COMMANDS or _WATCH.get() is not None:
            # A command the gateway forwards in-process is watched once, as the service's own request.
            return await original(self, request)  # type: ignore[no-any-return]
        watch = Watch(f"{request.method} {request.url.path}")
        token = _WATCH.set(watch)
        # Kept also when the app raised (a page's unhandled error reaches the client as an exception).
        watched.commands.append(watch)
        try:
            response: httpx.Response = await original(self, request)
        finally:
            _WATCH.reset(token)
        watch.status = response.status_code
        return response

    return send


PATCHES: list[tuple[Any, str, str]] = [
    (SqliteDatabase, "transaction", "a statement (kernel tables, read models, key vault)"),
    (PostgresDatabase, "transaction", "a statement (kernel tables, read models, key vault)"),
    (SQLiteDatastore, "transaction", "an event store statement"),
    (PostgresDatastore, "transaction", "an event store statement"),
    (PostgresDatastore, "get_connection", "an event store connection"),
]


@contextmanager
def watching(monkeypatch: pytest.MonkeyPatch) -> Iterator[Watched]:
    """Watch every in-process command until the end of the block (or of the test: monkeypatch undoes it)."""
    watched = Watched()
    for owner, name, what in PATCHES:
        monkeypatch.setattr(owner, name, _checked(getattr(owner, name), what))
    monkeypatch.setattr(Application, "_record", _recording(Application._record))
    monkeypatch.setattr(
        httpx.ASGITransport, "handle_async_request", _sending(httpx.ASGITransport.handle_async_request, watched)
    )
    yield watched


_ID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def route_of(command: str) -> str:
    """The command with its ids left out ("POST /calls/{id}/review"): which routes a run watched saving."""
    return _ID.sub("/{id}", command.split("?")[0])


def summary(watches: list[Watch]) -> str:
    return "\n".join(f"{w.command} answered {w.status}: " + "; ".join(w.after or w.tolerated) for w in watches)


# --- as a pytest plugin: every test of the run watched ---------------------------------------------------------

_RUN = Watched()


@pytest.fixture(autouse=True)
def _watch_every_command(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with watching(monkeypatch) as watched:
        yield
    _RUN.commands.extend(watched.commands)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    found = _RUN.reaching_after_save()
    tidied = sum(1 for w in _RUN.commands if w.tolerated and not w.failed)
    terminalreporter.write_line(
        f"after-commit watch: {len(_RUN.commands)} commands, {len(_RUN.saved())} saved, "
        f"{len(found)} reached the store after their save, {tidied} only tidied after it (TOLERATED), "
        f"{sum(1 for w in _RUN.commands if w.two_step)} made a designed first commit (TWO_STEP); "
        f"{len({route_of(w.command) for w in _RUN.saved()})} routes watched saving"
    )
    if found:
        terminalreporter.write_line(summary(found))
    if listing := os.environ.get("KYODO_AFTER_COMMIT_ROUTES"):
        # For an audit's record: every route seen saving, and how it answered.
        seen = sorted({f"{route_of(w.command)} {w.status}" for w in _RUN.saved()})
        Path(listing).write_text("\n".join(seen) + "\n", encoding="utf-8")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _RUN.reaching_after_save() and exitstatus == 0:
        session.exitstatus = 1
