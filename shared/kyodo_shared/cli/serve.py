"""`kyodo serve <service>`: one service as Kubernetes runs it — PostgreSQL and external NATS from settings."""

from __future__ import annotations

import signal
import sys

import uvicorn

from kyodo_shared.observability.logs import configure_logging
from kyodo_shared.service import discover
from kyodo_shared.web.auth import JwksVerifier
from kyodo_shared.web.devissuer import DEV_ISSUER
from kyodo_shared.web.gateway import mount_services


def serve(service: str, host: str, port: int) -> int:
    specs = discover()
    if service not in specs:
        print(f"unknown service {service!r}; known: {', '.join(specs)}", file=sys.stderr)
        return 2
    spec = specs[service]
    settings = spec.settings_type()
    if settings.auth.issuer == DEV_ISSUER:
        print("refusing the embedded development token issuer outside `kyodo up`", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    app = spec.create_app(settings, JwksVerifier(settings.auth))
    config = uvicorn.Config(
        mount_services({service: app}),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
    # uvicorn handles SIGTERM/SIGINT (stop accepting, finish in-flight requests, stop the kernel), then re-raises
    # the signal to its previous handler: make that a clean exit rather than death by signal.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    uvicorn.Server(config).run()
    return 0


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
