"""How operator commands reach a service's store: its settings, and its kernel opened without serving.

The embedded layout (`kyodo up`'s data directory) is decided here once, for `kyodo up` and the operator commands
alike: every other `KYODO_*` setting comes from the environment (see `embedded_layout`). In the explicit layout a
command needs the same store settings `kyodo serve` needs — never the defaults, which could be another deployment's
database — and it never creates a store: only `kyodo replay` may, to rebuild a read model whose database was lost.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from kyodo_shared.cli.bus_target import NO_BUS_URL, explicit_layout, read_up_state
from kyodo_shared.cli.console import err
from kyodo_shared.cli.errors import FAILED, USAGE, CliError
from kyodo_shared.runtime import Kernel
from kyodo_shared.service import discover
from kyodo_shared.settings import KernelSettings, StoreSettings
from kyodo_shared.web.auth import AuthSettings

CLI_AUTH = AuthSettings(issuer="urn:kyodo:cli", audience="kyodo", jwks_url="file:///dev/null")
# The kernel's own version table: a store without it was never opened by a Kyodo service.
KERNEL_VERSION_TABLE = "kyodo_schema_kernel"


def cli_replica() -> str:
    """This command's name as a lease holder: which machine and process holds a lease is then plain to see."""
    return f"kyodo-cli-{socket.gethostname()}-{os.getpid()}"


def embedded_layout(settings: KernelSettings, service: str, data_dir: Path, nats_url: str) -> KernelSettings:
    """Settings read from the environment, with only what the data directory must decide replaced: the SQLite
    store, the key vault, the bus URL, and the audit keys' directory unless KYODO_AUDIT__KEYS_DIR is set."""
    audit = settings.audit
    if "KYODO_AUDIT__KEYS_DIR" not in os.environ:
        audit = audit.model_copy(update={"keys_dir": data_dir / "keys"})
    return settings.model_copy(
        update={
            "store": StoreSettings(backend="sqlite", sqlite_path=data_dir / f"{service}.sqlite"),
            # The embedded nats-server listens on loopback without TLS.
            "bus": settings.bus.model_copy(update={"nats_url": nats_url, "tls_ca_file": None}),
            "audit": audit,
            # One vault file per service: the services share the data directory, not their keys.
            "privacy": settings.privacy.model_copy(update={"vault_path": data_dir / f"{service}-vault.sqlite"}),
            # A laptop's platform may always be moved in time (`kyodo clock advance`); production never is.
            "clock": settings.clock.model_copy(update={"allow_shift": True}),
        }
    )


def missing_operator_settings(*, needs_bus: bool) -> list[str]:
    """What `kyodo serve` requires and an operator command needs too: the store and its location (and the bus for a
    command that uses it); never the identity provider's, since operator commands verify no token."""
    from kyodo_shared.cli.serve import missing_settings

    return [
        name
        for name in missing_settings()
        if not name.startswith("KYODO_AUTH__") and (needs_bus or name != "KYODO_BUS__NATS_URL")
    ]


def service_settings(
    service: str, data_dir: Path, *, nats_url: str | None = None, needs_bus: bool = False
) -> KernelSettings:
    """Settings from the environment (as `kyodo serve` uses them), or the embedded layout when none are set.

    In the embedded layout the bus is `nats_url` if given, else the running `kyodo up`'s, else a URL that reaches
    nothing: never the default `nats://127.0.0.1:4222`, which may be another deployment's."""
    spec = discover()[service]
    if explicit_layout():
        missing = missing_operator_settings(needs_bus=needs_bus)
        if missing:
            raise CliError(
                f"refusing to guess {service}'s store or bus: KYODO_STORE__BACKEND or KYODO_BUS__NATS_URL is set "
                f"(the explicit layout), but not: {', '.join(missing)}",
                hint="set them as the service has them (see the Configuration table in README.md), or unset "
                "KYODO_STORE__BACKEND and KYODO_BUS__NATS_URL to use the embedded data directory (--data-dir)",
                code=USAGE,
            )
        # Operator commands verify no token: the environment's KYODO_AUTH__* (if any) are neither used nor validated.
        return as_operator(spec.settings_type(auth=CLI_AUTH, replica_id=cli_replica()))
    settings = as_operator(spec.settings_type(auth=CLI_AUTH, replica_id=cli_replica()))
    if nats_url is None:
        state = read_up_state(data_dir)
        nats_url = state.nats_url if state is not None else NO_BUS_URL
    return embedded_layout(settings, service, data_dir, nats_url)


