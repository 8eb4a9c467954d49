"""How operator commands reach a service's store: its settings, and its kernel opened without serving.

The embedded layout (`kyodo up`'s data directory) is decided here once, for `kyodo up` and the operator commands
alike: every other `KYODO_*` setting comes from the environment (see `embedded_layout`).
"""

from __future__ import annotations

import os
from pathlib import Path

from kyodo_shared.cli.bus_target import NO_BUS_URL, explicit_layout, read_up_state
from kyodo_shared.cli.errors import USAGE, CliError
from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.settings import KernelSettings, StoreSettings
from kyodo_shared.web.auth import AuthSettings

CLI_AUTH = AuthSettings(issuer="urn:kyodo:cli", audience="kyodo", jwks_url="file:///dev/null")


def embedded_layout(settings: KernelSettings, service: str, data_dir: Path, nats_url: str) -> KernelSettings:
    """Settings read from the environment, with only what the data directory must decide replaced: the SQLite
    store, the key vault, the bus URL, and the audit keys' directory unless KYODO_AUDIT__KEYS_DIR is set."""
    audit = settings.audit
    if "KYODO_AUDIT__KEYS_DIR" not in os.environ:
        audit = audit.model_copy(update={"keys_dir": data_dir / "keys"})
    return settings.model_copy(
        update={
            "store": StoreSettings(backend="sqlite", sqlite_path=data_dir / f"{service}.sqlite"),
            "bus": settings.bus.model_copy(update={"nats_url": nats_url}),
            "audit": audit,
            # One vault file per service: the services share the data directory, not their keys.
            "privacy": settings.privacy.model_copy(update={"vault_path": data_dir / f"{service}-vault.sqlite"}),
        }
    )


def service_settings(service: str, data_dir: Path, *, nats_url: str | None = None) -> KernelSettings:
    """Settings from the environment (as `kyodo serve` uses them), or the embedded layout when none are set.

    In the embedded layout the bus is `nats_url` if given, else the running `kyodo up`'s, else a URL that reaches
    nothing: never the default `nats://127.0.0.1:4222`, which may be another deployment's."""
    spec = discover()[service]
    if explicit_layout():
        return spec.settings_type()
    # Operator commands verify no token: the environment's KYODO_AUTH__* (if any) are neither used nor validated.
    settings = spec.settings_type(auth=CLI_AUTH)
    if nats_url is None:
        state = read_up_state(data_dir)
        nats_url = state.nats_url if state is not None else NO_BUS_URL
    return embedded_layout(settings, service, data_dir, nats_url)


def open_kernel(service: str, data_dir: Path, *, nats_url: str | None = None) -> Kernel:
    spec = discover()[service]
    settings = service_settings(service, data_dir, nats_url=nats_url)
    require_store(service, settings, data_dir)
    # Operator commands never verify tokens; a placeholder keeps the app factory's signature.
    settings = settings.model_copy(update={"auth": CLI_AUTH})
    kernel: Kernel = spec.create_app(settings, None).state.kernel
    return kernel


def require_store(service: str, settings: KernelSettings, data_dir: Path) -> None:
    """An operator command reads a store that exists: opening a SQLite path that does not (a mistyped --data-dir)
    would create an empty store there and report on it — "no parked messages", "verified" — as if it were the real
    one."""
    path = settings.store.sqlite_path
    if settings.store.backend != "sqlite" or path.exists():
        return
    if explicit_layout():
        raise CliError(
            f"{service} has no store at {path}",
            hint="check KYODO_STORE__SQLITE_PATH: it names the file `kyodo serve` uses",
            code=USAGE,
        )
    raise CliError(
        f"{service} has no store in {data_dir}",
        hint="run `kyodo up` first, or point --data-dir (KYODO_DATA_DIR) at the data directory `kyodo up` uses",
        code=USAGE,
    )
