"""`kyodo serve <service>`: one service as Kubernetes runs it — PostgreSQL and external NATS from settings.

It starts only on explicit configuration: the defaults (a local SQLite file, `nats://127.0.0.1:4222`) could quietly
be another deployment's bus, so a missing store, bus or identity-provider variable is refused, every one named.

Prometheus' /metrics is served on a port of its own (`KYODO_METRICS__PORT`, 9100), never on the public one: see
web/metrics.py.
"""

from __future__ import annotations

import os
import signal
import socket

import uvicorn
from starlette.types import ASGIApp

from kyodo_shared.cli.errors import USAGE, CliError
from kyodo_shared.observability.logs import configure_logging
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DEV_ISSUER
from kyodo_shared.web.gateway import mount_services
from kyodo_shared.web.metrics import ByPort, MetricsApp, detach_metrics, listen

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
    metrics_port = settings.metrics.port
    # Both ports bound before anything starts: a taken one fails the start at once, named.
    sockets = _bind(host, port, metrics_port) if metrics_port else None
    app = spec.create_app(settings, JwksVerifier(settings.auth))
    served: ASGIApp = mount_services({service: app})
    if metrics_port:
        served = ByPort(served, MetricsApp(detach_metrics(app)), metrics_port)
    config = uvicorn.Config(
        served,
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
    uvicorn.Server(config).run(sockets=sockets)
    return 0


def _bind(host: str, port: int, metrics_port: int) -> list[socket.socket]:
    if metrics_port == port:
        raise CliError(
            f"the public port and the metrics port are both {port}",
            hint="set KYODO_METRICS__PORT to another port (0 keeps /metrics on the public port)",
            code=USAGE,
        )
    sockets: list[socket.socket] = []
    for number, what in ((port, "--port"), (metrics_port, "KYODO_METRICS__PORT")):
        try:
            sockets.append(listen(host, number))
        except OSError as error:
            for sock in sockets:
                sock.close()
            raise CliError(
                f"cannot listen on {host}:{number} ({what}): {error.strerror}",
                hint=f"stop what holds the port, or choose another with {what}",
            ) from None
    return sockets


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