def as_operator(settings: KernelSettings) -> KernelSettings:
    """An operator command runs as the operator's NATS user, which may make and re-place streams and durable
    consumers (`kyodo replay` re-places a consumer after what the database applied; a service only checks)."""
    return settings.model_copy(update={"bus": settings.bus.model_copy(update={"provision": "create"})})


def open_kernel(service: str, data_dir: Path, *, nats_url: str | None = None, create: bool = False) -> Kernel:
    """The service's kernel over its existing store (`create`: `kyodo replay` only, see `require_store`)."""
    spec = discover()[service]
    settings = service_settings(service, data_dir, nats_url=nats_url)
    require_store(service, settings, data_dir, create=create)
    kernel: Kernel = spec.create_app(settings, None).state.kernel
    return kernel


def require_store(service: str, settings: KernelSettings, data_dir: Path, *, create: bool = False) -> None:
    """An operator command reads a store that exists: opening one that does not (a mistyped --data-dir or
    KYODO_STORE__SQLITE_PATH, a DSN or schema of the wrong database) would create an empty store there — tables and
    all — and report on it ("no parked messages", "verified") as if it were the real one.

    `create` (for `kyodo replay`, whose job is rebuilding a lost read model): allowed in the explicit layout, and in
    the embedded one inside a Kyodo data directory only, so that a mistyped --data-dir is still refused."""
    if settings.store.backend == "postgres":
        if _pg_has_kernel(service, settings.store):
            return
        if create and explicit_layout():
            _creating(f"{service} has no store in schema {settings.store.pg_schema!r}")
            return
        raise CliError(
            f"{service} has no store in schema {settings.store.pg_schema!r} of {_safe_dsn(settings.store.pg_dsn)} "
            f"(no {KERNEL_VERSION_TABLE} table): refusing to create one",
            hint="check KYODO_STORE__PG_DSN and KYODO_STORE__PG_SCHEMA: they name the database and schema "
            "`kyodo serve` uses",
            code=USAGE,
        )
    path = settings.store.sqlite_path
    if path.exists():
        return
    if explicit_layout():
        if create:
            _creating(f"{service} has no store at {path}")
            return
        raise CliError(
            f"{service} has no store at {path}",
            hint="check KYODO_STORE__SQLITE_PATH: it names the file `kyodo serve` uses",
            code=USAGE,
        )
    if create and is_data_dir(data_dir):
        _creating(f"{service} has no store in {data_dir}")
        return
    raise CliError(
        f"{service} has no store in {data_dir}",
        hint="run `kyodo up` first, or point --data-dir (KYODO_DATA_DIR) at the data directory `kyodo up` uses",
        code=USAGE,
    )


def _creating(what: str) -> None:
    err.print(f"{what}: replay creates it and rebuilds it (a lost read model is rebuilt from the streams)")


def is_data_dir(data_dir: Path) -> bool:
    """A directory `kyodo up` has used: it holds the development issuer or some service's store."""
    return (data_dir / "issuer").is_dir() or any(data_dir.glob("*.sqlite"))


def _pg_has_kernel(service: str, store: StoreSettings) -> bool:
    """Asked with a plain query before the store is opened: opening it creates the schema and migrates."""
    import psycopg

    qualified = '"' + store.pg_schema.replace('"', '""') + '".' + KERNEL_VERSION_TABLE
    try:
        with psycopg.connect(store.pg_dsn, connect_timeout=10, autocommit=True) as conn:
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (qualified,)).fetchone()
    except psycopg.Error as exc:
        raise CliError(
            f"cannot reach {service}'s PostgreSQL at {_safe_dsn(store.pg_dsn)}: "
            f"{(str(exc).strip().splitlines() or [type(exc).__name__])[0]}",
            hint="check KYODO_STORE__PG_DSN and that the database is up",
            code=FAILED,
        ) from None
    return bool(row and row[0])


def _safe_dsn(dsn: str) -> str:
    """The DSN without its password, for messages."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parts = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - an unparsable DSN: psycopg says so when connecting
        return "(the configured DSN)"
    parts.pop("password", None)
    return make_conninfo(**{k: str(v) for k, v in parts.items() if v is not None})
