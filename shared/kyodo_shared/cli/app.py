"""The `kyodo` command tree (typer): the root, its global --data-dir, and the commands that run or feed services.

Built by `build_app()` when the command runs, never at import: the services' names (the choices of every SERVICE
argument) come from the installed entry points. Sub-groups live in `commands_audit.py` and `commands_ops.py`.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer

from kyodo_shared.cli.console import err
from kyodo_shared.domain.actors import Role

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="KYODO_DATA_DIR",
        help="data directory of the embedded run: SQLite stores, keys, dev token issuer, audit pins",
    ),
]


def known_service(value: str) -> str:
    """A SERVICE argument or --service option: only an installed service, else a usage error naming them."""
    names = service_names()
    if value not in names:
        raise typer.BadParameter(f"unknown service {value!r}; known: {', '.join(names)}")
    return value


Service = Annotated[
    str, typer.Argument(metavar="SERVICE", help="the service", show_default=False, parser=known_service)
]


def service_names() -> list[str]:
    """The installed services, by entry point name (as `kyodo_shared.service.discover()` names them), unloaded."""
    return sorted(entry.name for entry in entry_points(group="kyodo.services"))


def data_dir(ctx: typer.Context) -> Path:
    """The global --data-dir, set by the root callback."""
    found: Path = ctx.find_root().obj
    return found


def _root(ctx: typer.Context, data_dir: DataDir = Path(".kyodo")) -> None:
    ctx.obj = data_dir


def up(
    ctx: typer.Context,
    demo: Annotated[
        bool,
        typer.Option(
            help="seed Kokubunji groups, a call, a screening round, an evaluation committee and a collaboration "
            "project from a screening decision with its agreement concluded"
        ),
    ] = False,
    port: Annotated[int, typer.Option(help="HTTP port of the gateway (every service under /api/<service>)")] = 8080,
    nats_port: Annotated[int, typer.Option(help="port of the private nats-server")] = 14222,
) -> int:
    """Run every service embedded: SQLite stores, a private nats-server, a development token issuer."""
    from kyodo_shared.cli.embedded import run_embedded

    run_embedded(data_dir(ctx), port, nats_port, demo)
    return 0


def serve_command(
    service: Service,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "0.0.0.0",  # noqa: S104 - a container's
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
) -> int:
    """Run one service as Kubernetes does: settings from KYODO_* variables, PostgreSQL and an external NATS."""
    from kyodo_shared.cli.serve import serve

    return serve(service, host, port)


def token(
    ctx: typer.Context,
    role: Annotated[list[Role], typer.Option("--role", help="a role the token claims; repeat for several")],
    sub: Annotated[str | None, typer.Option(help="subject (sub) of the token", show_default="dev-<first role>")] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 8 * 3600,
) -> int:
    """Print a development token from the embedded issuer (<data-dir>/issuer), e.g. --role auditor."""
    from kyodo_shared.web.devissuer import DevIssuer

    roles = [r.value for r in role]
    issuer = DevIssuer.load_or_create(data_dir(ctx) / "issuer")
    sys.stdout.write(issuer.mint(sub or f"dev-{roles[0]}", roles, ttl_seconds=ttl) + "\n")
    return 0


# For the explicit layout with leases disabled (see cli/bus_target.py: refuse_while_running).
Force = Annotated[
    bool, typer.Option("--force", help="the service is stopped; leases are disabled so kyodo cannot check")
]


def replay_command(
    ctx: typer.Context,
    service: Service,
    from_scratch: Annotated[bool, typer.Option(help="empty the read models and start at sequence 1")] = False,
    force: Force = False,
) -> int:
    """Rebuild a service's read models from the streams (stop the service first)."""
    from kyodo_shared.cli import rebuild

    return rebuild.replay(service, data_dir(ctx), from_scratch, force=force)


def relay_reset(ctx: typer.Context, service: Service, force: Force = False) -> int:
    """Re-publish a service's stream from its store, same ids and sequences (stop the service first)."""
    from kyodo_shared.cli import rebuild

    return rebuild.relay_reset(service, data_dir(ctx), force=force)


