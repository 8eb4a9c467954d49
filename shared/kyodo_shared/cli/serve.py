"""`kyodo serve <service>`: one service as Kubernetes runs it — PostgreSQL and external NATS from settings.

It starts only on explicit configuration: the defaults (a local SQLite file, `nats://127.0.0.1:4222`) could quietly
be another deployment's bus, so a missing store, bus or identity-provider variable is refused, every one named.
"""

from __future__ import annotations

import os
import signal

import uvicorn

from kyodo_shared.cli.errors import USAGE, CliError
from kyodo_shared.observability.logs import configure_logging
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DEV_ISSUER
from kyodo_shared.web.gateway import mount_services

REQUIRED = (
    "KYODO_STORE__BACKEND",
    "KYODO_BUS__NATS_URL",
    "KYODO_AUTH__ISSUER",
    "KYODO_AUTH__AUDIENCE",
    "KYODO_AUTH__JWKS_URL",
)
# The store's location, by backend.
REQUIRED_BY_BACKEND = {"postgres": "KYODO_STORE__PG_DSN", "sqlite": "KYODO_STORE__SQLITE_PATH"}


def missing_settings(environ: dict[str, str] | None = None) -> list[str]:
    """The variables `kyodo serve` requires that are unset or empty in `environ` (default: this process's)."""
    env = dict(os.environ) if environ is None else environ
    missing = [name for name in REQUIRED if not env.get(name)]
    backend = env.get("KYODO_STORE__BACKEND", "").strip().lower()
    location = REQUIRED_BY_BACKEND.get(backend)
    if location is not None and not env.get(location):
        missing.append(location)
    return missing


def serve(service: str, host: str, port: int) -> int:
    specs = discover()
    if service not in specs:
        raise CliError(f"unknown service {service!r}", hint=f"known: {', '.join(specs)}", code=USAGE)
    if os.environ.get("KYODO_AUTH__ISSUER") == DEV_ISSUER:
        raise CliError(
            "refusing the embedded development token issuer outside `kyodo up`",
            hint="set KYODO_AUTH__ISSUER to the identity provider's issuer",
            code=USAGE,
        )
    missing = missing_settings()
    if missing:
        raise CliError(
            f"kyodo serve {service} needs explicit settings; not set: {', '.join(missing)}",
            hint="see the Configuration table in README.md and the manifests in deploy/ "
            "(for a laptop, `kyodo up` runs every service without any)",
            code=USAGE,
        )
    spec = specs[service]
    settings = spec.settings_type()
    configure_logging(settings.log_format, settings.log_level)
    app = spec.create_app(settings, JwksVerifier(settings.auth))
    config = uvicorn.Config(
        mount_services({service: app}),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
        # Named, not "auto": a missing wheel fails at start instead of silently costing a quarter of the CPU.
        loop="uvloop",
        http="httptools",
    )
    # uvicorn handles SIGTERM/SIGINT (stop accepting, finish in-flight requests, stop the kernel), then re-raises
    # the signal to its previous handler: make that a clean exit rather than death by signal.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    uvicorn.Server(config).run()
    return 0


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
