"""The first release's stores (tests/fixtures/store-v0), opened as the services open them.

tests/compat/make_fixture.py wrote them from bd080e3; MANIFEST.json says what they hold.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyodo_shared.service import discover

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-v0"
MANIFEST: dict[str, Any] = json.loads((FIXTURE / "MANIFEST.json").read_text())
SERVICES: tuple[str, ...] = tuple(MANIFEST["services"])
DECIDED_CALL: str = MANIFEST["scenario"]["calls"]["decided"]
# ------------------------------------------------------------------------------------------------------------
# The one place that knows how a service opens its store. After a refactor, this is what to update.


@dataclass
class Service:
    application: Any  # the eventsourcing Application, as the service constructs it
    visibility: Any  # what the service's audit API shows of each stored topic
    mapper: Any  # what its relay publishes for a stored event (contracts)


@contextmanager
def opened(name: str, data: Path, pg_dsn: str | None = None) -> Iterator[Service]:
    """A service's store opened as the service opens it (its spec's app factory, not started), then closed."""
    spec = discover()[name]
    if pg_dsn is None:
        store: dict[str, Any] = {"backend": "sqlite", "sqlite_path": data / f"{name}.sqlite"}
        privacy: dict[str, Any] = {"vault_path": data / f"{name}-vault.sqlite"}
    else:
        store = {"backend": "postgres", "pg_dsn": pg_dsn, "pg_schema": spec.pg_schema, "pg_pool_size": 2}
        privacy = {}
    settings = spec.settings_type.model_validate(
        {"store": store, "audit": {"keys_dir": data / "keys"}, "privacy": privacy}
    )
    kernel = spec.create_app(settings, None).state.kernel
    try:
        yield Service(kernel.application, kernel.visibility, kernel.mapper)
    finally:
        kernel.close()


# ------------------------------------------------------------------------------------------------------------


def notifications(recorder: Any) -> Iterator[Any]:
    after = 0
    while True:
        batch = recorder.select_notifications(start=after, limit=500, inclusive_of_start=False)
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def copy_fixture(target: Path) -> Path:
    """The stores and keys, copied: opening a store changes it (journal mode, migrations)."""
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("postgres.sql", "MANIFEST.json"))
    return target