def bus_init(
    ctx: typer.Context,
    wait: Annotated[
        float, typer.Option(help="seconds to wait for a JetStream cluster still electing its leader", min=0)
    ] = 120.0,
) -> int:
    """Make every stream and durable consumer (idempotent; run as the operator's NATS user before the services)."""
    import os

    from kyodo_shared.cli.bus_init import run
    from kyodo_shared.cli.bus_target import read_up_state
    from kyodo_shared.cli.errors import USAGE, CliError
    from kyodo_shared.settings import KernelSettings

    settings = KernelSettings()
    bus = settings.bus
    # Never the default URL, which may be another deployment's: the one set, else the running `kyodo up`'s.
    if "KYODO_BUS__NATS_URL" not in os.environ:
        state = read_up_state(data_dir(ctx))
        if state is None:
            raise CliError(
                f"no bus named: KYODO_BUS__NATS_URL is not set and no kyodo up runs for {data_dir(ctx)}",
                hint="set KYODO_BUS__NATS_URL (the operator's user) and KYODO_BUS__NAMESPACE; `kyodo up` "
                "provisions its own bus when it starts",
                code=USAGE,
            )
        bus = bus.model_copy(update={"nats_url": state.nats_url})
    return run(bus, settings.consumer, wait)


def asyncapi(
    output: Annotated[Path | None, typer.Option(help="write to this file", show_default="stdout")] = None,
) -> int:
    """Print the AsyncAPI 3 document of every published contract."""
    from kyodo_shared.bus.asyncapi import render

    text = render()
    if output is None:
        sys.stdout.write(text)
        return 0
    output.write_text(text)
    err.print(f"wrote {output}", highlight=False)
    return 0


def build_app() -> typer.Typer:
    from kyodo_shared.cli.commands_audit import audit_app
    from kyodo_shared.cli.commands_clock import clock_app
    from kyodo_shared.cli.commands_contracts import contracts_app
    from kyodo_shared.cli.commands_ops import dlq_app, privacy_app, receipt_app

    names = ", ".join(service_names())
    app = _typer(
        help=f"Kyodo (協働) platform command line. Services: {names}.",
        epilog="Operator commands read the same KYODO_* settings as `kyodo serve`; with none set they use the "
        "embedded layout under --data-dir. Exit codes: 0 ok, 1 failed, 2 usage, 3 refused, 4 not yet.",
    )
    app.callback()(_root)
    app.command("up")(up)
    app.command("serve")(serve_command)
    app.command("token")(token)
    app.add_typer(dlq_app(), name="dlq")
    app.add_typer(audit_app(), name="audit")
    app.command("replay")(replay_command)
    bus = _typer(help="The message bus: its streams and durable consumers.")
    bus.command("init")(bus_init)
    app.add_typer(bus, name="bus")
    relay = _typer(help="The outbox relay, which publishes a service's events to its stream.")
    relay.command("reset")(relay_reset)
    app.add_typer(relay, name="relay")
    app.add_typer(privacy_app(), name="privacy")
    app.add_typer(receipt_app(), name="receipt")
    app.command("asyncapi")(asyncapi)
    app.add_typer(contracts_app(), name="contracts")
    app.add_typer(clock_app(), name="clock")
    return app


def _typer(**options: str) -> typer.Typer:
    return typer.Typer(
        no_args_is_help=True,
        rich_markup_mode="rich",
        pretty_exceptions_show_locals=False,
        add_completion=False,
        **options,  # type: ignore[arg-type]
    )


def sub_app(help_text: str) -> typer.Typer:
    """A command group as the root is made (help on no arguments, rich help, no locals in tracebacks)."""
    return _typer(help=help_text)


def list_services(command: Any, names: list[str]) -> None:
    """Name the installed services in the help of every SERVICE argument and --service option."""
    for param in getattr(command, "params", []):
        if param.name in ("service", "services") and isinstance(getattr(param, "help", None), str):
            param.help = f"{param.help} — one of: {', '.join(names)}"
    for sub in getattr(command, "commands", {}).values():
        list_services(sub, names)
