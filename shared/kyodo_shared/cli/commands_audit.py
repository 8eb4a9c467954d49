"""`kyodo audit …`: verify, export, recompute and rotate-key, as typer commands over `cli/audit.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kyodo_shared.cli.app import Service, data_dir, known_service, sub_app
from kyodo_shared.cli.console import out

Url = Annotated[
    str | None,
    typer.Option(
        help="the service's base URL, e.g. http://127.0.0.1:8080/api/registry: verify by its audit API alone "
        "(needs KYODO_AUDIT_TOKEN, a token with the auditor role)",
        show_default="by database",
    ),
]
AsJson = Annotated[
    bool | None,
    typer.Option(
        "--json/--summary",
        help="the full JSON report, or a summary to read",
        show_default="summary on a terminal, JSON when piped",
    ),
]


def verify(
    ctx: typer.Context,
    service: Service,
    url: Url = None,
    checkpoints_url: Annotated[
        str | None,
        typer.Option(
            help="where to read the signed checkpoints with --url: a path under it, or a URL such as "
            "https://<host>/api/info-hub/open-data/checkpoints?service=<service> (info-hub's mirror); checkpoints "
            "are public, and KYODO_AUDIT_TOKEN is never sent to another origin (scheme, host, port) than --url's",
            show_default="<url>/audit/checkpoints",
        ),
    ] = None,
    export: Annotated[
        Path | None, typer.Option(help="verify a file written by `kyodo audit export`, offline", dir_okay=False)
    ] = None,
    pin: Annotated[
        Path | None,
        typer.Option(
            help="pin file: the checkpoints and keys this machine verified before (trust on first use), so a "
            "history rewritten since is caught",
            show_default="<data-dir>/audit-pins/<service>.json",
        ),
    ] = None,
    as_json: AsJson = None,
    show_progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="a progress bar on stderr while the history is read",
            show_default="on a terminal",
        ),
    ] = None,
) -> int:
    """Verify a service's history: by database, by --url of its audit API, or --export offline. Exit 1 if altered."""
    from kyodo_shared.cli import audit

    folder = data_dir(ctx)
    pin = pin or audit.default_pin(folder, service)
    wanted = (not out.is_terminal) if as_json is None else as_json
    if export is not None:
        return audit.verify_export(service, export, pin, wanted)
    return audit.verify_command(service, url, checkpoints_url, pin, folder, wanted, show_progress)


def export(
    ctx: typer.Context,
    service: Service,
    output: Annotated[Path, typer.Option(help="the JSON Lines file to write", dir_okay=False)],
    url: Url = None,
) -> int:
    """Write a service's history (records, checkpoints, keys) as JSON Lines, for `verify --export` elsewhere."""
    from kyodo_shared.cli import audit

    return audit.export_command(service, url, output, data_dir(ctx))


def recompute(
    ctx: typer.Context,
    call_id: Annotated[str, typer.Argument(help="the call's id (UUID)", show_default=False)],
    service: Annotated[str, typer.Option(help="the service holding the call", parser=known_service)] = "proposals",
    keys: Annotated[
        Path | None,
        typer.Option(
            help="published keys to check receipts with: the body of GET /api/proposals/audit/keys",
            show_default="the service's own keys",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> int:
    """Rebuild a decided call's ranking from the event history and compare. Exit 4 when not decided yet."""
    # The auditor's recompute is its own package, outside the kernel: the command line composes it here.
    from kyodo_recompute.cli import recompute_command

    return recompute_command(call_id, service, data_dir(ctx), keys, as_json)


def recompute_evaluation(
    ctx: typer.Context,
    project_id: Annotated[str, typer.Argument(help="the project's id (UUID)", show_default=False)],
    service: Annotated[str, typer.Option(help="the service holding the project", parser=known_service)] = "evaluation",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> int:
    """Rebuild a committee's evaluation of a project from the event history and compare. Exit 4 when not yet."""
    from kyodo_recompute.evaluation_cli import recompute_evaluation_command

    return recompute_evaluation_command(project_id, service, data_dir(ctx), as_json)


def rotate_key(ctx: typer.Context, service: Service) -> int:
    """Create the next checkpoint key: announced by the current key's next checkpoint, then used."""
    from kyodo_shared.cli import audit

    return audit.rotate_key(service, data_dir(ctx))


def audit_app() -> typer.Typer:
    app = sub_app("Verify, export or recompute a service's event history; rotate its checkpoint key.")
    app.command("verify")(verify)
    app.command("export")(export)
    app.command("recompute")(recompute)
    app.command("recompute-evaluation")(recompute_evaluation)
    app.command("rotate-key")(rotate_key)
    return app
